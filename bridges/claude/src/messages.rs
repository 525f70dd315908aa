//! Anthropic's Messages API (`POST {ANTHROPIC_BASE_URL}/v1/messages`, `x-api-key`,
//! `anthropic-version: 2023-06-01`) as an [`llm::Provider`].
//!
//! No JSON mode exists here and assistant prefill is refused by recent models, so the
//! system prompt asks for JSON and the shared answer reader copes with what comes back.
//!
//! Error mapping (beyond bridge-kit's status classification): 429 `rate_limit_error` and
//! 529 `overloaded_error` are safe to retry (nothing was processed); 400 "prompt is too
//! long" is invalid arguments naming the sizes; 400 "credit balance is too low" is
//! forbidden (billing, not the caller's input); 404 for the model names the model (or
//! `ANTHROPIC_MODEL`); 401 names `ANTHROPIC_API_KEY`.

use bridge_kit::upstream::{Call, Upstream};
use bridge_kit::{ErrorCode, ToolContext, ToolError};
use bridge_openai::llm::provider::{self, VendorError};
use bridge_openai::llm::{Completion, Failure, LlmMetrics, Models, Provider, Request, TokenUsage};
use serde::{Deserialize, Serialize};

/// Anthropic's overloaded status: not an HTTP standard code, so bridge-kit maps it to
/// `upstream_unavailable` (retryable), which is what a caller should see if it persists.
const OVERLOADED: u16 = 529;

/// The Anthropic provider: the upstream client plus this bridge's model settings.
#[derive(Debug)]
pub struct Anthropic {
    upstream: Upstream,
    models: Models,
    max_tokens: u32,
    metrics: LlmMetrics,
}

impl Anthropic {
    pub fn new(upstream: Upstream, models: Models, max_tokens: u32, metrics: LlmMetrics) -> Self {
        Self {
            upstream,
            models,
            max_tokens,
            metrics,
        }
    }
}

#[derive(Debug, Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    system: &'a str,
    messages: [Message<'a>; 1],
    temperature: f64,
}

#[derive(Debug, Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

/// The parts of a Messages answer we read; every field optional so a variation does not
/// fail a call that was already billed.
#[derive(Debug, Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct ContentBlock {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

impl Provider for Anthropic {
    const NAME: &'static str = "anthropic";
    const SERVICE: &'static str = "anthropic";

    fn models(&self) -> &Models {
        &self.models
    }

    fn metrics(&self) -> &LlmMetrics {
        &self.metrics
    }

    async fn attempt(&self, ctx: &ToolContext, request: &Request) -> Result<Completion, Failure> {
        let body = MessagesRequest {
            model: &request.model,
            max_tokens: self.max_tokens,
            system: &request.system,
            messages: [Message {
                role: "user",
                content: &request.user,
            }],
            temperature: request.temperature,
        };
        let call = Call::post("/v1/messages").json(&body);
        let response = match self.upstream.call(ctx, call).await {
            Ok(response) => response,
            Err(error) => return Err(classify(error, request)),
        };
        let answer: MessagesResponse = response.json().map_err(Failure::Final)?;
        // Text blocks only (a thinking block is not the answer).
        let text: String = answer
            .content
            .iter()
            .filter(|block| block.kind == "text")
            .filter_map(|block| block.text.as_deref())
            .collect();
        let mut completion = Completion {
            text,
            model: answer.model.unwrap_or_default(),
            usage: answer.usage.map(|usage| {
                // Input is billed in three parts; prompt_tokens is their sum.
                let prompt = usage.input_tokens
                    + usage.cache_creation_input_tokens.unwrap_or(0)
                    + usage.cache_read_input_tokens.unwrap_or(0);
                TokenUsage {
                    prompt_tokens: prompt,
                    completion_tokens: usage.output_tokens,
                    total_tokens: prompt + usage.output_tokens,
                }
            }),
            notes: Vec::new(),
            refused: false,
        };
        match answer.stop_reason.as_deref() {
            Some("max_tokens") => completion.notes.push(format!(
                "the answer was cut off at the output limit (ANTHROPIC_MAX_TOKENS={})",
                self.max_tokens
            )),
            Some("refusal") => completion.refused = true,
            _ => {}
        }
        Ok(completion)
    }
}

/// Sorts a failed call into retryable-because-unprocessed and final, and rewrites the
/// errors a caller should read differently from bridge-kit's status mapping.
fn classify(error: ToolError, request: &Request) -> Failure {
    let status = error.upstream_info().and_then(|info| info.status);
    let vendor = VendorError::read(&error);
    let service = Anthropic::SERVICE;
    match status {
        Some(429 | OVERLOADED) => Failure::Unprocessed(error),
        Some(400) if vendor.mentions("prompt is too long") => Failure::Final(provider::too_long(
            service,
            status,
            request,
            &vendor.message,
        )),
        Some(400) if vendor.mentions("credit balance") => Failure::Final(ToolError::upstream(
            ErrorCode::Forbidden,
            service,
            status,
            format!(
                "anthropic refused: the account's credit is exhausted; retrying will not \
                     help until billing is fixed: {}",
                vendor.message
            ),
        )),
        Some(404) if vendor.mentions("model") => Failure::Final(provider::model_unavailable(
            service,
            status,
            request,
            "ANTHROPIC_MODEL",
            &vendor.message,
        )),
        Some(401) => {
            let kind = if vendor.kind.is_empty() {
                "authentication_error"
            } else {
                vendor.kind.as_str()
            };
            Failure::Final(ToolError::upstream(
                ErrorCode::UpstreamCredentialRejected,
                service,
                status,
                format!("anthropic rejected ANTHROPIC_API_KEY ({kind}); check or rotate the key"),
            ))
        }
        _ => Failure::Final(error),
    }
}

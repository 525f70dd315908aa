//! OpenAI's Chat Completions API (`POST {OPENAI_BASE_URL}/chat/completions`) as an
//! [`llm::Provider`]. Works against api.openai.com, Azure OpenAI's v1 API
//! (`https://<resource>.openai.azure.com/openai/v1`, which takes the key as a bearer
//! token) and self-hosted OpenAI-compatible servers (vLLM, LiteLLM, …).
//!
//! Request choices:
//! - JSON mode (`response_format: {"type": "json_object"}`) for every model except the
//!   legacy snapshots known to reject it with a 400 (`gpt-4` itself is one: it points
//!   at gpt-4-0613); those get the same JSON instructions, and the answer reader copes.
//! - `max_completion_tokens`, the field the official schema documents (`max_tokens` is
//!   deprecated there and rejected by reasoning models).
//! - `OpenAI-Organization` / `OpenAI-Project` only when configured.
//!
//! Error mapping (beyond bridge-kit's status classification): 429 `insufficient_quota`
//! is final (forbidden: billing, not rate); other 429s are safe to retry; 400
//! `context_length_exceeded` is invalid arguments naming the sizes; 404 for the model
//! names the model (or `OPENAI_MODEL`); 401 names `OPENAI_API_KEY` without repeating the
//! vendor text (it quotes part of the key).

use bridge_kit::upstream::{Call, Upstream};
use bridge_kit::{ErrorCode, ToolContext, ToolError};
use serde::{Deserialize, Serialize};

use crate::llm::provider::{self, Completion, Failure, Models, Provider, Request, VendorError};
use crate::llm::{LlmMetrics, TokenUsage};

/// Snapshots that reject `response_format: json_object` (JSON mode arrived with the
/// 1106 models). Exact names: anything else gets JSON mode.
const NO_JSON_MODE: &[&str] = &[
    "gpt-4",
    "gpt-4-0314",
    "gpt-4-0613",
    "gpt-4-32k",
    "gpt-4-32k-0314",
    "gpt-4-32k-0613",
    "gpt-3.5-turbo-0301",
    "gpt-3.5-turbo-0613",
    "gpt-3.5-turbo-16k",
    "gpt-3.5-turbo-16k-0613",
];

/// Whether `model` accepts JSON mode.
pub fn json_mode(model: &str) -> bool {
    !NO_JSON_MODE.contains(&model)
}

/// The OpenAI provider: the upstream client plus this bridge's model settings.
#[derive(Debug)]
pub struct OpenAi {
    upstream: Upstream,
    models: Models,
    max_tokens: u32,
    organization: Option<String>,
    project: Option<String>,
    metrics: LlmMetrics,
}

/// Everything [`OpenAi`] is built from (read from configuration in `lib.rs`).
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    pub models: Models,
    pub max_tokens: u32,
    pub organization: Option<String>,
    pub project: Option<String>,
}

impl OpenAi {
    pub fn new(upstream: Upstream, settings: OpenAiSettings, metrics: LlmMetrics) -> Self {
        Self {
            upstream,
            models: settings.models,
            max_tokens: settings.max_tokens,
            organization: settings.organization,
            project: settings.project,
            metrics,
        }
    }
}

#[derive(Debug, Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: [ChatMessage<'a>; 2],
    temperature: f64,
    max_completion_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat>,
}

#[derive(Debug, Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Debug, Serialize)]
struct ResponseFormat {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The parts of a chat completion we read; everything else is ignored, and every field
/// is optional so a compatible server's variations do not fail the call.
#[derive(Debug, Deserialize)]
struct ChatResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<AnswerMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl Provider for OpenAi {
    const NAME: &'static str = "openai";
    const SERVICE: &'static str = "openai";

    fn models(&self) -> &Models {
        &self.models
    }

    fn metrics(&self) -> &LlmMetrics {
        &self.metrics
    }

    async fn attempt(&self, ctx: &ToolContext, request: &Request) -> Result<Completion, Failure> {
        let body = ChatRequest {
            model: &request.model,
            messages: [
                ChatMessage {
                    role: "system",
                    content: &request.system,
                },
                ChatMessage {
                    role: "user",
                    content: &request.user,
                },
            ],
            temperature: request.temperature,
            max_completion_tokens: self.max_tokens,
            response_format: json_mode(&request.model).then_some(ResponseFormat {
                kind: "json_object",
            }),
        };
        let mut call = Call::post("/chat/completions").json(&body);
        if let Some(organization) = &self.organization {
            call = call.header("openai-organization", organization);
        }
        if let Some(project) = &self.project {
            call = call.header("openai-project", project);
        }
        let response = match self.upstream.call(ctx, call).await {
            Ok(response) => response,
            Err(error) => return Err(classify(error, request)),
        };
        let answer: ChatResponse = response.json().map_err(Failure::Final)?;
        let Some(choice) = answer.choices.into_iter().next() else {
            return Err(Failure::Final(ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                Self::SERVICE,
                Some(response.status.as_u16()),
                "openai answered a chat completion without choices",
            )));
        };
        let message = choice.message.unwrap_or(AnswerMessage {
            content: None,
            refusal: None,
        });
        let mut completion = Completion {
            text: message.content.unwrap_or_default(),
            model: answer.model.unwrap_or_default(),
            usage: answer.usage.map(|usage| TokenUsage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                total_tokens: usage
                    .total_tokens
                    .unwrap_or(usage.prompt_tokens + usage.completion_tokens),
            }),
            notes: Vec::new(),
            refused: false,
        };
        if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
            completion.text = refusal;
            completion.refused = true;
        }
        match choice.finish_reason.as_deref() {
            Some("length") => completion.notes.push(format!(
                "the answer was cut off at the output limit (OPENAI_MAX_TOKENS={})",
                self.max_tokens
            )),
            Some("content_filter") => completion
                .notes
                .push("OpenAI's content filter removed part of the answer".to_owned()),
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
    let service = OpenAi::SERVICE;
    match status {
        Some(429)
            if vendor.mentions("insufficient_quota")
                || vendor.mentions("exceeded your current quota") =>
        {
            Failure::Final(ToolError::upstream(
                ErrorCode::Forbidden,
                service,
                status,
                format!(
                    "openai refused: the account's quota or credit is exhausted \
                     (insufficient_quota); retrying will not help until billing is fixed: {}",
                    vendor.message
                ),
            ))
        }
        Some(429) => Failure::Unprocessed(error),
        Some(400)
            if vendor.mentions("context_length_exceeded")
                || vendor.mentions("maximum context length") =>
        {
            Failure::Final(provider::too_long(
                service,
                status,
                request,
                &vendor.message,
            ))
        }
        Some(404) if vendor.mentions("model") => Failure::Final(provider::model_unavailable(
            service,
            status,
            request,
            "OPENAI_MODEL",
            &vendor.message,
        )),
        Some(401) => {
            let code = [vendor.code.as_str(), vendor.kind.as_str()]
                .into_iter()
                .find(|part| !part.is_empty())
                .unwrap_or("unauthorized");
            Failure::Final(ToolError::upstream(
                ErrorCode::UpstreamCredentialRejected,
                service,
                status,
                format!("openai rejected OPENAI_API_KEY ({code}); check or rotate the key"),
            ))
        }
        _ => Failure::Final(error),
    }
}

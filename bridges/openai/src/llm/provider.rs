//! The provider-neutral side of a model call: what a provider must do ([`Provider`]),
//! which models a bridge may use ([`Models`]), and the call loop ([`complete`]).
//!
//! # Retries
//!
//! A model call is a POST that is billed once the vendor starts generating. bridge-kit
//! never retries a POST without an idempotency key, and neither OpenAI's Chat
//! Completions nor Anthropic's Messages API honours one, so we send none: a timeout, a
//! dropped connection or a 5xx (which a gateway may send after generation started) is
//! returned to the caller as a retryable error and never repeated here, because
//! repeating it may bill twice.
//!
//! Some answers say for certain that nothing was processed: 429 (rate limited: OpenAI
//! `rate_limit_exceeded`, Anthropic `rate_limit_error`) and Anthropic's 529
//! (`overloaded_error`). Each provider classifies those as [`Failure::Unprocessed`], and
//! [`complete`] repeats only them: at most [`MAX_ATTEMPTS`] attempts, after the vendor's
//! `retry-after` (which bridge-kit's limiter also enforces) or a jittered backoff, and
//! only while enough of the tool's deadline is left for the next attempt to finish. An
//! OpenAI 429 for an exhausted quota (`insufficient_quota`) is final: waiting won't help.
//!
//! Sending a dummy idempotency key to unlock bridge-kit's retry loop was rejected: it
//! would also repeat 500/502/503/504 and transport failures, the possibly-billed cases.

use std::future::Future;
use std::time::Duration;

use bridge_kit::{ErrorCode, ToolContext, ToolError, Violation};
use serde_json::json;

use crate::llm::usage::{LlmMetrics, TokenUsage};

/// Attempts per call, the first included (as bridge-kit's default retry policy).
pub const MAX_ATTEMPTS: u32 = 3;
/// Backoff before retrying a vendor answer without `retry-after`: full jitter in
/// `[0, min(MAX, BASE·2ⁿ⁻¹)]`.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// Time the next attempt needs after the wait: a retry that cannot finish before the
/// deadline would only time out after billing may have started.
const MIN_ATTEMPT_TIME: Duration = Duration::from_secs(5);

/// One model call, provider-neutral.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// An allow-listed model (see [`Models::resolve`]).
    pub model: String,
    /// Whether the caller chose the model (errors about it then point at `/model`).
    pub model_from_caller: bool,
    pub system: String,
    pub user: String,
    pub temperature: f64,
    /// The argument to blame when the vendor says the request is too long.
    pub largest_argument: &'static str,
}

impl Request {
    /// Characters sent as the prompt, for "too long" errors.
    pub fn chars(&self) -> usize {
        self.system.chars().count() + self.user.chars().count()
    }
}

/// A model's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    /// The answer text (every text block, joined).
    pub text: String,
    /// The model that answered, as the vendor names it (often a dated snapshot).
    pub model: String,
    /// `None` when the vendor reported no usage (some OpenAI-compatible servers).
    pub usage: Option<TokenUsage>,
    /// Things the caller should know that travel to `warnings` (cut off at the token
    /// limit, content filtered).
    pub notes: Vec<String>,
    /// The model declined: `text` is its refusal, not an answer to parse.
    pub refused: bool,
}

/// A failed attempt.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The vendor processed nothing (429, 529): safe to repeat.
    Unprocessed(ToolError),
    /// Anything else: repeating could bill twice or cannot help.
    Final(ToolError),
}

/// A model vendor.
pub trait Provider: Send + Sync + 'static {
    /// `openai` or `anthropic`: the metric label and the output's `provider`.
    const NAME: &'static str;
    /// The bridge-kit upstream service name, for retry metrics.
    const SERVICE: &'static str;

    /// The models this bridge may use.
    fn models(&self) -> &Models;

    fn metrics(&self) -> &LlmMetrics;

    /// One attempt, classified.
    fn attempt(
        &self,
        ctx: &ToolContext,
        request: &Request,
    ) -> impl Future<Output = Result<Completion, Failure>> + Send;
}

/// Runs `request` on `provider`: repeats unprocessed attempts (see the module docs) and
/// counts the tokens of the answer.
pub async fn complete<P: Provider>(
    provider: &P,
    ctx: &ToolContext,
    request: &Request,
) -> Result<Completion, ToolError> {
    let mut attempt: u32 = 1;
    loop {
        let error = match provider.attempt(ctx, request).await {
            Ok(completion) => {
                if let Some(usage) = &completion.usage {
                    provider
                        .metrics()
                        .record_tokens(P::NAME, &request.model, usage);
                }
                return Ok(completion);
            }
            Err(Failure::Final(error)) => return Err(error),
            Err(Failure::Unprocessed(error)) => error,
        };
        if attempt >= MAX_ATTEMPTS {
            return Err(error);
        }
        let delay = error
            .retry_after_ms()
            .map(Duration::from_millis)
            .unwrap_or_else(|| backoff(attempt));
        if delay + MIN_ATTEMPT_TIME > ctx.remaining() {
            // The caller learns when to come back instead of us waiting into a timeout.
            return Err(error);
        }
        tracing::debug!(
            provider = P::NAME,
            attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying an answer the vendor did not process"
        );
        provider.metrics().record_retry(P::SERVICE);
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(8))
        .min(BACKOFF_MAX);
    Duration::from_millis(fastrand::u64(0..=ceiling.as_millis() as u64))
}

/// The models a bridge may use: its default plus a configured allow-list. The model is
/// configuration, not schema (an enum in the schema would need a release per model):
/// the argument is a string, checked here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    default: String,
    allowed: Vec<String>,
    /// The variable holding the list, named in rejections.
    allowed_var: &'static str,
}

impl Models {
    /// The default model is always allowed, listed or not.
    pub fn new(default: &str, allowed: Vec<String>, allowed_var: &'static str) -> Self {
        let default = default.trim().to_owned();
        let mut list = vec![default.clone()];
        for model in allowed {
            if !list.contains(&model) {
                list.push(model);
            }
        }
        Self {
            default,
            allowed: list,
            allowed_var,
        }
    }

    pub fn default_model(&self) -> &str {
        &self.default
    }

    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// The model to call: `requested` if allowed, the default when none is requested.
    pub fn resolve(&self, requested: Option<&str>) -> Result<(String, bool), ToolError> {
        let Some(requested) = requested.map(str::trim) else {
            return Ok((self.default.clone(), false));
        };
        if self.allowed.iter().any(|model| model == requested) {
            return Ok((requested.to_owned(), true));
        }
        Err(ToolError::invalid_arguments(vec![Violation::new(
            "/model",
            format!(
                "model {requested:?} is not allowed on this bridge; allowed: {} (configured in {})",
                self.allowed.join(", "),
                self.allowed_var
            ),
        )])
        .with_details(json!({ "allowed_models": self.allowed })))
    }
}

/// The vendor said the request does not fit the model's context window: the caller's
/// input is too large, so this is invalid arguments naming the sizes, not a vendor fault.
pub fn too_long(
    service: &'static str,
    status: Option<u16>,
    request: &Request,
    vendor_message: &str,
) -> ToolError {
    let chars = request.chars();
    ToolError::invalid_arguments(vec![Violation::new(
        request.largest_argument,
        format!(
            "the request is too long for model {}: {chars} characters were sent as the prompt \
             ({service} says: {vendor_message}); send less, or allow a model with a larger \
             context window",
            request.model
        ),
    )])
    .with_details(json!({
        "service": service,
        "status": status,
        "model": request.model,
        "prompt_characters": chars,
    }))
}

/// The vendor does not know the model (retired, misspelt, or not granted to this key).
pub fn model_unavailable(
    service: &'static str,
    status: Option<u16>,
    request: &Request,
    model_var: &'static str,
    vendor_message: &str,
) -> ToolError {
    if request.model_from_caller {
        ToolError::invalid_argument(
            "/model",
            format!(
                "{service} does not offer model {:?} to this API key: {vendor_message}",
                request.model
            ),
        )
    } else {
        ToolError::upstream(
            ErrorCode::NotConfigured,
            service,
            status,
            format!(
                "{model_var}={} is not offered by {service} to this API key (retired or \
                 misspelt?): {vendor_message}",
                request.model
            ),
        )
    }
}

/// The vendor's `error` object, read back from a bridge-kit upstream error, whose message
/// ends with the vendor's answer (trimmed to 300 characters, so possibly cut: callers
/// fall back to searching the message text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorError {
    /// OpenAI `error.type` / Anthropic `error.type`.
    pub kind: String,
    /// OpenAI `error.code` (Anthropic has none).
    pub code: String,
    pub message: String,
}

impl VendorError {
    pub fn read(error: &ToolError) -> Self {
        let text = error.message();
        let object = crate::llm::extract::extract_object(text)
            .ok()
            .map(|found| found.object);
        let field = |name: &str| -> String {
            object
                .as_ref()
                .and_then(|object| object.get("error"))
                .and_then(|inner| inner.get(name))
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let message = field("message");
        Self {
            kind: field("type"),
            code: field("code"),
            message: if message.is_empty() {
                text.to_owned()
            } else {
                message
            },
        }
    }

    /// Whether the code, type or text mentions `needle` (case-insensitive).
    pub fn mentions(&self, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        [&self.kind, &self.code, &self.message]
            .iter()
            .any(|part| part.to_ascii_lowercase().contains(&needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_is_always_allowed_and_others_must_be_listed() {
        let models = Models::new(
            "gpt-4",
            vec!["gpt-4o".to_owned(), "gpt-4".to_owned()],
            "OPENAI_ALLOWED_MODELS",
        );
        assert_eq!(models.allowed(), ["gpt-4", "gpt-4o"]);
        assert_eq!(
            models.resolve(None).expect("default"),
            ("gpt-4".to_owned(), false)
        );
        assert_eq!(
            models.resolve(Some(" gpt-4o ")).expect("listed"),
            ("gpt-4o".to_owned(), true)
        );
        let error = models.resolve(Some("gpt-5")).expect_err("not listed");
        assert_eq!(error.code(), ErrorCode::InvalidArguments);
        assert_eq!(error.violations()[0].path, "/model");
        assert!(error.violations()[0].message.contains("gpt-4, gpt-4o"));
        assert!(
            error.violations()[0]
                .message
                .contains("OPENAI_ALLOWED_MODELS")
        );
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        for attempt in 1..6 {
            for _ in 0..20 {
                assert!(backoff(attempt) <= BACKOFF_MAX);
            }
        }
        for _ in 0..20 {
            assert!(backoff(1) <= BACKOFF_BASE);
        }
    }

    #[test]
    fn vendor_errors_are_read_back_from_the_message() {
        let error = ToolError::upstream(
            ErrorCode::InvalidArguments,
            "openai",
            Some(400),
            r#"openai answered 400 Bad Request: {"error": {"message": "This model's maximum context length is 8192 tokens.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}"#,
        );
        let vendor = VendorError::read(&error);
        assert_eq!(vendor.code, "context_length_exceeded");
        assert_eq!(vendor.kind, "invalid_request_error");
        assert!(vendor.message.starts_with("This model's maximum"));
        assert!(vendor.mentions("CONTEXT_LENGTH"));
        // A cut answer falls back to the whole message.
        let cut = ToolError::upstream(
            ErrorCode::InvalidArguments,
            "anthropic",
            Some(400),
            r#"anthropic answered 400 Bad Request: {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tok…"#,
        );
        let vendor = VendorError::read(&cut);
        assert!(vendor.mentions("prompt is too long"));
    }
}

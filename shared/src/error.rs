//! The one error classification of the fleet, and its mapping to HTTP status and JSON.
//!
//! Every failure a caller can see is a [`ToolError`] whose [`ErrorCode`] says what the
//! caller should do next (fix the input, fix the credentials, retry later, ...). REST
//! responses and MCP `isError` results carry the same JSON object, built here and nowhere
//! else.

use std::fmt;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

/// What went wrong, classified by what the caller should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The arguments break the tool's schema or rules; `violations` lists every problem.
    InvalidArguments,
    /// The request body is not JSON at all.
    InvalidJson,
    /// The request body is larger than the bridge accepts.
    PayloadTooLarge,
    /// The request body is not `application/json`.
    UnsupportedMediaType,
    /// The caller presented no valid credential.
    Unauthorized,
    /// The vendor rejected the bridge's own credential (rotate or fix it).
    UpstreamCredentialRejected,
    /// The caller (missing scope) or the bridge (vendor permission) may not do this.
    Forbidden,
    /// Unknown tool, or the vendor object does not exist.
    NotFound,
    /// The vendor's state forbids the operation (e.g. a PR that cannot be merged).
    Conflict,
    /// Too many calls; retry after `retry_after_ms`.
    RateLimited,
    /// The vendor failed or could not be reached; retrying may help.
    UpstreamUnavailable,
    /// The call did not finish within the tool's deadline.
    Timeout,
    /// The vendor is failing repeatedly and calls are short-circuited for a while.
    CircuitOpen,
    /// The bridge lacks configuration (named in the message) needed for this tool.
    NotConfigured,
    /// The bridge itself is saturated (e.g. its event queue is full); retry later.
    Overloaded,
    /// A bug on our side; details are logged with the request id, never returned.
    Internal,
}

impl ErrorCode {
    /// The HTTP status a REST caller receives.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidArguments => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidJson => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::UpstreamCredentialRejected => StatusCode::BAD_GATEWAY,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::UpstreamUnavailable => StatusCode::BAD_GATEWAY,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::CircuitOpen => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the same call may succeed if simply repeated later.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::UpstreamUnavailable
                | Self::Timeout
                | Self::CircuitOpen
                | Self::Overloaded
        )
    }

    /// The snake_case name used in JSON and as the metrics `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArguments => "invalid_arguments",
            Self::InvalidJson => "invalid_json",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unauthorized => "unauthorized",
            Self::UpstreamCredentialRejected => "upstream_credential_rejected",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate_limited",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::Timeout => "timeout",
            Self::CircuitOpen => "circuit_open",
            Self::NotConfigured => "not_configured",
            Self::Overloaded => "overloaded",
            Self::Internal => "internal",
        }
    }
}

/// One way in which the arguments are wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON Pointer to the offending value (`""` is the whole arguments object).
    pub path: String,
    /// What is wrong and, where possible, what is allowed.
    pub message: String,
}

impl Violation {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Which vendor answered, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamInfo {
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// A failure a caller can see. Built with the constructors below; boxed so `Result`s
/// stay small on the happy path.
#[derive(Debug, Clone)]
pub struct ToolError(Box<ErrorParts>);

#[derive(Debug, Clone)]
struct ErrorParts {
    code: ErrorCode,
    message: String,
    retry_after_ms: Option<u64>,
    upstream: Option<UpstreamInfo>,
    violations: Vec<Violation>,
    details: Option<Value>,
    /// For [`ErrorCode::Internal`]: what actually happened. Logged, never returned.
    internal_cause: Option<String>,
}

impl ToolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Box::new(ErrorParts {
            code,
            message: message.into(),
            retry_after_ms: None,
            upstream: None,
            violations: Vec::new(),
            details: None,
            internal_cause: None,
        }))
    }

    /// Arguments that break the rules; every violation is reported.
    pub fn invalid_arguments(violations: Vec<Violation>) -> Self {
        let message = match violations.as_slice() {
            [one] if one.path.is_empty() => format!("invalid arguments: {}", one.message),
            [one] => format!("invalid arguments: {}: {}", one.path, one.message),
            many => format!("invalid arguments: {} violations", many.len()),
        };
        let mut error = Self::new(ErrorCode::InvalidArguments, message);
        error.0.violations = violations;
        error
    }

    /// A single invalid argument at `path` (a JSON Pointer such as `/date`).
    pub fn invalid_argument(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_arguments(vec![Violation::new(path, message)])
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// The bridge lacks the named configuration variables.
    pub fn not_configured(missing: &[&str]) -> Self {
        Self::new(
            ErrorCode::NotConfigured,
            format!("not configured: set {}", missing.join(", ")),
        )
        .with_details(json!({ "missing": missing }))
    }

    pub fn rate_limited(message: impl Into<String>, retry_after_ms: u64) -> Self {
        Self::new(ErrorCode::RateLimited, message).with_retry_after_ms(retry_after_ms)
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Timeout, message)
    }

    /// A bug or an impossible state: `cause` is logged, the caller sees only a generic
    /// message and the request id.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut error = Self::new(
            ErrorCode::Internal,
            "internal error; quote the request_id when reporting it",
        );
        error.0.internal_cause = Some(cause.to_string());
        error
    }

    /// A vendor failure of the given kind, with the vendor's status.
    pub fn upstream(
        code: ErrorCode,
        service: &str,
        status: Option<u16>,
        message: impl Into<String>,
    ) -> Self {
        let mut error = Self::new(code, message);
        error.0.upstream = Some(UpstreamInfo {
            service: service.to_owned(),
            status,
        });
        error
    }

    pub fn with_retry_after_ms(mut self, retry_after_ms: u64) -> Self {
        self.0.retry_after_ms = Some(retry_after_ms);
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = Some(details);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn violations(&self) -> &[Violation] {
        &self.0.violations
    }

    pub fn retry_after_ms(&self) -> Option<u64> {
        self.0.retry_after_ms
    }

    pub fn details(&self) -> Option<&Value> {
        self.0.details.as_ref()
    }

    pub fn upstream_info(&self) -> Option<&UpstreamInfo> {
        self.0.upstream.as_ref()
    }

    pub fn internal_cause(&self) -> Option<&str> {
        self.0.internal_cause.as_deref()
    }

    /// The error object shared by REST bodies (under `"error"`) and MCP `isError` results.
    pub fn to_json(&self, request_id: Option<&str>) -> Value {
        let mut object = serde_json::Map::new();
        object.insert("code".into(), json!(self.0.code));
        object.insert("message".into(), json!(self.0.message));
        object.insert("retryable".into(), json!(self.0.code.retryable()));
        if let Some(ms) = self.0.retry_after_ms {
            object.insert("retry_after_ms".into(), json!(ms));
        }
        if let Some(upstream) = &self.0.upstream {
            object.insert("upstream".into(), json!(upstream));
        }
        if !self.0.violations.is_empty() {
            object.insert("violations".into(), json!(self.0.violations));
        }
        if let Some(details) = &self.0.details {
            object.insert("details".into(), details.clone());
        }
        if let Some(id) = request_id {
            object.insert("request_id".into(), json!(id));
        }
        Value::Object(object)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code.as_str(), self.0.message)
    }
}

impl std::error::Error for ToolError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = ToolError::internal("db password wrong: hunter2");
        let body = error.to_json(Some("req-1")).to_string();
        assert!(!body.contains("hunter2"));
        assert!(body.contains("req-1"));
        assert_eq!(error.code().status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn rate_limited_is_retryable_and_carries_the_delay() {
        let body = ToolError::rate_limited("slow down", 1500).to_json(None);
        assert_eq!(body["code"], "rate_limited");
        assert_eq!(body["retryable"], true);
        assert_eq!(body["retry_after_ms"], 1500);
    }

    #[test]
    fn not_configured_names_every_missing_variable() {
        let error = ToolError::not_configured(&["SLACK_BOT_TOKEN"]);
        assert_eq!(error.code().status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(error.message().contains("SLACK_BOT_TOKEN"));
        assert_eq!(
            error.to_json(None)["details"]["missing"][0],
            "SLACK_BOT_TOKEN"
        );
    }
}

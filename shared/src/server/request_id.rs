//! Request ids, the per-request tracing span, access logging and HTTP request metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::Metrics;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current inbound request: the caller's `x-request-id` when it is sane,
/// otherwise a fresh UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// Accepts a caller's id if it is 1..=128 visible ASCII characters; anything else
    /// could forge log lines or bloat them.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        value
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(|v| Self(v.to_owned()))
            .unwrap_or_else(Self::generate)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Outermost middleware: assigns the request id, runs the request inside a span carrying
/// it (so every log line has it), echoes it in the response, logs and counts the request.
pub(crate) async fn track_request(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = RequestId::from_header(request.headers().get(REQUEST_ID_HEADER));
    request.extensions_mut().insert(request_id.clone());
    let method = request.method().clone();
    let route = route_label(request.uri().path());
    let path = request.uri().path().to_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id.0, method = %method, path = %path);
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    metrics.record_http_request(method.as_str(), route, status);
    span.in_scope(|| {
        tracing::info!(
            status,
            duration_ms = started.elapsed().as_millis() as u64,
            "request finished"
        );
    });
    response
}

/// The route a path belongs to, for metric labels: bounded, whatever callers send.
fn route_label(path: &str) -> &'static str {
    match path {
        "/health" => "/health",
        "/ready" => "/ready",
        "/metrics" => "/metrics",
        "/tools" => "/tools",
        "/mcp" => "/mcp",
        p if p.starts_with("/tools/") => "/tools/{tool}",
        p if p.starts_with("/webhooks/") => "/webhooks/{source}",
        _ => "other",
    }
}

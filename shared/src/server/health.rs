//! Liveness, readiness and the metrics endpoint. Never behind inbound auth.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::server::AppState;

/// `GET /health`: the process serves requests.
pub(crate) async fn health(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "status": "ok",
        "bridge": state.bridge.name,
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

/// One readiness check and why it is in its state.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// `ok`, `degraded` (works, with a fallback) or `failing` (not ready).
    pub status: &'static str,
    pub reason: String,
}

/// The checks behind `/ready`, shared with `bridge config check`.
pub fn readiness_checks(bridge: &crate::bridge::Bridge) -> Vec<Check> {
    let configuration = match bridge.missing_credentials() {
        None => Check {
            name: "configuration",
            status: "ok",
            reason: "all required variables are set".to_owned(),
        },
        Some(missing) => Check {
            name: "configuration",
            status: "failing",
            reason: format!("missing {}", missing.join(", ")),
        },
    };
    vec![configuration]
}

/// `GET /ready`: 200 when every check is ok or degraded, else 503; each check says why.
pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let checks = readiness_checks(&state.bridge);
    let failing = checks.iter().any(|c| c.status == "failing");
    let degraded = checks.iter().any(|c| c.status == "degraded");
    let status = if failing {
        "not_ready"
    } else if degraded {
        "degraded"
    } else {
        "ready"
    };
    let code = if failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        code,
        Json(json!({ "status": status, "bridge": state.bridge.name, "checks": checks })),
    )
        .into_response()
}

/// `GET /metrics`: Prometheus text exposition.
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.bridge.metrics.render(),
    )
        .into_response()
}

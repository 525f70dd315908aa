//! Liveness, readiness and the metrics endpoint. Never behind inbound auth.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::server::AppState;
use crate::store::StoreStatus;
use crate::upstream::BreakerState;

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

/// The checks behind `/ready`, shared with `bridge config check`: configuration,
/// Redis (when configured) and the vendors' circuit breakers.
pub async fn readiness_checks(bridge: &crate::bridge::Bridge) -> Vec<Check> {
    let mut checks = vec![match bridge.missing_credentials() {
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
    }];
    checks.push(match &bridge.store {
        None => Check {
            name: "redis",
            status: "ok",
            reason: "not configured: in-process cache, limits and tokens".to_owned(),
        },
        Some(store) => {
            let status = store.status().await;
            bridge
                .metrics
                .set_redis_degraded(status != StoreStatus::Healthy);
            match status {
                StoreStatus::Healthy => Check {
                    name: "redis",
                    status: "ok",
                    reason: format!("{} reachable", store.display_url()),
                },
                // Degraded, not failing: every Redis feature has an in-process fallback.
                StoreStatus::Degraded(reason) => Check {
                    name: "redis",
                    status: "degraded",
                    reason,
                },
            }
        }
    });
    let open: Vec<String> = bridge
        .upstreams
        .iter()
        .filter(|u| u.breaker_state() != BreakerState::Closed)
        .map(|u| format!("{} {}", u.service(), u.breaker_state().as_str()))
        .collect();
    checks.push(if open.is_empty() {
        Check {
            name: "circuit_breakers",
            status: "ok",
            reason: "all closed".to_owned(),
        }
    } else {
        // Degraded: the vendor is failing, restarting this pod would not help.
        Check {
            name: "circuit_breakers",
            status: "degraded",
            reason: open.join(", "),
        }
    });
    checks
}

/// `GET /ready`: 200 when every check is ok or degraded, else 503; each check says why.
pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let checks = readiness_checks(&state.bridge).await;
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
    if let Some(store) = &state.bridge.store {
        state.bridge.metrics.set_redis_degraded(!store.is_healthy());
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.bridge.metrics.render(),
    )
        .into_response()
}

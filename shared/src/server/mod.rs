//! The inbound server every bridge gets: routes, middleware, and graceful shutdown.
//!
//! Layers, outermost first: request id + span + access log + HTTP metrics → panic
//! catcher → (tool and MCP routes only) inbound auth → handler.

pub mod auth;
pub mod dispatch;
pub mod health;
mod mcp;
pub mod request_id;
pub mod rest;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;

use crate::bridge::Bridge;
use crate::config::{ConfigError, Settings};
use crate::error::ToolError;
use crate::vars;
use auth::InboundAuth;

/// Server settings shared by every bridge in the process.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub bind: IpAddr,
    pub max_body_bytes: usize,
    pub drain_timeout: Duration,
    /// Extra Host names accepted on `/mcp`, beyond loopback and the bridge's own names.
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub auth: Arc<InboundAuth>,
}

impl ServerOptions {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let max_body_bytes = settings
            .parse::<usize>(&vars::BRIDGE_MAX_BODY_BYTES)?
            .unwrap_or(1 << 20);
        if max_body_bytes == 0 {
            return Err(ConfigError::new(
                &vars::BRIDGE_MAX_BODY_BYTES,
                "must be at least 1",
            ));
        }
        Ok(Self {
            bind: settings
                .parse::<IpAddr>(&vars::BRIDGE_BIND_ADDRESS)?
                .unwrap_or(IpAddr::from([0, 0, 0, 0])),
            max_body_bytes,
            drain_timeout: Duration::from_secs(
                settings
                    .parse::<u64>(&vars::BRIDGE_DRAIN_TIMEOUT_SECONDS)?
                    .unwrap_or(25),
            ),
            allowed_hosts: settings.list(&vars::MCP_ALLOWED_HOSTS),
            allowed_origins: settings.list(&vars::MCP_ALLOWED_ORIGINS),
            auth: Arc::new(InboundAuth::from_settings(settings)?),
        })
    }
}

/// What the handlers of one bridge share.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) bridge: Arc<Bridge>,
    pub(crate) max_body_bytes: usize,
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) allowed_origins: Vec<String>,
}

/// Host names a bridge answers to on `/mcp` by default: loopback, and the names it has
/// as a compose service or Kubernetes Service (`maib-bridge`, `bridge-maib`, `maib`, and
/// their cluster-qualified forms are added by operators through `MCP_ALLOWED_HOSTS`).
fn default_allowed_hosts(bridge: &Bridge) -> Vec<String> {
    vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        format!("{}-bridge", bridge.name),
        format!("bridge-{}", bridge.name),
        bridge.name.to_owned(),
    ]
}

/// The full router of one bridge. `shutdown` ends open MCP streams on SIGTERM.
pub fn router(bridge: Arc<Bridge>, options: &ServerOptions, shutdown: CancellationToken) -> Router {
    let mut allowed_hosts = default_allowed_hosts(&bridge);
    allowed_hosts.extend(options.allowed_hosts.iter().cloned());
    let state = Arc::new(AppState {
        bridge: Arc::clone(&bridge),
        max_body_bytes: options.max_body_bytes,
        allowed_hosts,
        allowed_origins: options.allowed_origins.clone(),
    });
    let protected = Router::new()
        .route("/tools", get(rest::list_tools))
        .route("/tools/{tool}", post(rest::call_tool))
        .route_service(
            "/mcp",
            mcp::service(Arc::clone(&state), shutdown.child_token()),
        )
        .layer(middleware::from_fn_with_state(
            Arc::clone(&options.auth),
            auth::require_caller,
        ));
    let mut app = Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .merge(protected)
        .with_state(state);
    if let Some(webhooks) = &bridge.webhooks {
        webhooks.start(shutdown.child_token());
    }
    if let Some(routes) = &bridge.routes {
        app = app.merge(routes.clone());
    }
    app.fallback(not_found)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&bridge.metrics),
            request_id::track_request,
        ))
}

async fn not_found(request: axum::extract::Request) -> axum::response::Response {
    let request_id = request.extensions().get::<request_id::RequestId>().cloned();
    let error = ToolError::not_found(format!(
        "no route {} {}; tools are at POST /tools/{{tool}} and POST /mcp",
        request.method(),
        request.uri().path()
    ));
    rest::error_response(&error, request_id.as_ref())
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("handler panicked");
    rest::error_response(&ToolError::internal("handler panicked"), None)
}

/// Serves `bridges` (each on its address) until `shutdown` completes, then lets in-flight
/// requests finish for at most the drain timeout.
pub async fn serve(
    bridges: Vec<(Arc<Bridge>, SocketAddr)>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = CancellationToken::new();
    let mut servers = tokio::task::JoinSet::new();
    for (bridge, address) in bridges {
        let listener = TcpListener::bind(address).await.map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!(
                    "bridge {}: cannot listen on {address}: {error}",
                    bridge.name
                ),
            )
        })?;
        tracing::info!(bridge = bridge.name, %address, tools = bridge.tools.len(), "listening");
        let app = router(Arc::clone(&bridge), &options, token.child_token());
        let stop = token.clone();
        servers.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
    }
    if options.auth.enabled() {
        tracing::info!("inbound auth on");
    } else {
        tracing::warn!("inbound auth is OFF: set BRIDGE_API_KEYS or JWT_SECRET_KEY in production");
    }
    let signal_token = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, draining in-flight requests");
        signal_token.cancel();
    });
    let drain = options.drain_timeout;
    let drained = async {
        while let Some(joined) = servers.join_next().await {
            match joined {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error),
                Err(error) => return Err(std::io::Error::other(error)),
            }
        }
        Ok(())
    };
    tokio::select! {
        result = drained => result,
        () = async { token.cancelled().await; tokio::time::sleep(drain).await } => {
            tracing::warn!(drain_seconds = drain.as_secs(), "drain timeout: abandoning in-flight requests");
            Ok(())
        }
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl+C).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

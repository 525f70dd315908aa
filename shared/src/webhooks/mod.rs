//! Webhooks in: verify the vendor's signature, drop duplicates, queue the event, answer
//! 2xx, and deliver it to the orchestrator at least once.
//!
//! `POST /webhooks/{source}` for GitHub (`X-Hub-Signature-256`), Slack (v0 signature,
//! 5-minute replay window, `url_verification` answered) and GitLab (`X-Gitlab-Token`).
//! Each verified event becomes `{"id", "type", "source", "received_at", "payload"}` with
//! `type` in the seed's form (`github.pull_request.opened`, `slack.message`) and is POSTed
//! to `ORDINAUT_EVENTS_URL`, signed with `ORDINAUT_EVENTS_SECRET` when set:
//! `X-Ordinaut-Signature: sha256=<hex HMAC of "{timestamp}.{body}">` with
//! `X-Ordinaut-Timestamp`. The event is queued before the vendor gets its 2xx, so nothing
//! accepted is lost while the orchestrator is down.

mod queue;
pub mod verify;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigVar, Settings};
use crate::error::{ErrorCode, ToolError};
use crate::metrics::Metrics;
use crate::server::request_id::RequestId;
use crate::server::rest::error_response;
use crate::store::Store;
use crate::vars;
use queue::EventQueue;

/// The largest webhook body accepted (GitHub caps payloads at 25 MB).
const MAX_WEBHOOK_BYTES: usize = 25 * 1024 * 1024;
/// How long a delivery id is remembered for de-duplication (vendors retry for hours).
const DEDUP_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A vendor that sends webhooks, and how its requests are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    GitHub,
    Slack,
    GitLab,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::GitHub => "github",
            Source::Slack => "slack",
            Source::GitLab => "gitlab",
        }
    }
}

/// Remembers delivery ids: in Redis (shared by replicas) or in-process.
#[derive(Debug)]
struct Dedup {
    store: Option<Arc<Store>>,
    local: moka::sync::Cache<String, ()>,
}

impl Dedup {
    fn new(store: Option<Arc<Store>>) -> Self {
        Self {
            store,
            local: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(DEDUP_WINDOW)
                .build(),
        }
    }

    /// True the first time `key` is seen.
    async fn first_time(&self, key: &str) -> bool {
        if let Some(store) = &self.store {
            let redis_key = format!("ordinaut:webhook:seen:{key}");
            let ms = DEDUP_WINDOW.as_millis() as u64;
            let set: Option<Option<String>> = store
                .run(|mut c| async move {
                    redis::cmd("SET")
                        .arg(redis_key)
                        .arg(1)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut c)
                        .await
                })
                .await;
            if let Some(set) = set {
                self.local.insert(key.to_owned(), ());
                return set.is_some();
            }
        }
        let entry = self.local.entry(key.to_owned()).or_insert(());
        entry.is_fresh()
    }

    /// Forgets `key`, so the vendor's retry of an event we failed to queue is accepted.
    async fn forget(&self, key: &str) {
        self.local.invalidate(key);
        if let Some(store) = &self.store {
            let redis_key = format!("ordinaut:webhook:seen:{key}");
            let _: Option<()> =
                store
                    .run(|mut c| async move {
                        redis::cmd("DEL").arg(redis_key).query_async(&mut c).await
                    })
                    .await;
        }
    }
}

/// The webhook side of one bridge: its intake routes and its delivery worker.
#[derive(Debug)]
pub struct Webhooks {
    queue: Arc<EventQueue>,
    dedup: Dedup,
    events_url: Option<String>,
    events_secret: Option<SecretString>,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
}

/// One intake route: which source, with which secret.
#[derive(Debug)]
struct Intake {
    source: Source,
    secret_var: &'static ConfigVar,
    secret: Option<SecretString>,
    hub: Arc<Webhooks>,
}

impl Webhooks {
    pub(crate) fn new(
        bridge: &'static str,
        settings: &Settings,
        store: Option<Arc<Store>>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, crate::config::ConfigError> {
        let capacity = settings
            .parse::<usize>(&vars::WEBHOOK_QUEUE_CAPACITY)?
            .unwrap_or(10_000);
        let http = reqwest::Client::builder()
            .user_agent(crate::upstream::USER_AGENT)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                crate::config::ConfigError::new(&vars::ORDINAUT_EVENTS_URL, e.to_string())
            })?;
        Ok(Self {
            queue: Arc::new(EventQueue::new(store.clone(), bridge, capacity)),
            dedup: Dedup::new(store),
            events_url: settings.get(&vars::ORDINAUT_EVENTS_URL).map(str::to_owned),
            events_secret: settings.secret(&vars::ORDINAUT_EVENTS_SECRET),
            metrics,
            http,
        })
    }

    /// `POST /webhooks/{source}` for `source`, verified with the secret in `secret_var`.
    pub(crate) fn route(
        self: &Arc<Self>,
        source: Source,
        secret_var: &'static ConfigVar,
        settings: &Settings,
    ) -> Router {
        let intake = Arc::new(Intake {
            source,
            secret_var,
            secret: settings.secret(secret_var),
            hub: Arc::clone(self),
        });
        Router::new()
            .route(&format!("/webhooks/{}", source.name()), post(receive))
            .with_state(intake)
    }

    /// Delivers queued events until `shutdown`.
    pub(crate) fn start(self: &Arc<Self>, shutdown: CancellationToken) {
        let hub = Arc::clone(self);
        tokio::spawn(async move { hub.deliver_forever(shutdown).await });
    }

    async fn deliver_forever(&self, shutdown: CancellationToken) {
        let mut failures: u32 = 0;
        loop {
            let next = tokio::select! {
                () = shutdown.cancelled() => return,
                next = self.queue.next() => next,
            };
            let Some((slot, event)) = next else {
                // Nothing queued (or Redis away): wait for a push, or poll again shortly.
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = self.queue.wake.notified() => {},
                    () = tokio::time::sleep(Duration::from_millis(500)) => {},
                }
                continue;
            };
            match self.deliver(&event).await {
                Ok(()) => {
                    failures = 0;
                    self.queue.done(&slot).await;
                    self.metrics.record_event_delivery("ok");
                }
                Err(reason) => {
                    failures += 1;
                    self.metrics.record_event_delivery("retry");
                    let delay = Duration::from_millis(250 * (1u64 << failures.min(7)))
                        .min(Duration::from_secs(30));
                    tracing::warn!(event = %event["id"], %reason, retry_in_ms = delay.as_millis() as u64, "event delivery failed; will retry");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(delay) => {},
                    }
                }
            }
        }
    }

    async fn deliver(&self, event: &Value) -> Result<(), String> {
        let url = self
            .events_url
            .as_deref()
            .ok_or("ORDINAUT_EVENTS_URL is not set")?;
        let body = event.to_string();
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("x-ordinaut-event-id", event["id"].as_str().unwrap_or(""));
        if let Some(secret) = &self.events_secret {
            let timestamp = now_secs().to_string();
            let signed = format!("{timestamp}.{body}");
            let signature = verify::hmac_hex(secret.expose_secret().as_bytes(), signed.as_bytes());
            request = request
                .header("x-ordinaut-timestamp", timestamp)
                .header("x-ordinaut-signature", format!("sha256={signature}"));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("unreachable: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }

    /// Events held in memory awaiting delivery (for tests and diagnostics).
    pub fn pending_in_memory(&self) -> usize {
        self.queue.memory_len()
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The verified event's id (for de-duplication) and type, or a direct answer (Slack's
/// URL verification).
enum Parsed {
    Event { id: String, kind: String },
    Answer(Response),
}

fn parse(source: Source, headers: &HeaderMap, payload: &Value) -> Result<Parsed, &'static str> {
    match source {
        Source::GitHub => {
            let id = header(headers, "x-github-delivery").ok_or("missing X-GitHub-Delivery")?;
            let event = header(headers, "x-github-event").ok_or("missing X-GitHub-Event")?;
            let kind = match payload["action"].as_str() {
                Some(action) => format!("github.{event}.{action}"),
                None => format!("github.{event}"),
            };
            Ok(Parsed::Event {
                id: id.to_owned(),
                kind,
            })
        }
        Source::Slack => match payload["type"].as_str() {
            Some("url_verification") => {
                let challenge = payload["challenge"].as_str().unwrap_or_default();
                Ok(Parsed::Answer(
                    axum::Json(json!({ "challenge": challenge })).into_response(),
                ))
            }
            Some("event_callback") => {
                let id = payload["event_id"].as_str().ok_or("missing event_id")?;
                let inner = payload["event"]["type"]
                    .as_str()
                    .ok_or("missing event.type")?;
                Ok(Parsed::Event {
                    id: id.to_owned(),
                    kind: format!("slack.{inner}"),
                })
            }
            Some(other) => {
                // app_rate_limited and other envelope types: acknowledge, nothing to forward.
                tracing::info!(
                    kind = other,
                    "slack envelope acknowledged without forwarding"
                );
                Ok(Parsed::Answer(StatusCode::OK.into_response()))
            }
            None => Err("not a Slack Events API envelope"),
        },
        Source::GitLab => {
            let id = header(headers, "x-gitlab-event-uuid").ok_or("missing X-Gitlab-Event-UUID")?;
            let kind = payload["object_kind"]
                .as_str()
                .ok_or("missing object_kind")?;
            let kind = match payload["object_attributes"]["action"].as_str() {
                Some(action) => format!("gitlab.{kind}.{action}"),
                None => format!("gitlab.{kind}"),
            };
            Ok(Parsed::Event {
                id: id.to_owned(),
                kind,
            })
        }
    }
}

async fn receive(State(intake): State<Arc<Intake>>, request: axum::extract::Request) -> Response {
    let request_id = request.extensions().get::<RequestId>().cloned();
    let (parts, body) = request.into_parts();
    let result = accept(&intake, &parts.headers, body).await;
    match result {
        Ok(response) => response,
        Err(error) => error_response(&error, request_id.as_ref()),
    }
}

async fn accept(
    intake: &Intake,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ToolError> {
    let hub = &intake.hub;
    let source = intake.source.name();
    let Some(secret) = &intake.secret else {
        return Err(ToolError::not_configured(&[intake.secret_var.name]));
    };
    if hub.events_url.is_none() {
        // Accepting an event we cannot forward would lose it.
        return Err(ToolError::not_configured(&[vars::ORDINAUT_EVENTS_URL.name]));
    }
    let body: Bytes = axum::body::to_bytes(body, MAX_WEBHOOK_BYTES)
        .await
        .map_err(|_| ToolError::new(ErrorCode::PayloadTooLarge, "webhook body too large"))?;
    let secret = secret.expose_secret().as_bytes();
    let verified = match intake.source {
        Source::GitHub => verify::github(secret, header(headers, "x-hub-signature-256"), &body),
        Source::Slack => verify::slack(
            secret,
            header(headers, "x-slack-signature"),
            header(headers, "x-slack-request-timestamp"),
            &body,
            now_secs(),
        ),
        Source::GitLab => verify::gitlab(secret, header(headers, "x-gitlab-token")),
    };
    if let Err(reason) = verified {
        hub.metrics.record_webhook(source, "rejected");
        tracing::warn!(source, reason, "webhook rejected");
        return Err(ToolError::unauthorized(format!(
            "{source} webhook: {reason}"
        )));
    }
    let payload: Value = serde_json::from_slice(&body).map_err(|e| {
        ToolError::new(
            ErrorCode::InvalidJson,
            format!("webhook body is not JSON: {e}"),
        )
    })?;
    let (id, kind) = match parse(intake.source, headers, &payload)
        .map_err(|reason| ToolError::invalid_argument("", format!("{source} webhook: {reason}")))?
    {
        Parsed::Answer(response) => return Ok(response),
        Parsed::Event { id, kind } => (id, kind),
    };
    let seen_key = format!("{source}:{id}");
    if !hub.dedup.first_time(&seen_key).await {
        hub.metrics.record_webhook(source, "duplicate");
        return Ok((
            StatusCode::OK,
            axum::Json(json!({ "status": "duplicate", "id": id })),
        )
            .into_response());
    }
    let event = json!({
        "id": format!("{source}:{id}"),
        "type": kind,
        "source": source,
        "received_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "payload": payload,
    });
    if hub.queue.push(&event).await.is_err() {
        hub.dedup.forget(&seen_key).await;
        hub.metrics.record_webhook(source, "queue_full");
        return Err(ToolError::new(
            ErrorCode::Overloaded,
            "event queue full: the orchestrator is not keeping up; retry later",
        )
        .with_retry_after_ms(30_000));
    }
    hub.metrics.record_webhook(source, "accepted");
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({ "status": "queued", "id": event["id"], "type": kind })),
    )
        .into_response())
}

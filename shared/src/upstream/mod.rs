//! The client every bridge calls its vendor through; no bridge builds its own.
//!
//! One call goes: cache (GET, opt-in) → circuit breaker → rate limits (per upstream +
//! credential, and an optional per-call scope such as a Slack channel) → credential and
//! signature → pooled reqwest client under the tool's deadline → vendor feedback into the
//! limiter → retry (idempotent calls or calls with an idempotency key; `Retry-After`
//! honoured; never past the deadline) → the answer, or a classified [`ToolError`].
//!
//! # Layout
//! - [`classify`]: vendor status → error kind; `Retry-After`.
//! - [`ratelimit`]: sliding-window limits, in-process and in Redis.
//! - [`breaker`]: the circuit breaker.
//! - [`cache`]: the two-tier response cache.
//! - [`oauth`]: OAuth token caches and grants.
//! - [`credential`]: static credentials, mTLS identities, request signing.
//! - [`feedback`]: what vendors' rate-limit headers tell the limiter.

pub mod breaker;
pub mod cache;
pub mod classify;
pub mod credential;
mod feedback;
pub mod oauth;
pub mod ratelimit;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use breaker::{BreakerConfig, BreakerState};
pub use cache::{CacheOutcome, ttl};
pub use classify::{USER_AGENT, retry_after};
pub use credential::{ClientIdentity, Credential, RequestSigner};
pub use ratelimit::RateLimit;
pub use reqwest::{Method, StatusCode};

use crate::error::{ErrorCode, ToolError};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::tool::ToolContext;
use breaker::CircuitBreaker;
use cache::{CachedResponse, ResponseCache};
use ratelimit::Limiter;

/// Retry behaviour of one upstream.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Full-jitter backoff: attempt n waits a random time in `[0, min(max, base·2ⁿ)]`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A vendor's `Retry-After` is honoured up to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A vendor answer, beyond the standard retryable statuses, that is worth retrying
/// (e.g. Slack's `{"ok":false,"error":"ratelimited"}` or Anthropic's 529).
pub type RetryableAnswer = fn(StatusCode, &HeaderMap, &[u8]) -> bool;

/// How one upstream is reached.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// Names the vendor in errors, metrics and keys: `bnm`, `slack`, `github`.
    pub service: &'static str,
    pub base_url: String,
    pub connect_timeout: Duration,
    /// Idle keep-alive connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// The vendor's published limit; configuration may override it.
    pub rate_limit: Option<RateLimit>,
    pub retry: RetryPolicy,
    pub breaker: BreakerConfig,
    pub credential: Credential,
    pub identity: Option<ClientIdentity>,
    pub signer: Option<Arc<dyn RequestSigner>>,
    /// Header carrying a call's idempotency key.
    pub idempotency_header: &'static str,
    pub retryable_answer: Option<RetryableAnswer>,
    /// Byte budget of the in-process response cache.
    pub cache_capacity_bytes: u64,
    /// Sent with every request (API version headers, `Accept`).
    pub default_headers: HeaderMap,
}

impl UpstreamConfig {
    pub fn new(service: &'static str, base_url: impl Into<String>) -> Self {
        Self {
            service,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(5),
            pool_max_idle_per_host: 10,
            rate_limit: None,
            retry: RetryPolicy::default(),
            breaker: BreakerConfig::default(),
            credential: Credential::None,
            identity: None,
            signer: None,
            idempotency_header: "Idempotency-Key",
            retryable_answer: None,
            cache_capacity_bytes: 16 * 1024 * 1024,
            default_headers: HeaderMap::new(),
        }
    }

    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = credential;
        self
    }

    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    pub fn pool(mut self, max_idle_per_host: usize) -> Self {
        self.pool_max_idle_per_host = max_idle_per_host;
        self
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.default_headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
        self
    }
}

/// One request, described so it can be rebuilt for every attempt.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    /// A path under the base URL, or an absolute URL on the same vendor (pagination links).
    target: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<(Bytes, &'static str)>,
    cache_ttl: Option<Duration>,
    idempotency_key: Option<String>,
    scoped_limit: Option<(String, RateLimit)>,
    /// A body that could not be serialized: the call fails as internal instead of
    /// sending something else.
    body_error: Option<String>,
}

impl Call {
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Self {
            method,
            target: target.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            cache_ttl: None,
            idempotency_key: None,
            scoped_limit: None,
            body_error: None,
        }
    }

    pub fn get(target: impl Into<String>) -> Self {
        Self::new(Method::GET, target)
    }

    pub fn post(target: impl Into<String>) -> Self {
        Self::new(Method::POST, target)
    }

    pub fn put(target: impl Into<String>) -> Self {
        Self::new(Method::PUT, target)
    }

    pub fn patch(target: impl Into<String>) -> Self {
        Self::new(Method::PATCH, target)
    }

    pub fn delete(target: impl Into<String>) -> Self {
        Self::new(Method::DELETE, target)
    }

    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }

    /// A JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some((Bytes::from(bytes), "application/json")),
            Err(error) => self.body_error = Some(error.to_string()),
        }
        self
    }

    /// A form body from a flat object (nested values are sent as their JSON text).
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_urlencoded_pairs(body) {
            Ok(text) => self.body = Some((Bytes::from(text), "application/x-www-form-urlencoded")),
            Err(error) => self.body_error = Some(error),
        }
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some((body.into(), content_type));
        self
    }

    /// Serve from the cache for `ttl` (GET only; ignored for other methods).
    pub fn cache(mut self, ttl: Duration) -> Self {
        self.cache_ttl = Some(ttl);
        self
    }

    /// Makes a non-idempotent call safe to retry: the key is sent in the upstream's
    /// idempotency header, so the vendor applies the write once.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// An extra limit on a scope within the upstream (a Slack method and channel).
    pub fn limit(mut self, scope: impl Into<String>, limit: RateLimit) -> Self {
        self.scoped_limit = Some((scope.into(), limit));
        self
    }

    fn retry_safe(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) || self.idempotency_key.is_some()
    }
}

/// `application/x-www-form-urlencoded` of a serializable object.
fn serde_urlencoded_pairs<T: Serialize + ?Sized>(body: &T) -> Result<String, String> {
    let value = serde_json::to_value(body).map_err(|e| e.to_string())?;
    let object = value.as_object().ok_or("a form body must be an object")?;
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in object {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        serializer.append_pair(key, &text);
    }
    Ok(serializer.finish())
}

/// A vendor's successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Where the answer came from, for cached calls.
    pub cache: Option<CacheOutcome>,
    service: &'static str,
}

impl Response {
    /// The body as JSON of type `T`; a vendor answer of another shape is the vendor's
    /// fault (`upstream_unavailable`), with the parse error kept.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ToolError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                self.service,
                Some(self.status.as_u16()),
                format!("{} answered an unexpected shape: {error}", self.service),
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A pooled, limited, retrying client for one vendor.
#[derive(Debug, Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: UpstreamConfig,
    limit: Option<RateLimit>,
    client: reqwest::Client,
    fingerprint: String,
    limiter: Limiter,
    breaker: CircuitBreaker,
    cache: ResponseCache,
    metrics: Arc<Metrics>,
}

impl Upstream {
    /// A client with an explicit limit and store. Bridges use `BridgeBuilder::upstream`,
    /// which resolves the limit from configuration and registers the client; tests and
    /// benchmarks build replicas directly.
    pub fn new(
        config: UpstreamConfig,
        limit: Option<RateLimit>,
        store: Option<Arc<Store>>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .gzip(true)
            .default_headers(config.default_headers.clone());
        if let Some(identity) = &config.identity {
            builder = builder.identity(identity.0.clone());
        }
        let client = builder.build().map_err(|error| {
            format!("{}: cannot build the HTTP client: {error}", config.service)
        })?;
        if let Some(limit) = limit {
            metrics.set_rate_limit(
                config.service,
                i64::from(limit.requests),
                i64::from(limit.requests),
            );
        }
        Ok(Self {
            inner: Arc::new(Inner {
                fingerprint: config.credential.fingerprint(),
                limiter: Limiter::new(config.service, store.clone()),
                breaker: CircuitBreaker::new(config.breaker),
                cache: ResponseCache::new(config.service, config.cache_capacity_bytes, store),
                limit,
                client,
                metrics,
                config,
            }),
        })
    }

    pub fn service(&self) -> &'static str {
        self.inner.config.service
    }

    /// The rate limit in force (configuration or the vendor default).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.limit
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.inner.breaker.state()
    }

    /// `base_url` joined with `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.config.base_url, path)
    }

    /// Runs `call` within the tool's deadline.
    pub async fn call(&self, ctx: &ToolContext, call: Call) -> Result<Response, ToolError> {
        let inner = &self.inner;
        let service = inner.config.service;
        match call.cache_ttl.filter(|_| call.method == Method::GET) {
            None => self.execute(ctx, &call).await,
            Some(ttl) => {
                let url = self.full_url(&call)?;
                let key = inner.cache.key(&inner.fingerprint, "GET", url.as_str());
                let (cached, outcome) = inner
                    .cache
                    .get_or_fetch(&key, async {
                        let response = self.execute(ctx, &call).await?;
                        let cache_control = response
                            .headers
                            .get(CACHE_CONTROL)
                            .and_then(|v| v.to_str().ok());
                        Ok(CachedResponse {
                            status: response.status.as_u16(),
                            content_type: response
                                .headers
                                .get(CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                            body: response.body.clone(),
                            ttl: cache::allowed_ttl(ttl, cache_control),
                            stored_at: Instant::now(),
                        })
                    })
                    .await?;
                inner.metrics.record_cache(service, outcome.as_str());
                let mut headers = HeaderMap::new();
                if let Some(value) = cached
                    .content_type
                    .as_deref()
                    .and_then(|c| HeaderValue::from_str(c).ok())
                {
                    headers.insert(CONTENT_TYPE, value);
                }
                Ok(Response {
                    status: StatusCode::from_u16(cached.status).unwrap_or(StatusCode::OK),
                    headers,
                    body: cached.body.clone(),
                    cache: Some(outcome),
                    service,
                })
            }
        }
    }

    fn full_url(&self, call: &Call) -> Result<reqwest::Url, ToolError> {
        let target = if call.target.starts_with("https://") || call.target.starts_with("http://") {
            if !call.target.starts_with(&self.inner.config.base_url) {
                // Never send our credential to a host a vendor answer pointed us at.
                return Err(ToolError::internal(format!(
                    "{}: refusing to follow a URL outside the vendor's base URL",
                    self.service()
                )));
            }
            call.target.clone()
        } else {
            self.url(&call.target)
        };
        let mut url = reqwest::Url::parse(&target).map_err(|error| {
            ToolError::internal(format!("{}: bad URL: {error}", self.service()))
        })?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }

    fn build_request(&self, call: &Call, ctx: &ToolContext) -> Result<reqwest::Request, ToolError> {
        if let Some(error) = &call.body_error {
            return Err(ToolError::internal(format!(
                "{}: request body: {error}",
                self.service()
            )));
        }
        let mut request = reqwest::Request::new(call.method.clone(), self.full_url(call)?);
        let headers = request.headers_mut();
        headers.extend(call.headers.clone());
        if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
            headers.insert("x-request-id", id);
        }
        if let Some(key) = &call.idempotency_key
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(self.inner.config.idempotency_header.as_bytes()),
                HeaderValue::from_str(key),
            )
        {
            headers.insert(name, value);
        }
        if let Some((body, content_type)) = &call.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        Ok(request)
    }

    /// Attempts `call` until it succeeds, fails for good, or the deadline comes.
    async fn execute(&self, ctx: &ToolContext, call: &Call) -> Result<Response, ToolError> {
        let inner = &self.inner;
        let service = inner.config.service;
        let policy = inner.config.retry;
        let retry_safe = call.retry_safe();
        let mut attempt: u32 = 0;
        let mut refreshed_credential = false;
        loop {
            attempt += 1;
            let admission = inner.breaker.admit().map_err(|wait| {
                ToolError::upstream(
                    ErrorCode::CircuitOpen,
                    service,
                    None,
                    format!("{service} is failing repeatedly; calls are paused for a while"),
                )
                .with_retry_after_ms(wait.as_millis() as u64)
            })?;
            inner
                .metrics
                .set_circuit_state(service, inner.breaker.state().as_gauge());
            inner.limiter.hold(&inner.fingerprint, ctx.deadline).await?;
            if let Some(limit) = inner.limit {
                let remaining = inner
                    .limiter
                    .acquire(&inner.fingerprint, limit, ctx.deadline)
                    .await?;
                inner.metrics.set_rate_limit(
                    service,
                    i64::from(remaining),
                    i64::from(limit.requests),
                );
            }
            if let Some((scope, limit)) = &call.scoped_limit {
                let key = format!("{}:{scope}", inner.fingerprint);
                inner.limiter.acquire(&key, *limit, ctx.deadline).await?;
            }
            let mut request = self.build_request(call, ctx)?;
            let used_token = inner.config.credential.apply(&mut request).await?;
            if let Some(signer) = &inner.config.signer {
                signer.sign(&mut request)?;
            }
            let remaining = ctx.remaining();
            if remaining.is_zero() {
                return Err(ToolError::timeout(format!(
                    "{service}: deadline reached before the call"
                )));
            }
            *request.timeout_mut() = Some(remaining);
            let outcome = match inner.client.execute(request).await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(error) => Err(classify::transport_error(service, &error)),
                    }
                }
                Err(error) => Err(classify::transport_error(service, &error)),
            };
            let (status, headers, body) = match outcome {
                Ok(answer) => answer,
                Err(error) => {
                    inner.breaker.record(admission, false);
                    inner.metrics.record_upstream(service, "error");
                    // A connection error may hide a write the vendor applied: only
                    // retry-safe calls go again.
                    if retry_safe && attempt < policy.max_attempts {
                        let delay = backoff(policy, attempt);
                        if Instant::now() + delay < ctx.deadline {
                            inner.metrics.record_retry(service);
                            tracing::debug!(
                                service,
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                "retrying after a transport error"
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(error);
                }
            };
            inner.metrics.record_upstream(service, status.as_str());
            inner.breaker.record(admission, !status.is_server_error());
            feedback::observe(
                inner.limit,
                &inner.limiter,
                &inner.metrics,
                service,
                &inner.fingerprint,
                status,
                &headers,
            )
            .await;
            if status.is_success() {
                return Ok(Response {
                    status,
                    headers,
                    body,
                    cache: None,
                    service,
                });
            }
            // A rejected token: one forced refresh, one more try (the vendor did not
            // process the request, so this is safe for writes too).
            if status == StatusCode::UNAUTHORIZED && !refreshed_credential {
                refreshed_credential = true;
                if let Some(refresh) = inner
                    .config
                    .credential
                    .refresh_after_rejection(used_token.as_ref())
                    .await
                {
                    refresh?;
                    attempt -= 1;
                    continue;
                }
            }
            let error = classify::status_error(service, status, &headers, &body);
            let retryable = matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
                || inner
                    .config
                    .retryable_answer
                    .is_some_and(|retryable| retryable(status, &headers, &body));
            if retryable && retry_safe && attempt < policy.max_attempts {
                let delay = retry_after(&headers)
                    .map(|d| d.min(policy.max_retry_after))
                    .unwrap_or_else(|| backoff(policy, attempt));
                if Instant::now() + delay < ctx.deadline {
                    inner.metrics.record_retry(service);
                    tracing::debug!(
                        service,
                        attempt,
                        status = status.as_u16(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return Err(error);
        }
    }
}

/// Full jitter: a random delay in `[0, min(max, base·2^(attempt-1))]`.
fn backoff(policy: RetryPolicy, attempt: u32) -> Duration {
    let exponential = policy
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(policy.max_delay);
    let ceiling = exponential.as_millis() as u64;
    Duration::from_millis(fastrand::u64(0..=ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_by_the_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let ceiling = policy
                .base_delay
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max_delay);
            for _ in 0..50 {
                assert!(backoff(policy, attempt) <= ceiling);
            }
        }
    }

    #[test]
    fn only_safe_calls_are_retried() {
        assert!(Call::get("/x").retry_safe());
        assert!(Call::put("/x").retry_safe());
        assert!(!Call::post("/x").retry_safe());
        assert!(Call::post("/x").idempotency_key("k").retry_safe());
    }
}

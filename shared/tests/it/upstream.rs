//! The upstream client against fake vendors over real HTTP and a real `redis-server`
//! (each test starts its own, so tests can stop it and never share keys).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bridge_kit::metrics::Metrics;
use bridge_kit::store::Store;

use crate::support::TestRedis;
use bridge_kit::upstream::credential::{ClientIdentity, Credential};
use bridge_kit::upstream::oauth::{Grant, TokenCache};
use bridge_kit::upstream::{
    BreakerConfig, BreakerState, CacheOutcome, Call, RateLimit, RetryPolicy, Upstream,
    UpstreamConfig,
};
use bridge_kit::{ErrorCode, ToolContext};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn upstream(
    config: UpstreamConfig,
    limit: Option<RateLimit>,
    store: Option<Arc<Store>>,
) -> Upstream {
    Upstream::new(config, limit, store, Arc::new(Metrics::new("test"))).expect("upstream")
}

fn ctx(timeout: Duration) -> ToolContext {
    ToolContext::new("req-test", timeout)
}

/// Counts requests and answers 200 `{"n": <count>}`.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Respond for Counter {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({ "n": n }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_sharing_redis_admit_exactly_the_limit() {
    let redis = TestRedis::start();
    let vendor = MockServer::start().await;
    let counter = Counter::default();
    Mock::given(method("GET"))
        .respond_with(counter.clone())
        .mount(&vendor)
        .await;
    let limit = RateLimit::new(50, Duration::from_secs(30));
    let replicas: Vec<Upstream> = (0..3)
        .map(|_| {
            let config = UpstreamConfig::new("vendor", vendor.uri())
                .credential(Credential::Bearer(SecretString::from("tenant-token")));
            upstream(config, Some(limit), Some(redis.store()))
        })
        .collect();
    let mut calls = Vec::new();
    for i in 0..200 {
        let replica = replicas[i % 3].clone();
        calls.push(tokio::spawn(async move {
            replica
                .call(&ctx(Duration::from_millis(800)), Call::get("/thing"))
                .await
        }));
    }
    let mut admitted = 0;
    let mut limited = 0;
    for call in calls {
        match call.await.expect("join") {
            Ok(_) => admitted += 1,
            Err(error) => {
                assert_eq!(error.code(), ErrorCode::RateLimited, "{error}");
                assert!(error.retry_after_ms().is_some_and(|ms| ms > 0));
                limited += 1;
            }
        }
    }
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        50,
        "the vendor saw exactly the limit"
    );
    assert_eq!((admitted, limited), (50, 150));
}

#[tokio::test]
async fn without_redis_the_in_process_window_holds_the_limit() {
    let vendor = MockServer::start().await;
    let counter = Counter::default();
    Mock::given(method("GET"))
        .respond_with(counter.clone())
        .mount(&vendor)
        .await;
    let client = upstream(
        UpstreamConfig::new("vendor", vendor.uri()),
        Some(RateLimit::new(5, Duration::from_secs(1))),
        None,
    );
    let started = Instant::now();
    for _ in 0..7 {
        client
            .call(&ctx(Duration::from_secs(5)), Call::get("/x"))
            .await
            .expect("waits, then succeeds");
    }
    // Calls 6 and 7 waited for the first slots of the window to free up.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_callers_with_an_expired_token_cause_one_refresh() {
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=app"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(200))
                .set_body_json(json!({"access_token": "fresh-token", "expires_in": 3600, "token_type": "Bearer"})),
        )
        .expect(1)
        .named("token endpoint")
        .mount(&vendor)
        .await;
    Mock::given(method("GET"))
        .and(path("/api"))
        .and(header("authorization", "Bearer fresh-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1000)
        .mount(&vendor)
        .await;
    let grant = Grant::ClientCredentials {
        token_url: format!("{}/oauth/token", vendor.uri()),
        client_id: "app".into(),
        client_secret: SecretString::from("s3cret"),
        scope: None,
    };
    let tokens = Arc::new(TokenCache::new("vendor", grant, None, None).expect("cache"));
    let client = upstream(
        UpstreamConfig::new("vendor", vendor.uri()).credential(Credential::OAuth(tokens)),
        None,
        None,
    );
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .call(&ctx(Duration::from_secs(20)), Call::get("/api"))
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.expect("join").expect("call succeeds");
    }
    // `.expect(1)` on the token endpoint is verified when `vendor` drops.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_one_token_refresh_through_redis() {
    let redis = TestRedis::start();
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(300))
                .set_body_json(json!({"access_token": "shared-token", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&vendor)
        .await;
    let caches: Vec<Arc<TokenCache>> = (0..3)
        .map(|_| {
            let grant = Grant::ClientCredentials {
                token_url: format!("{}/oauth/token", vendor.uri()),
                client_id: "app".into(),
                client_secret: SecretString::from("s3cret"),
                scope: Some("read".into()),
            };
            Arc::new(TokenCache::new("vendor", grant, Some(redis.store()), None).expect("cache"))
        })
        .collect();
    let calls: Vec<_> = (0..300)
        .map(|i| {
            let cache = Arc::clone(&caches[i % 3]);
            tokio::spawn(async move { cache.token().await })
        })
        .collect();
    for call in calls {
        let token = call.await.expect("join").expect("token");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&token.secret),
            "shared-token"
        );
    }
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried() {
    let vendor = MockServer::start().await;
    let issued = Counter::default();
    let issued_for_responder = issued.clone();
    Mock::given(path("/oauth/token"))
        .respond_with(move |_: &Request| {
            let n = issued_for_responder.0.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": format!("t{n}"), "expires_in": 3600}))
        })
        .mount(&vendor)
        .await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(401).set_body_string("token revoked"))
        .expect(1)
        .mount(&vendor)
        .await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .expect(1)
        .mount(&vendor)
        .await;
    let grant = Grant::Password {
        token_url: format!("{}/oauth/token", vendor.uri()),
        client_id: "app".into(),
        client_secret: SecretString::from("s"),
        username: "integration@example.md".into(),
        password: SecretString::from("pw+securitytoken"),
    };
    let tokens = Arc::new(TokenCache::new("salesforce", grant, None, None).expect("cache"));
    let client = upstream(
        UpstreamConfig::new("salesforce", vendor.uri()).credential(Credential::OAuth(tokens)),
        None,
        None,
    );
    // A POST: safe to repeat after a 401, which means nothing was processed.
    let response = client
        .call(
            &ctx(Duration::from_secs(5)),
            Call::post("/api").json(&json!({"x": 1})),
        )
        .await
        .expect("succeeds with the refreshed token");
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(issued.0.load(Ordering::SeqCst), 2);
    let requests = vendor.received_requests().await.expect("recorded");
    let token_request = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(
        token_request.contains("grant_type=password")
            && token_request.contains("username=integration%40example.md"),
        "{token_request}"
    );
}

#[tokio::test]
async fn a_failed_refresh_backs_off_instead_of_hammering() {
    let vendor = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client"})))
        .expect(1)
        .mount(&vendor)
        .await;
    let grant = Grant::ClientCredentials {
        token_url: format!("{}/oauth/token", vendor.uri()),
        client_id: "app".into(),
        client_secret: SecretString::from("wrong"),
        scope: None,
    };
    let tokens = TokenCache::new("vendor", grant, None, None).expect("cache");
    for _ in 0..5 {
        let error = tokens.token().await.expect_err("refused");
        assert_eq!(
            error.code(),
            ErrorCode::UpstreamCredentialRejected,
            "{error}"
        );
        assert!(
            !error.to_string().contains("wrong"),
            "the secret never appears: {error}"
        );
    }
}

#[tokio::test]
async fn a_rotated_refresh_token_replaces_the_old_one() {
    let vendor = MockServer::start().await;
    Mock::given(path("/token"))
        .and(body_string_contains("refresh_token=r1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "a1", "expires_in": 3600, "refresh_token": "r2"}),
        ))
        .expect(1)
        .mount(&vendor)
        .await;
    Mock::given(path("/token"))
        .and(body_string_contains("refresh_token=r2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "a2", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&vendor)
        .await;
    let grant = Grant::RefreshToken {
        token_url: format!("{}/token", vendor.uri()),
        client_id: "hubspot-app".into(),
        client_secret: Some(SecretString::from("s")),
        refresh_token: SecretString::from("r1"),
    };
    let tokens = TokenCache::new("hubspot", grant, None, None).expect("cache");
    let first = tokens.token().await.expect("a1");
    let second = tokens.invalidate(&first).await.expect("a2");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&second.secret), "a2");
}

#[tokio::test]
async fn github_app_tokens_come_from_a_signed_app_jwt() {
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/app/installations/42/access_tokens"))
        .respond_with(|request: &Request| {
            let auth = request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let jwt = auth.strip_prefix("Bearer ").unwrap_or("");
            let public = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/jwt_test_public.pem"
            ))
            .expect("key");
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(&public).expect("rsa");
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.required_spec_claims = ["exp", "iat", "iss"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            match jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation) {
                Ok(data) if data.claims["iss"] == "1234" => ResponseTemplate::new(201)
                    .set_body_json(
                        json!({"token": "ghs_installation", "expires_at": "2099-01-01T00:00:00Z"}),
                    ),
                _ => ResponseTemplate::new(401),
            }
        })
        .expect(1)
        .mount(&vendor)
        .await;
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jwt_test_private.pem"
    ))
    .expect("key");
    let grant = Grant::GitHubApp {
        api_url: vendor.uri(),
        app_id: "1234".into(),
        installation_id: "42".into(),
        private_key_pem: SecretString::from(pem),
    };
    let tokens = TokenCache::new("github", grant, None, None).expect("cache");
    let token = tokens.token().await.expect("installation token");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&token.secret),
        "ghs_installation"
    );
    let again = tokens.token().await.expect("cached");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&again.secret),
        "ghs_installation"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_unsafe_writes_are_not_retried() {
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&vendor)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    let started = Instant::now();
    client
        .call(&ctx(Duration::from_secs(10)), Call::get("/x"))
        .await
        .expect("retried");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 2);

    // A POST without an idempotency key is sent once, whatever the answer.
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    let error = client
        .call(
            &ctx(Duration::from_secs(10)),
            Call::post("/messages").json(&json!({"text": "hi"})),
        )
        .await
        .expect_err("not retried");
    assert_eq!(error.code(), ErrorCode::UpstreamUnavailable);
    assert_eq!(error.retry_after_ms(), Some(1000));
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 1);

    // With a key it is retried, and the key goes out every time.
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&vendor)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 7})))
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    client
        .call(
            &ctx(Duration::from_secs(10)),
            Call::post("/payments")
                .json(&json!({"amount": "10.00"}))
                .idempotency_key("pay-123"),
        )
        .await
        .expect("retried with its key");
    let requests = vendor.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.headers["idempotency-key"], "pay-123");
    }
}

#[tokio::test]
async fn retries_never_run_past_the_deadline() {
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    let started = Instant::now();
    let error = client
        .call(&ctx(Duration::from_secs(2)), Call::get("/x"))
        .await
        .expect_err("gives up");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no pointless wait: {:?}",
        started.elapsed()
    );
    assert_eq!(error.code(), ErrorCode::RateLimited);
    assert_eq!(error.retry_after_ms(), Some(30_000));
    // The vendor's block holds the next call too, without a request.
    let error = client
        .call(&ctx(Duration::from_secs(2)), Call::get("/x"))
        .await
        .expect_err("blocked");
    assert_eq!(error.code(), ErrorCode::RateLimited);
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn quota_headers_slow_us_down_before_a_429() {
    let vendor = MockServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 60;
    // Like GitHub: each answer reports the calls left until the reset.
    let served = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(move |_: &Request| {
            let n = served.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header(
                    "x-ratelimit-remaining",
                    (2usize.saturating_sub(n)).to_string().as_str(),
                )
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({}))
        })
        .mount(&vendor)
        .await;
    let client = upstream(
        UpstreamConfig::new("github", vendor.uri()),
        Some(RateLimit::per_hour(5000)),
        None,
    );
    client
        .call(&ctx(Duration::from_secs(2)), Call::get("/a"))
        .await
        .expect("first");
    client
        .call(&ctx(Duration::from_secs(2)), Call::get("/b"))
        .await
        .expect("the one remaining");
    let error = client
        .call(&ctx(Duration::from_secs(2)), Call::get("/c"))
        .await
        .expect_err("budget spent");
    assert_eq!(error.code(), ErrorCode::RateLimited);
    assert!(
        error.retry_after_ms().is_some_and(|ms| ms > 50_000),
        "{error:?}"
    );
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 2);
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_half_opens_and_closes() {
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .up_to_n_times(3)
        .mount(&vendor)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&vendor)
        .await;
    let mut config = UpstreamConfig::new("vendor", vendor.uri());
    config.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    config.breaker = BreakerConfig {
        consecutive_failures: 3,
        open_for: Duration::from_millis(300),
        ..BreakerConfig::default()
    };
    let client = upstream(config, None, None);
    for _ in 0..3 {
        let error = client
            .call(&ctx(Duration::from_secs(2)), Call::get("/x"))
            .await
            .expect_err("500");
        assert_eq!(error.code(), ErrorCode::UpstreamUnavailable);
        assert!(
            error.message().contains("boom"),
            "vendor text kept: {error}"
        );
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let error = client
        .call(&ctx(Duration::from_secs(2)), Call::get("/x"))
        .await
        .expect_err("fast");
    assert_eq!(error.code(), ErrorCode::CircuitOpen);
    assert_eq!(
        vendor.received_requests().await.expect("recorded").len(),
        3,
        "no request while open"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    client
        .call(&ctx(Duration::from_secs(2)), Call::get("/x"))
        .await
        .expect("probe succeeds");
    assert_eq!(client.breaker_state(), BreakerState::Closed);
}

/// Answers with the caller's own token, as a tenant-specific vendor would.
struct EchoTenant;

impl Respond for EchoTenant {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        ResponseTemplate::new(200).set_body_json(json!({ "tenant": auth }))
    }
}

#[tokio::test]
async fn the_cache_never_crosses_credentials_and_coalesces_misses() {
    let redis = TestRedis::start();
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(EchoTenant)
        .mount(&vendor)
        .await;
    let for_tenant = |token: &str| {
        let config = UpstreamConfig::new("vendor", vendor.uri())
            .credential(Credential::Bearer(SecretString::from(token.to_owned())));
        upstream(config, None, Some(redis.store()))
    };
    let a = for_tenant("tenant-a");
    let b = for_tenant("tenant-b");
    let call = || {
        Call::get("/profile")
            .query(&[("id", "7")])
            .cache(Duration::from_secs(60))
    };
    let first_a = a
        .call(&ctx(Duration::from_secs(2)), call())
        .await
        .expect("a");
    let first_b = b
        .call(&ctx(Duration::from_secs(2)), call())
        .await
        .expect("b");
    assert_eq!(
        first_a.json::<serde_json::Value>().expect("json")["tenant"],
        "Bearer tenant-a"
    );
    assert_eq!(
        first_b.json::<serde_json::Value>().expect("json")["tenant"],
        "Bearer tenant-b"
    );
    assert_eq!(
        (first_a.cache, first_b.cache),
        (Some(CacheOutcome::Miss), Some(CacheOutcome::Miss))
    );
    let again_a = a
        .call(&ctx(Duration::from_secs(2)), call())
        .await
        .expect("a again");
    assert_eq!(again_a.cache, Some(CacheOutcome::HitLocal));
    assert_eq!(again_a.body, first_a.body);
    // A new replica of tenant a finds it in Redis.
    let replica = for_tenant("tenant-a");
    let shared = replica
        .call(&ctx(Duration::from_secs(2)), call())
        .await
        .expect("replica");
    assert_eq!(shared.cache, Some(CacheOutcome::HitShared));
    assert_eq!(shared.body, first_a.body);
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 2);
    // No key in Redis contains a credential.
    let keys = redis.cli(&["--scan"]);
    assert!(!keys.contains("tenant"), "{keys}");

    // 50 concurrent identical misses: one request.
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(200))
                .set_body_json(json!({"v": 1})),
        )
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .call(
                        &ctx(Duration::from_secs(5)),
                        Call::get("/slow").cache(Duration::from_secs(60)),
                    )
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.expect("join").expect("ok");
    }
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn no_store_answers_are_not_cached_and_writes_never_are() {
    let vendor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "no-store")
                .set_body_json(json!({})),
        )
        .mount(&vendor)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&vendor)
        .await;
    let client = upstream(UpstreamConfig::new("vendor", vendor.uri()), None, None);
    for _ in 0..2 {
        client
            .call(
                &ctx(Duration::from_secs(2)),
                Call::get("/x").cache(Duration::from_secs(60)),
            )
            .await
            .expect("get");
        client
            .call(
                &ctx(Duration::from_secs(2)),
                Call::post("/x").cache(Duration::from_secs(60)),
            )
            .await
            .expect("post");
    }
    assert_eq!(vendor.received_requests().await.expect("recorded").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_survive_a_redis_outage_and_shared_state_returns_with_redis() {
    let mut redis = TestRedis::start();
    let vendor = MockServer::start().await;
    let counter = Counter::default();
    Mock::given(method("GET"))
        .respond_with(counter.clone())
        .mount(&vendor)
        .await;
    let store = redis.store();
    let limit = RateLimit::new(1000, Duration::from_secs(60));
    let client = upstream(
        UpstreamConfig::new("vendor", vendor.uri()),
        Some(limit),
        Some(Arc::clone(&store)),
    );
    let limiter_key_count = |redis: &TestRedis| -> usize {
        redis
            .cli(&["--scan", "--pattern", "ordinaut:rl:*"])
            .lines()
            .filter(|l| !l.is_empty())
            .count()
    };
    client
        .call(&ctx(Duration::from_secs(2)), Call::get("/a"))
        .await
        .expect("with redis");
    assert_eq!(limiter_key_count(&redis), 1, "the shared log is in Redis");

    redis.stop();
    for i in 0..5 {
        let started = Instant::now();
        client
            .call(
                &ctx(Duration::from_secs(2)),
                Call::get("/a").cache(Duration::from_secs(60)),
            )
            .await
            .unwrap_or_else(|e| panic!("call {i} during the outage: {e}"));
        assert!(started.elapsed() < Duration::from_millis(1500));
    }
    assert!(!store.is_healthy(), "the outage is noticed");
    assert!(matches!(
        store.status().await,
        bridge_kit::store::StoreStatus::Degraded(_)
    ));

    redis.spawn();
    // The store retries Redis at most once a second after a failure.
    let mut recovered = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        client
            .call(&ctx(Duration::from_secs(2)), Call::get("/b"))
            .await
            .expect("after restart");
        if store.is_healthy() && limiter_key_count(&redis) == 1 {
            recovered = true;
            break;
        }
    }
    assert!(
        recovered,
        "the shared tier is used again once Redis is back"
    );
}

#[test]
fn client_identities_load_from_pem_and_pkcs12() {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};

    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "ordinaut-test-client")
        .expect("cn");
    let name = name.build();
    let mut builder = X509::builder().expect("x509");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(&key).expect("pubkey");
    builder
        .set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("nb");
    builder
        .set_not_after(&Asn1Time::days_from_now(30).expect("time"))
        .expect("na");
    builder.sign(&key, MessageDigest::sha256()).expect("sign");
    let certificate = builder.build();

    let cert_pem = certificate.to_pem().expect("pem");
    let key_pem = key.private_key_to_pem_pkcs8().expect("pem");
    ClientIdentity::from_pem(&cert_pem, &key_pem).expect("PEM identity");
    assert!(ClientIdentity::from_pem(b"junk", b"junk").is_err());

    let p12 = openssl::pkcs12::Pkcs12::builder()
        .name("client")
        .pkey(&key)
        .cert(&certificate)
        .build2("p12-password")
        .expect("p12")
        .to_der()
        .expect("der");
    ClientIdentity::from_pkcs12(&p12, &SecretString::from("p12-password"))
        .expect("PKCS#12 identity");
    let wrong =
        ClientIdentity::from_pkcs12(&p12, &SecretString::from("nope")).expect_err("wrong password");
    assert!(wrong.contains("password"), "{wrong}");
    // An identity plugs into an upstream.
    let mut config = UpstreamConfig::new("maib", "https://api-gateway.maib.md");
    config.identity = Some(ClientIdentity::from_pem(&cert_pem, &key_pem).expect("identity"));
    Upstream::new(config, None, None, Arc::new(Metrics::new("test"))).expect("mTLS client builds");
}

//! Webhooks in, over real HTTP: signatures, replays, duplicates, and delivery to an
//! orchestrator that is down for a while (in memory, and through a Redis stream across a
//! restart).

use std::net::TcpListener;
use std::time::Duration;

use bridge_kit::conformance::TestServer;
use bridge_kit::webhooks::{Source, verify};
use bridge_kit::{Bridge, ConfigError, ConfigVar, Settings};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::TestRedis;

const GITHUB_SECRET: ConfigVar = ConfigVar::secret("HOOK_GITHUB_SECRET", "test");
const SLACK_SECRET: ConfigVar = ConfigVar::secret("HOOK_SLACK_SECRET", "test");
const GITLAB_SECRET: ConfigVar = ConfigVar::secret("HOOK_GITLAB_SECRET", "test");
const VARS: &[ConfigVar] = &[GITHUB_SECRET, SLACK_SECRET, GITLAB_SECRET];

fn hooks_bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder("hooks", "hooks", 18_001, settings)
        .vars(VARS)
        .webhook(Source::GitHub, &GITHUB_SECRET)
        .webhook(Source::Slack, &SLACK_SECRET)
        .webhook(Source::GitLab, &GITLAB_SECRET)
        .build()
}

fn settings(orchestrator: &str) -> Settings {
    Settings::from_pairs([
        ("HOOK_GITHUB_SECRET", "gh-secret"),
        ("HOOK_SLACK_SECRET", "slack-secret"),
        ("HOOK_GITLAB_SECRET", "gl-token"),
        ("ORDINAUT_EVENTS_URL", orchestrator),
        ("ORDINAUT_EVENTS_SECRET", "events-secret"),
    ])
}

async fn serve(settings: &Settings) -> TestServer {
    TestServer::start(hooks_bridge(settings).expect("bridge"), settings).await
}

async fn github(
    server: &TestServer,
    delivery: &str,
    body: &Value,
    secret: Option<&str>,
) -> (u16, Value) {
    let text = body.to_string();
    let mut request = reqwest::Client::new()
        .post(server.url("/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", delivery)
        .body(text.clone());
    if let Some(secret) = secret {
        request = request.header(
            "x-hub-signature-256",
            format!(
                "sha256={}",
                verify::hmac_hex(secret.as_bytes(), text.as_bytes())
            ),
        );
    }
    let response = request.send().await.expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn slack_request(
    server: &TestServer,
    body: &Value,
    timestamp: i64,
    secret: &str,
) -> reqwest::RequestBuilder {
    let text = body.to_string();
    let base = format!("v0:{timestamp}:{text}");
    reqwest::Client::new()
        .post(server.url("/webhooks/slack"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header(
            "x-slack-signature",
            format!(
                "v0={}",
                verify::hmac_hex(secret.as_bytes(), base.as_bytes())
            ),
        )
        .body(text)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Waits until the orchestrator has received `count` events; returns them.
async fn received(orchestrator: &MockServer, count: usize) -> Vec<wiremock::Request> {
    for _ in 0..200 {
        let requests = orchestrator.received_requests().await.unwrap_or_default();
        let ok: Vec<_> = requests
            .into_iter()
            .filter(|r| r.url.path() == "/events")
            .collect();
        if ok.len() >= count {
            return ok;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the orchestrator did not receive {count} events");
}

#[tokio::test]
async fn github_events_are_verified_deduplicated_and_delivered_signed() {
    let orchestrator = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/events"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&orchestrator)
        .await;
    let server = serve(&settings(&format!("{}/events", orchestrator.uri()))).await;
    let payload =
        json!({"action": "opened", "number": 7, "pull_request": {"title": "Add MDL rates"}});

    assert_eq!(
        github(&server, "d-1", &payload, None).await.0,
        401,
        "missing signature"
    );
    assert_eq!(
        github(&server, "d-1", &payload, Some("wrong")).await.0,
        401,
        "bad signature"
    );
    let (status, body) = github(&server, "d-1", &payload, Some("gh-secret")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["type"], "github.pull_request.opened");
    let (status, body) = github(&server, "d-1", &payload, Some("gh-secret")).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("duplicate")),
        "redelivery is dropped"
    );

    let events = received(&orchestrator, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received(&orchestrator, 1).await.len(), 1, "delivered once");
    let event: Value = serde_json::from_slice(&events[0].body).expect("json");
    assert_eq!(event["id"], "github:d-1");
    assert_eq!(event["type"], "github.pull_request.opened");
    assert_eq!(event["source"], "github");
    assert_eq!(event["payload"], payload);
    assert!(
        event["received_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let timestamp = events[0].headers["x-ordinaut-timestamp"]
        .to_str()
        .expect("ts");
    let signed = format!("{timestamp}.{}", String::from_utf8_lossy(&events[0].body));
    let expected = format!(
        "sha256={}",
        verify::hmac_hex(b"events-secret", signed.as_bytes())
    );
    assert_eq!(events[0].headers["x-ordinaut-signature"], expected.as_str());
}

#[tokio::test]
async fn slack_challenges_are_answered_and_replays_refused() {
    let orchestrator = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/events"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&orchestrator)
        .await;
    let server = serve(&settings(&format!("{}/events", orchestrator.uri()))).await;
    let challenge = json!({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "token": "x"});
    let response = slack_request(&server, &challenge, now(), "slack-secret")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["challenge"], challenge["challenge"]);

    let event = json!({"type": "event_callback", "event_id": "Ev01", "team_id": "T1",
        "event": {"type": "message", "channel": "C1", "user": "U1", "text": "standup done", "ts": "1.2"}});
    let stale = slack_request(&server, &event, now() - 600, "slack-secret")
        .send()
        .await
        .expect("post");
    assert_eq!(stale.status().as_u16(), 401, "outside the 5-minute window");
    let forged = slack_request(&server, &event, now(), "guess")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 401);
    let ok = slack_request(&server, &event, now(), "slack-secret")
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status().as_u16(), 202);
    // Slack retries with X-Slack-Retry-Num; the same event_id is dropped.
    let retry = slack_request(&server, &event, now(), "slack-secret")
        .header("x-slack-retry-num", "1")
        .send()
        .await
        .expect("post");
    assert_eq!(retry.status().as_u16(), 200);
    let events = received(&orchestrator, 1).await;
    let delivered: Value = serde_json::from_slice(&events[0].body).expect("json");
    assert_eq!(delivered["type"], "slack.message");
}

#[tokio::test]
async fn gitlab_tokens_are_checked() {
    let orchestrator = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/events"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&orchestrator)
        .await;
    let server = serve(&settings(&format!("{}/events", orchestrator.uri()))).await;
    let payload =
        json!({"object_kind": "merge_request", "object_attributes": {"action": "open", "iid": 3}});
    let send = |token: &'static str| {
        reqwest::Client::new()
            .post(server.url("/webhooks/gitlab"))
            .header("x-gitlab-token", token)
            .header("x-gitlab-event-uuid", "uuid-1")
            .json(&payload)
            .send()
    };
    assert_eq!(send("nope").await.expect("post").status().as_u16(), 401);
    assert_eq!(send("gl-token").await.expect("post").status().as_u16(), 202);
    let delivered: Value =
        serde_json::from_slice(&received(&orchestrator, 1).await[0].body).expect("json");
    assert_eq!(delivered["type"], "gitlab.merge_request.open");
}

#[tokio::test]
async fn without_secret_or_destination_webhooks_refuse_rather_than_lose_events() {
    let server = serve(&Settings::from_pairs([(
        "ORDINAUT_EVENTS_URL",
        "http://127.0.0.1:9/events",
    )]))
    .await;
    let (status, body) = github(&server, "d", &json!({}), Some("x")).await;
    assert_eq!(status, 503);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("HOOK_GITHUB_SECRET")
    );
    let server = serve(&Settings::from_pairs([("HOOK_GITHUB_SECRET", "s")])).await;
    let (status, body) = github(&server, "d", &json!({}), Some("s")).await;
    assert_eq!(status, 503);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("ORDINAUT_EVENTS_URL")
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

#[tokio::test]
async fn events_wait_in_memory_while_the_orchestrator_is_down() {
    let port = free_port();
    let server = serve(&settings(&format!("http://127.0.0.1:{port}/events"))).await;
    for i in 0..3 {
        let (status, _) = github(
            &server,
            &format!("down-{i}"),
            &json!({"action": "closed", "n": i}),
            Some("gh-secret"),
        )
        .await;
        assert_eq!(status, 202, "accepted while the orchestrator is down");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        server
            .bridge
            .webhooks
            .as_ref()
            .expect("hooks")
            .pending_in_memory(),
        3
    );
    // The orchestrator comes back on its address.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind");
    let orchestrator = MockServer::builder().listener(listener).start().await;
    Mock::given(method("POST"))
        .and(path("/events"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&orchestrator)
        .await;
    let events = tokio::time::timeout(Duration::from_secs(40), received(&orchestrator, 3))
        .await
        .expect("delivered after recovery");
    let ids: Vec<String> = events
        .iter()
        .filter_map(|e| serde_json::from_slice::<Value>(&e.body).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        ids,
        ["github:down-0", "github:down-1", "github:down-2"],
        "in order, none lost"
    );
}

#[tokio::test]
async fn a_full_memory_queue_answers_503_and_the_retry_is_not_a_duplicate() {
    let settings = settings("http://127.0.0.1:9/events").with("WEBHOOK_QUEUE_CAPACITY", "1");
    let server = serve(&settings).await;
    assert_eq!(
        github(&server, "q-1", &json!({"action": "a"}), Some("gh-secret"))
            .await
            .0,
        202
    );
    let (status, body) = github(&server, "q-2", &json!({"action": "b"}), Some("gh-secret")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "overloaded");
    // GitHub redelivers q-2 later: it must not be dropped as a duplicate.
    let (status, _) = github(&server, "q-2", &json!({"action": "b"}), Some("gh-secret")).await;
    assert_eq!(status, 503, "still full, still not a duplicate");
}

#[tokio::test]
async fn the_redis_stream_keeps_events_across_a_restart() {
    let redis = TestRedis::start();
    let port = free_port();
    let settings =
        settings(&format!("http://127.0.0.1:{port}/events")).with("REDIS_URL", redis.url());
    {
        let first = serve(&settings).await;
        for i in 0..2 {
            let (status, _) = github(
                &first,
                &format!("r-{i}"),
                &json!({"action": "synchronize", "i": i}),
                Some("gh-secret"),
            )
            .await;
            assert_eq!(status, 202);
        }
        assert_eq!(
            first
                .bridge
                .webhooks
                .as_ref()
                .expect("hooks")
                .pending_in_memory(),
            0,
            "queued in Redis"
        );
        // The replica stops (shutdown), its events undelivered.
    }
    assert_eq!(redis.cli(&["XLEN", "ordinaut:events:hooks"]), "2");
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind");
    let orchestrator = MockServer::builder().listener(listener).start().await;
    Mock::given(method("POST"))
        .and(path("/events"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&orchestrator)
        .await;
    let _second = serve(&settings).await;
    let events = tokio::time::timeout(Duration::from_secs(90), received(&orchestrator, 2))
        .await
        .expect("delivered by the next replica");
    assert_eq!(events.len(), 2);
    for _ in 0..50 {
        if redis.cli(&["XLEN", "ordinaut:events:hooks"]) == "0" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("delivered events are removed from the stream");
}

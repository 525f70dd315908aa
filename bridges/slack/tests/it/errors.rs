//! Slack's failures as callers see them: `ok: false` codes by class, `missing_scope`
//! naming the scope, rate limits (in-body and HTTP 429 with `Retry-After`).

use std::time::Instant;

use serde_json::{Value, json};
use wiremock::matchers::body_partial_json;
use wiremock::{MockServer, ResponseTemplate};

use crate::fake::{self, failure, get, ok, post, requests_to, serve};

#[tokio::test]
async fn ok_false_codes_map_to_error_kinds() {
    let fake = MockServer::start().await;
    let missing_scope = ResponseTemplate::new(200).set_body_json(json!({
        "ok": false, "error": "missing_scope",
        "needed": "pins:write", "provided": "chat:write,channels:read"
    }));
    let rate_limited = failure("ratelimited").insert_header("retry-after", "7");
    // One channel per Slack answer.
    let answers = [
        ("C0NOTFOUND", failure("channel_not_found")),
        ("C0BADAUTH1", failure("invalid_auth")),
        ("C0REVOKED1", failure("token_revoked")),
        ("C0NOSCOPE1", missing_scope),
        ("C0LIMITED1", rate_limited),
        ("C0PINNED01", failure("already_pinned")),
        ("C0BADARGS1", failure("invalid_arguments")),
        ("C0ARCHIVE1", failure("is_archived")),
        ("C0NOTIN001", failure("not_in_channel")),
        ("C0FATAL001", failure("fatal_error")),
    ];
    for (channel, answer) in answers {
        post("pins.add")
            .and(body_partial_json(json!({ "channel": channel })))
            .respond_with(answer)
            .mount(&fake)
            .await;
    }
    let server = serve(&fake).await;
    let cases = [
        ("C0NOTFOUND", 404, "not_found", "channel_not_found"),
        (
            "C0BADAUTH1",
            502,
            "upstream_credential_rejected",
            "invalid_auth",
        ),
        (
            "C0REVOKED1",
            502,
            "upstream_credential_rejected",
            "SLACK_BOT_TOKEN",
        ),
        ("C0NOSCOPE1", 403, "forbidden", "`pins:write` scope"),
        ("C0LIMITED1", 429, "rate_limited", "ratelimited"),
        ("C0PINNED01", 409, "conflict", "already_pinned"),
        ("C0BADARGS1", 422, "invalid_arguments", "invalid_arguments"),
        ("C0ARCHIVE1", 409, "conflict", "is_archived"),
        ("C0NOTIN001", 403, "forbidden", "invite the bot"),
        ("C0FATAL001", 502, "upstream_unavailable", "`fatal_error`"),
    ];
    for (channel, status, code, fragment) in cases {
        let args = json!({"channel": channel, "timestamp": "1714800000.000100"});
        let (got, body) = server.call("pin_message", &args).await;
        let error = &body["error"];
        assert_eq!(got, status, "{channel}: {body}");
        assert_eq!(error["code"], code, "{channel}: {body}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(fragment), "{channel}: {body}");
        // Secrets never leak into errors.
        assert!(!body.to_string().contains("xoxb-test"), "{body}");
    }
    let (_, body) = server
        .call(
            "pin_message",
            &json!({"channel": "C0NOSCOPE1", "timestamp": "1.2"}),
        )
        .await;
    assert_eq!(body["error"]["details"]["needed"], "pins:write");
    assert_eq!(
        body["error"]["details"]["provided"],
        "chat:write,channels:read"
    );
    assert_eq!(body["error"]["upstream"]["service"], "slack");
    let (_, body) = server
        .call(
            "pin_message",
            &json!({"channel": "C0LIMITED1", "timestamp": "1.2"}),
        )
        .await;
    assert_eq!(body["error"]["retry_after_ms"], 7000, "{body}");
    assert_eq!(body["error"]["retryable"], true);
}

#[tokio::test]
async fn slack_side_argument_errors_point_at_the_argument() {
    let fake = MockServer::start().await;
    post("chat.postMessage")
        .respond_with(failure("msg_too_long"))
        .mount(&fake)
        .await;
    post("chat.scheduleMessage")
        .respond_with(failure("time_too_far"))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, body) = server
        .call(
            "post_message",
            &json!({"channel": "C0123ABCD", "message": "x"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["violations"][0]["path"], "/message", "{body}");
    assert_eq!(body["error"]["details"]["slack_error"], "msg_too_long");
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let args = json!({"channel": "C0123ABCD", "message": "x", "scheduled_time": soon});
    let (status, body) = server.call("schedule_message", &args).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["violations"][0]["path"], "/scheduled_time");
}

#[tokio::test]
async fn user_token_only_methods_say_so() {
    let fake = MockServer::start().await;
    post("users.profile.set")
        .respond_with(failure("not_allowed_token_type"))
        .mount(&fake)
        .await;
    post("reminders.add")
        .respond_with(failure("not_allowed_token_type"))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    for (tool, args) in [
        ("update_status", json!({"status_text": "Lunch"})),
        ("set_reminder", json!({"text": "x", "time": "in 5 minutes"})),
    ] {
        let (status, body) = server.call(tool, &args).await;
        assert_eq!(status, 403, "{tool}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("user tokens (xoxp-)"), "{tool}: {body}");
        assert!(
            message.contains("SLACK_USER_TOKEN"),
            "{tool}: names the fix: {body}"
        );
    }
}

#[tokio::test]
async fn with_a_user_token_those_methods_act_as_the_user() {
    use wiremock::matchers::{bearer_token, method, path};
    let fake = MockServer::start().await;
    for name in ["users.profile.set", "reminders.add"] {
        wiremock::Mock::given(method("POST"))
            .and(path(format!("/{name}")))
            .and(bearer_token("xoxp-user"))
            .respond_with(fake::ok(json!({
                "profile": {"status_text": "Lunch", "status_emoji": "", "status_expiration": 0},
                "reminder": {"id": "Rm1", "text": "x", "time": 1_900_000_000, "recurring": false}
            })))
            .expect(1)
            .mount(&fake)
            .await;
    }
    let settings = fake::settings(&fake).with("SLACK_USER_TOKEN", "xoxp-user");
    let server = bridge_kit::conformance::TestServer::start(
        bridge_slack::bridge(&settings).expect("bridge"),
        &settings,
    )
    .await;
    let (status, body) = server
        .call("update_status", &json!({"status_text": "Lunch"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server
        .call(
            "set_reminder",
            &json!({"text": "x", "time": "in 5 minutes"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after_and_never_retried_for_writes() {
    let fake = MockServer::start().await;
    post("chat.postMessage")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let started = Instant::now();
    let (status, body) = server
        .call(
            "post_message",
            &json!({"channel": "C0123ABCD", "message": "hi"}),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["retry_after_ms"], 30_000, "{body}");
    assert_eq!(body["error"]["upstream"]["status"], 429);
    // A post is not idempotent: one request, answered at once.
    assert_eq!(requests_to(&fake, "chat.postMessage").await.len(), 1);
    assert!(started.elapsed().as_secs() < 5);
}

#[tokio::test]
async fn reads_are_retried_after_a_429_honouring_retry_after() {
    let fake = MockServer::start().await;
    get("conversations.list")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fake)
        .await;
    get("conversations.list")
        .respond_with(ok(
            json!({"channels": [{"id": "C0ALERTS01", "name": "alerts"}]}),
        ))
        .mount(&fake)
        .await;
    post("pins.add")
        .respond_with(ok(json!({})))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let started = Instant::now();
    let (status, body) = server
        .call(
            "pin_message",
            &json!({"channel": "#alerts", "timestamp": "1.2"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channel"], "C0ALERTS01");
    assert_eq!(requests_to(&fake, "conversations.list").await.len(), 2);
    assert!(
        started.elapsed().as_millis() >= 900,
        "waited for Retry-After"
    );
}

/// Non-JSON answers (a proxy's HTML page) are the vendor's fault, not ours.
#[tokio::test]
async fn unreadable_answers_are_upstream_unavailable() {
    let fake = MockServer::start().await;
    post("pins.add")
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, body) = server
        .call(
            "pin_message",
            &json!({"channel": "C0123ABCD", "timestamp": "1.2"}),
        )
        .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], Value::from("upstream_unavailable"));
}

//! Limits enforced before Slack is called (text, blocks, times) and the per-channel
//! posting rate (about one message per second per channel).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_kit::metrics::Metrics;
use bridge_kit::upstream::{Credential, Upstream, UpstreamConfig};
use bridge_kit::{Tool, ToolContext};
use chrono::Utc;
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::fake::{all_requests, mount_everything, ok, post, requests_to, serve, settings};

fn violations(body: &Value) -> String {
    body["error"]["violations"].to_string()
}

#[tokio::test]
async fn over_long_content_is_rejected_never_truncated() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let server = serve(&fake).await;
    let section = |len: usize| json!({"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(len)}});
    let cases = [
        (
            "post_message",
            json!({"channel": "C0123ABCD", "message": "ă".repeat(40_001)}),
            "/message",
        ),
        (
            "post_to_thread",
            json!({"channel": "C0123ABCD", "thread_ts": "1.2", "message": "hi",
                   "blocks": vec![section(10); 51]}),
            "/blocks",
        ),
        (
            "post_message",
            json!({"channel": "C0123ABCD", "message": "hi", "blocks": [section(10), section(3001)]}),
            "/blocks/1/text/text",
        ),
        (
            "post_message",
            json!({"channel": "C0123ABCD", "message": "hi",
                   "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}}]}),
            "/blocks/0/text/text",
        ),
        (
            "enterprise",
            json!({"action": "post_message", "channel": "#daily-standup", "message": "hi",
                   "blocks": [section(3001)]}),
            "/blocks/0/text/text",
        ),
        (
            "update_status",
            json!({"status_text": "s".repeat(101)}),
            "/status_text",
        ),
        (
            "post_message",
            json!({"channel": "C0123ABCD", "message": ""}),
            "/message",
        ),
    ];
    for (tool, args, path) in cases {
        let (status, body) = server.call(tool, &args).await;
        assert_eq!(status, 422, "{tool} {path}: {body}");
        assert!(
            violations(&body).contains(&format!("\"{path}\"")),
            "{tool} {path}: {body}"
        );
    }
    assert!(
        all_requests(&fake).await.is_empty(),
        "Slack was never called"
    );

    // Exactly at the limits passes, and is sent whole.
    let whole = "ă".repeat(40_000);
    let args = json!({"channel": "C0123ABCD", "message": whole, "blocks": [section(3000)]});
    let (status, body) = server.call("post_message", &args).await;
    assert_eq!(status, 200, "{body}");
    let sent: Value = serde_json::from_slice(&requests_to(&fake, "chat.postMessage").await[0].body)
        .expect("JSON");
    assert_eq!(
        sent["text"].as_str().map(|t| t.chars().count()),
        Some(40_000)
    );
}

#[tokio::test]
async fn schedule_times_in_the_past_or_beyond_120_days_are_rejected() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let server = serve(&fake).await;
    let at = |offset: chrono::Duration| (Utc::now() + offset).to_rfc3339();
    let cases = [
        (at(-chrono::Duration::minutes(5)), "in the past"),
        (at(chrono::Duration::days(121)), "more than 120 days ahead"),
        ("2026-05-04T09:00:00".to_owned(), "date-time"),
        ("tomorrow at 9".to_owned(), "date-time"),
    ];
    for (time, fragment) in cases {
        let args = json!({"channel": "C0123ABCD", "message": "hi", "scheduled_time": time});
        let (status, body) = server.call("schedule_message", &args).await;
        assert_eq!(status, 422, "{time}: {body}");
        assert_eq!(
            body["error"]["violations"][0]["path"], "/scheduled_time",
            "{body}"
        );
        assert!(violations(&body).contains(fragment), "{time}: {body}");
    }
    // 119 days ahead is fine.
    let args = json!({"channel": "C0123ABCD", "message": "hi",
                      "scheduled_time": at(chrono::Duration::days(119))});
    let (status, body) = server.call("schedule_message", &args).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(requests_to(&fake, "chat.scheduleMessage").await.len(), 1);
}

#[tokio::test]
async fn reminder_times_are_checked_when_they_are_iso() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let server = serve(&fake).await;
    for (time, fragment) in [
        ("2026-05-04T09:00", "not RFC 3339"),
        ("2001-01-01T00:00:00Z", "in the past"),
    ] {
        let (status, body) = server
            .call("set_reminder", &json!({"text": "x", "time": time}))
            .await;
        assert_eq!(status, 422, "{time}: {body}");
        assert_eq!(body["error"]["violations"][0]["path"], "/time");
        assert!(violations(&body).contains(fragment), "{time}: {body}");
    }
    assert!(requests_to(&fake, "reminders.add").await.is_empty());
}

#[tokio::test]
async fn posts_to_one_channel_are_a_second_apart_and_other_channels_do_not_wait() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let server = serve(&fake).await;
    let post_to = |channel: &str| json!({"channel": channel, "message": "hi"});
    let (status, _) = server.call("post_message", &post_to("C0AAAAAAA")).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    let (status, _) = server.call("post_message", &post_to("C0AAAAAAA")).await;
    let second = started.elapsed();
    assert_eq!(status, 200);
    assert!(second >= Duration::from_millis(900), "waited {second:?}");
    let started = Instant::now();
    let (status, _) = server.call("post_message", &post_to("C0BBBBBBB")).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "another channel has its own slot"
    );
    // post_to_thread shares the channel's slot: it is the same Slack method.
    let started = Instant::now();
    let reply = json!({"channel": "C0BBBBBBB", "thread_ts": "1.2", "message": "hi"});
    let (status, _) = server.call("post_to_thread", &reply).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(requests_to(&fake, "chat.postMessage").await.len(), 4);
}

#[tokio::test]
async fn a_post_that_cannot_get_a_slot_before_its_deadline_is_rate_limited() {
    let fake = MockServer::start().await;
    post("chat.postMessage")
        .respond_with(ok(json!({"channel": "C0AAAAAAA", "ts": "1.2"})))
        .mount(&fake)
        .await;
    let token = settings(&fake)
        .secret(&bridge_slack::SLACK_BOT_TOKEN)
        .expect("token");
    let upstream = Upstream::new(
        UpstreamConfig::new("slack", fake.uri()).credential(Credential::Bearer(token)),
        None,
        None,
        Arc::new(Metrics::new("slack")),
    )
    .expect("upstream");
    let tool = bridge_slack::PostMessage::new(bridge_slack::Slack::new(upstream));
    let args = || bridge_slack::PostMessageArgs {
        channel: "C0AAAAAAA".into(),
        message: "hi".into(),
        thread_ts: None,
        blocks: None,
        attachments: None,
    };
    let ctx = ToolContext::new("t-1", Duration::from_millis(300));
    tool.call(&ctx, args())
        .await
        .expect("the first post goes out");
    let ctx = ToolContext::new("t-2", Duration::from_millis(300));
    let started = Instant::now();
    let error = tool
        .call(&ctx, args())
        .await
        .expect_err("no slot within 300 ms");
    assert_eq!(error.code(), bridge_kit::ErrorCode::RateLimited, "{error}");
    let wait = error.retry_after_ms().unwrap_or_default();
    assert!((500..=1000).contains(&wait), "retry after {wait} ms");
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "failed at once, not at the deadline"
    );
    assert_eq!(requests_to(&fake, "chat.postMessage").await.len(), 1);
}

//! Each tool against the fake: the exact body it sends to its Web API method (checked
//! against Slack's description) and the typed output it makes of Slack's answer.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::fake::{assert_subset, body, get, ok, post, requests_to, serve};
use crate::spec::assert_conforms;

struct Case {
    tool: &'static str,
    args: Value,
    method: &'static str,
    answer: Value,
    sent: Value,
    output: Value,
}

async fn run(case: Case) {
    let fake = MockServer::start().await;
    post(case.method)
        .respond_with(ok(case.answer))
        .expect(1)
        .mount(&fake)
        .await;
    get("users.lookupByEmail")
        .respond_with(ok(json!({"user": {"id": "U0ANA0001"}})))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, output) = server.call(case.tool, &case.args).await;
    assert_eq!(status, 200, "{}: {output}", case.tool);
    assert_subset(&output, &case.output);
    let requests = requests_to(&fake, case.method).await;
    assert_eq!(requests.len(), 1, "{}", case.tool);
    assert_eq!(body(&requests[0]), case.sent, "{}", case.tool);
    assert_conforms(&requests[0]);
    for lookup in requests_to(&fake, "users.lookupByEmail").await {
        assert_conforms(&lookup);
    }
}

#[tokio::test]
async fn post_message_sends_text_blocks_and_attachments() {
    let blocks = json!([
        {"type": "header", "text": {"type": "plain_text", "text": "Daily Standup"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Good morning team!"}}
    ]);
    let attachments = json!([{"color": "#36a64f", "text": "Deployed"}]);
    run(Case {
        tool: "post_message",
        args: json!({"channel": "C0123ABCD", "message": "Daily Standup", "blocks": blocks, "attachments": attachments}),
        method: "chat.postMessage",
        answer: json!({"channel": "C0123ABCD", "ts": "1714800000.000100", "message": {"text": "Daily Standup"}}),
        sent: json!({"channel": "C0123ABCD", "text": "Daily Standup", "blocks": blocks, "attachments": attachments}),
        output: json!({"channel": "C0123ABCD", "ts": "1714800000.000100", "thread_ts": null, "warnings": []}),
    })
    .await;
}

#[tokio::test]
async fn post_to_thread_replies_and_broadcasts() {
    run(Case {
        tool: "post_to_thread",
        args: json!({"channel": "C0123ABCD", "thread_ts": "1714800000.000100", "message": "Done", "reply_broadcast": true}),
        method: "chat.postMessage",
        answer: json!({"channel": "C0123ABCD", "ts": "1714800100.000200", "message": {"text": "Done"}}),
        sent: json!({"channel": "C0123ABCD", "text": "Done", "thread_ts": "1714800000.000100", "reply_broadcast": true}),
        output: json!({"channel": "C0123ABCD", "ts": "1714800100.000200", "thread_ts": "1714800000.000100"}),
    })
    .await;
}

#[tokio::test]
async fn schedule_message_sends_unix_seconds() {
    let at = Utc::now() + Duration::hours(2);
    let post_at = at.timestamp();
    let local = at
        .with_timezone(&chrono::FixedOffset::east_opt(3 * 3600).expect("offset"))
        .to_rfc3339_opts(SecondsFormat::Secs, false);
    run(Case {
        tool: "schedule_message",
        args: json!({"channel": "C0123ABCD", "message": "Standup summary", "scheduled_time": local}),
        method: "chat.scheduleMessage",
        answer: json!({"channel": "C0123ABCD", "scheduled_message_id": "Q1298393284", "post_at": post_at, "message": {}}),
        sent: json!({"channel": "C0123ABCD", "text": "Standup summary", "post_at": post_at.to_string()}),
        output: json!({
            "channel": "C0123ABCD",
            "scheduled_message_id": "Q1298393284",
            "post_at": post_at,
            "scheduled_time": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }),
    })
    .await;
}

#[tokio::test]
async fn update_status_sets_the_profile_of_a_user_found_by_email() {
    let until = Utc::now() + Duration::hours(1);
    run(Case {
        tool: "update_status",
        args: json!({"status_text": "In a meeting", "status_emoji": "calendar", "status_expiration": until.to_rfc3339(), "user_id": "Ana@Example.com"}),
        method: "users.profile.set",
        answer: json!({"username": "ana", "profile": {"status_text": "In a meeting", "status_emoji": ":calendar:", "status_expiration": until.timestamp()}}),
        sent: json!({"user": "U0ANA0001", "profile": {"status_text": "In a meeting", "status_emoji": ":calendar:", "status_expiration": until.timestamp()}}),
        output: json!({"user_id": "U0ANA0001", "status_text": "In a meeting", "status_emoji": ":calendar:", "status_expiration": until.timestamp()}),
    })
    .await;
}

#[tokio::test]
async fn update_status_without_text_or_emoji_clears_it() {
    run(Case {
        tool: "update_status",
        args: json!({}),
        method: "users.profile.set",
        answer: json!({"username": "ana", "profile": {"status_text": "", "status_emoji": "", "status_expiration": 0}}),
        sent: json!({"profile": {"status_text": "", "status_emoji": "", "status_expiration": 0}}),
        output: json!({"user_id": null, "status_text": "", "status_emoji": "", "status_expiration": 0}),
    })
    .await;
}

#[tokio::test]
async fn create_channel_drops_the_hash() {
    run(Case {
        tool: "create_channel",
        args: json!({"name": "#incident-42", "is_private": true}),
        method: "conversations.create",
        answer: json!({"channel": {"id": "C0NEWCHAN1", "name": "incident-42", "is_private": true}}),
        sent: json!({"name": "incident-42", "is_private": true}),
        output: json!({"channel": "C0NEWCHAN1", "name": "incident-42", "is_private": true}),
    })
    .await;
}

#[tokio::test]
async fn invite_users_resolves_emails_and_joins_ids() {
    run(Case {
        tool: "invite_users",
        args: json!({"channel": "C0123ABCD", "users": ["ana@example.com", "U0BOB0001", "U0ANA0001"]}),
        method: "conversations.invite",
        answer: json!({"channel": {"id": "C0123ABCD", "name": "general"}}),
        sent: json!({"channel": "C0123ABCD", "users": "U0ANA0001,U0BOB0001"}),
        output: json!({"channel": "C0123ABCD", "users": ["U0ANA0001", "U0BOB0001"]}),
    })
    .await;
}

#[tokio::test]
async fn set_reminder_passes_natural_language_through() {
    run(Case {
        tool: "set_reminder",
        args: json!({"text": "Standup follow-up: check everyone contributed", "time": "in 30 minutes"}),
        method: "reminders.add",
        answer: json!({"reminder": {"id": "Rm0123ABCD", "creator": "U0ANA0001", "user": "U0ANA0001", "text": "Standup follow-up: check everyone contributed", "recurring": false, "time": 1714801800}}),
        sent: json!({"text": "Standup follow-up: check everyone contributed", "time": "in 30 minutes"}),
        output: json!({"reminder_id": "Rm0123ABCD", "user": "U0ANA0001", "time": 1714801800, "recurring": false}),
    })
    .await;
}

#[tokio::test]
async fn set_reminder_converts_iso_times_to_unix_seconds() {
    let at = Utc::now() + Duration::days(2);
    run(Case {
        tool: "set_reminder",
        args: json!({"text": "Renew the certificate", "time": at.to_rfc3339(), "user_id": "U0BOB0001"}),
        method: "reminders.add",
        answer: json!({"reminder": {"id": "Rm0123ABCE", "user": "U0BOB0001", "text": "Renew the certificate", "recurring": false, "time": at.timestamp()}}),
        sent: json!({"text": "Renew the certificate", "time": at.timestamp().to_string(), "user": "U0BOB0001"}),
        output: json!({"reminder_id": "Rm0123ABCE", "user": "U0BOB0001", "time": at.timestamp()}),
    })
    .await;
}

#[tokio::test]
async fn react_to_message_strips_colons() {
    run(Case {
        tool: "react_to_message",
        args: json!({"channel": "C0123ABCD", "timestamp": "1714800000.000100", "emoji": ":white_check_mark:"}),
        method: "reactions.add",
        answer: json!({}),
        sent: json!({"channel": "C0123ABCD", "timestamp": "1714800000.000100", "name": "white_check_mark"}),
        output: json!({"channel": "C0123ABCD", "timestamp": "1714800000.000100", "emoji": "white_check_mark", "warnings": []}),
    })
    .await;
}

#[tokio::test]
async fn pin_message_pins_by_timestamp() {
    run(Case {
        tool: "pin_message",
        args: json!({"channel": "G0123ABCD", "timestamp": "1714800000.000100"}),
        method: "pins.add",
        answer: json!({}),
        sent: json!({"channel": "G0123ABCD", "timestamp": "1714800000.000100"}),
        output: json!({"channel": "G0123ABCD", "timestamp": "1714800000.000100", "warnings": []}),
    })
    .await;
}

#[tokio::test]
async fn warnings_are_kept_in_the_output() {
    let fake = MockServer::start().await;
    post("chat.postMessage")
        .respond_with(ok(json!({
            "channel": "C0123ABCD",
            "ts": "1714800000.000100",
            "warning": "missing_charset",
            "response_metadata": {"warnings": ["missing_charset", "superfluous_charset"]}
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, output) = server
        .call(
            "post_message",
            &json!({"channel": "C0123ABCD", "message": "hi"}),
        )
        .await;
    assert_eq!(status, 200, "{output}");
    assert_eq!(
        output["warnings"],
        json!(["missing_charset", "superfluous_charset"])
    );
}

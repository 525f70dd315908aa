//! The fake Slack: helpers to mount Web API methods and read what the bridge sent.

use bridge_kit::Settings;
use bridge_kit::conformance::TestServer;
use serde_json::{Value, json};
use wiremock::matchers::{bearer_token, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

pub(crate) const TOKEN: &str = "xoxb-test";

pub(crate) fn settings(fake: &MockServer) -> Settings {
    Settings::from_pairs([
        ("SLACK_BOT_TOKEN", TOKEN.to_owned()),
        ("SLACK_API_URL", fake.uri()),
    ])
}

pub(crate) async fn serve(fake: &MockServer) -> TestServer {
    let settings = settings(fake);
    let bridge = bridge_slack::bridge(&settings).expect("bridge builds");
    TestServer::start(bridge, &settings).await
}

/// A write: POST, the bot token, a UTF-8 JSON body.
pub(crate) fn post(name: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("/{name}")))
        .and(bearer_token(TOKEN))
        .and(header("content-type", "application/json; charset=utf-8"))
}

/// A read: GET with query parameters and the bot token.
pub(crate) fn get(name: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/{name}")))
        .and(bearer_token(TOKEN))
}

/// `{"ok": true, ...}` with HTTP 200.
pub(crate) fn ok(body: Value) -> ResponseTemplate {
    let mut answer = json!({"ok": true});
    if let (Some(answer), Value::Object(fields)) = (answer.as_object_mut(), body) {
        answer.extend(fields);
    }
    ResponseTemplate::new(200).set_body_json(answer)
}

/// `{"ok": false, "error": code}` with HTTP 200, as Slack answers most failures.
pub(crate) fn failure(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": code}))
}

/// Requests the fake received for one Web API method.
pub(crate) async fn requests_to(fake: &MockServer, name: &str) -> Vec<Request> {
    let wanted = format!("/{name}");
    fake.received_requests()
        .await
        .expect("requests are recorded")
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}

/// Every request the fake received.
pub(crate) async fn all_requests(fake: &MockServer) -> Vec<Request> {
    fake.received_requests()
        .await
        .expect("requests are recorded")
}

pub(crate) fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// `expected`'s fields all appear in `actual` with the same values (recursively).
pub(crate) fn assert_subset(actual: &Value, expected: &Value) {
    match (actual, expected) {
        (Value::Object(actual_fields), Value::Object(expected_fields)) => {
            for (key, value) in expected_fields {
                let got = actual_fields.get(key).unwrap_or(&Value::Null);
                assert_subset(got, value);
            }
        }
        _ => assert_eq!(actual, expected),
    }
}

/// The answers of every method the bridge calls, for tests that only need Slack to agree.
pub(crate) async fn mount_everything(fake: &MockServer) {
    let channels = json!({"channels": [
        {"id": "C0STANDUP", "name": "daily-standup"},
        {"id": "C0GENERAL", "name": "general"}
    ], "response_metadata": {"next_cursor": ""}});
    let answers = [
        (
            "chat.postMessage",
            json!({"channel": "C0123ABCD", "ts": "1714800000.000100", "message": {"text": "hi"}}),
        ),
        (
            "chat.scheduleMessage",
            json!({"channel": "C0123ABCD", "scheduled_message_id": "Q1298393284", "post_at": 1714800000, "message": {}}),
        ),
        (
            "users.profile.set",
            json!({"username": "ana", "profile": {"status_text": "In a meeting", "status_emoji": ":calendar:", "status_expiration": 0}}),
        ),
        (
            "conversations.create",
            json!({"channel": {"id": "C0NEWCHAN1", "name": "incident-42", "is_private": false}}),
        ),
        (
            "conversations.invite",
            json!({"channel": {"id": "C0123ABCD", "name": "general"}}),
        ),
        (
            "reminders.add",
            json!({"reminder": {"id": "Rm0123ABCD", "creator": "U0ANA0001", "user": "U0ANA0001", "text": "Standup follow-up", "recurring": false, "time": 1714801800}}),
        ),
        ("reactions.add", json!({})),
        ("pins.add", json!({})),
    ];
    for (name, answer) in answers {
        post(name).respond_with(ok(answer)).mount(fake).await;
    }
    get("conversations.list")
        .respond_with(ok(channels))
        .mount(fake)
        .await;
    get("users.lookupByEmail")
        .respond_with(ok(json!({"user": {"id": "U0ANA0001", "name": "ana"}})))
        .mount(fake)
        .await;
}

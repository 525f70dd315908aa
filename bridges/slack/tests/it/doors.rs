//! Both doors: `slack.enterprise` runs the same code as the direct tools, its schema
//! gives each shared field one meaning, and bridge-kit's conformance suite passes.

use bridge_kit::conformance::{Conformance, McpEra};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::fake::{body, mount_everything, requests_to, serve, settings};

#[tokio::test]
async fn conformance() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let soon = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
    Conformance::new(bridge_slack::bridge)
        .settings(settings(&fake))
        .sample(
            "post_message",
            json!({"channel": "#daily-standup", "message": "Daily Standup",
                   "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Daily Standup"}}]}),
        )
        .sample(
            "schedule_message",
            json!({"channel": "C0123ABCD", "message": "Summary", "scheduled_time": soon}),
        )
        .sample(
            "schedule_message",
            json!({"channel": "C0123ABCD", "message": "Summary", "scheduled_time": past}),
        )
        .sample(
            "update_status",
            json!({"status_text": "In a meeting", "status_emoji": ":calendar:"}),
        )
        .sample("create_channel", json!({"name": "incident-42"}))
        .sample(
            "invite_users",
            json!({"channel": "C0123ABCD", "users": ["U0BOB0001", "ana@example.com"]}),
        )
        .sample("set_reminder", json!({"text": "Standup follow-up", "time": "in 30 minutes"}))
        .sample(
            "post_to_thread",
            json!({"channel": "C0THREAD1", "thread_ts": "1714800000.000100", "message": "Done"}),
        )
        .sample(
            "react_to_message",
            json!({"channel": "C0123ABCD", "timestamp": "1714800000.000100", "emoji": "tada"}),
        )
        .sample(
            "pin_message",
            json!({"channel": "C0123ABCD", "timestamp": "1714800000.000100"}),
        )
        .sample(
            "enterprise",
            json!({"action": "post_message", "channel": "#general", "message": "Release is live"}),
        )
        .sample(
            "enterprise",
            json!({"action": "set_reminder", "text": "Standup follow-up", "time": "in 30 minutes"}),
        )
        .run()
        .await;
}

#[tokio::test]
async fn the_enterprise_door_gives_the_direct_tools_answer() {
    let fake = MockServer::start().await;
    mount_everything(&fake).await;
    let server = serve(&fake).await;
    let args = json!({"channel": "#daily-standup", "message": "Daily Standup - 2026-05-04",
                      "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Good morning team!"}}]});
    let (status, direct) = server.call("post_message", &args).await;
    assert_eq!(status, 200, "{direct}");
    let mut door_args = args.clone();
    door_args["action"] = json!("post_message");
    let (status, door) = server.call("enterprise", &door_args).await;
    assert_eq!(status, 200, "{door}");
    assert_eq!(door, direct);
    // And Slack received the same request twice.
    let posts = requests_to(&fake, "chat.postMessage").await;
    assert_eq!(posts.len(), 2);
    assert_eq!(body(&posts[0]), body(&posts[1]));

    // Errors match too, with the same paths.
    let bad =
        json!({"channel": "C0123ABCD", "message": "x", "scheduled_time": "2001-01-01T00:00:00Z"});
    let (status, direct) = server.call("schedule_message", &bad).await;
    assert_eq!(status, 422);
    let mut door_bad = bad.clone();
    door_bad["action"] = json!("schedule_message");
    let (status, door) = server.call("enterprise", &door_bad).await;
    assert_eq!(status, 422);
    assert_eq!(door["error"]["violations"], direct["error"]["violations"]);

    // The seed's pipeline step, through MCP.
    let response = server
        .mcp(McpEra::Modern)
        .call_tool(
            "slack_enterprise",
            &json!({"action": "set_reminder", "text": "Standup follow-up: Check if everyone has contributed", "time": "in 30 minutes"}),
        )
        .await;
    assert_eq!(response["result"]["isError"], false, "{response}");
    assert_eq!(
        response["result"]["structuredContent"]["reminder_id"],
        "Rm0123ABCD"
    );
}

#[test]
fn shared_fields_have_one_schema_across_actions() {
    let bridge = bridge_slack::bridge(&bridge_kit::Settings::from_pairs([(
        "SLACK_BOT_TOKEN",
        "xoxb-test",
    )]))
    .expect("bridge builds");
    let door = bridge.tool("enterprise").expect("the enterprise door");
    let properties = door.input_schema["properties"]
        .as_object()
        .expect("properties");
    for (field, schema) in properties {
        // The door writes this when actions disagree about a field.
        let ambiguous = schema["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Depends on the action"));
        assert!(!ambiguous, "`{field}` differs between actions: {schema}");
    }
    // The seed's enterprise fields are all there.
    for field in [
        "channel",
        "message",
        "user_id",
        "thread_ts",
        "scheduled_time",
        "blocks",
        "attachments",
    ] {
        assert!(properties.contains_key(field), "{field}");
    }
    assert_eq!(properties["scheduled_time"]["format"], "date-time");
    assert_eq!(properties["message"]["maxLength"], 40_000);
    assert_eq!(properties["blocks"]["maxItems"], 50);
    let actions: Vec<&str> = properties["action"]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        actions,
        [
            "post_message",
            "schedule_message",
            "update_status",
            "create_channel",
            "invite_users",
            "set_reminder",
            "post_to_thread",
            "react_to_message",
            "pin_message"
        ]
    );
    for tool in &bridge.tools {
        assert_eq!(
            tool.spec.scopes,
            ["communication.slack"],
            "{}",
            tool.spec.name
        );
        assert_eq!(tool.spec.timeout.as_secs(), 30);
        assert!(tool.spec.needs_credentials);
    }
}

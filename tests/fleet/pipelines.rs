//! The seed's example pipelines, step by step, through the bridges' REST doors, against
//! fake vendors over real HTTP. A small runner stands in for the orchestrator: it resolves
//! `${event.…}` / `${steps.…}` references, calls `POST {endpoint}/tools/{tool}` of the
//! bridge serving the step's address, and saves each result under its `save_as` name.
//! Steps whose vendors are not in this fleet (salesforce.query_reports, zendesk) are
//! replaced by their recorded outputs.

use std::collections::HashMap;

use bridge_kit::conformance::TestServer;
use bridge_kit::webhooks::verify;
use bridge_kit::{Bridge, ConfigError, Settings};
use serde_json::{Map, Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The fake vendors and the bridges pointed at them.
struct Fleet {
    servers: HashMap<&'static str, TestServer>,
    github: MockServer,
    slack: MockServer,
    anthropic: MockServer,
    openai: MockServer,
    orchestrator: MockServer,
}

async fn start(
    servers: &mut HashMap<&'static str, TestServer>,
    prefix: &'static str,
    build: fn(&Settings) -> Result<Bridge, ConfigError>,
    settings: &Settings,
) {
    let bridge = build(settings).unwrap_or_else(|e| panic!("{prefix}: {e}"));
    servers.insert(prefix, TestServer::start(bridge, settings).await);
}

impl Fleet {
    async fn start() -> Self {
        let (github, slack, anthropic, openai, orchestrator) = (
            MockServer::start().await,
            MockServer::start().await,
            MockServer::start().await,
            MockServer::start().await,
            MockServer::start().await,
        );
        Mock::given(method("POST"))
            .and(path("/events"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&orchestrator)
            .await;
        let settings = Settings::from_pairs([
            ("GITHUB_TOKEN", "ghp_fleet".to_owned()),
            ("GITHUB_API_URL", github.uri()),
            ("GITHUB_WEBHOOK_SECRET", "hook-secret".to_owned()),
            ("SLACK_BOT_TOKEN", "xoxb-fleet".to_owned()),
            ("SLACK_USER_TOKEN", "xoxp-fleet".to_owned()),
            ("SLACK_API_URL", slack.uri()),
            ("ANTHROPIC_API_KEY", "sk-ant-fleet".to_owned()),
            ("ANTHROPIC_BASE_URL", anthropic.uri()),
            ("OPENAI_API_KEY", "sk-fleet".to_owned()),
            ("OPENAI_BASE_URL", openai.uri()),
            (
                "ORDINAUT_EVENTS_URL",
                format!("{}/events", orchestrator.uri()),
            ),
        ]);
        let mut servers = HashMap::new();
        start(&mut servers, "github", bridge_github::bridge, &settings).await;
        start(&mut servers, "slack", bridge_slack::bridge, &settings).await;
        start(
            &mut servers,
            "anthropic-claude",
            bridge_claude::bridge,
            &settings,
        )
        .await;
        start(
            &mut servers,
            "openai-chatgpt",
            bridge_openai::bridge,
            &settings,
        )
        .await;
        Self {
            servers,
            github,
            slack,
            anthropic,
            openai,
            orchestrator,
        }
    }

    /// Runs one step: `uses` is a catalog address, `with` its (template) arguments.
    async fn step(&self, scope: &Value, uses: &str, with: Value) -> Value {
        let (prefix, tool) = uses.split_once('.').expect("an address");
        let server = self
            .servers
            .get(prefix)
            .unwrap_or_else(|| panic!("no bridge serves {uses}"));
        let arguments = resolve(&with, scope);
        let (status, body) = server.call(tool, &arguments).await;
        assert_eq!(status, 200, "{uses} {arguments}: {body}");
        body
    }
}

/// The value at a dotted path of `scope` (`steps.review.metadata.filtered_issues`).
fn lookup<'a>(scope: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(scope, |value, key| &value[key])
}

/// Replaces `${path}` references: a whole-string reference keeps the value's JSON type;
/// an embedded one is spliced in as text. Jinja blocks are left for the orchestrator.
fn resolve(template: &Value, scope: &Value) -> Value {
    match template {
        Value::String(text) => {
            if let Some(path) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}'))
                && !path.contains("${")
            {
                return lookup(scope, path.trim()).clone();
            }
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let value = lookup(scope, rest[start + 2..start + end].trim());
                match value {
                    Value::String(s) => out.push_str(s),
                    other => out.push_str(&other.to_string()),
                }
                rest = &rest[start + end + 1..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| resolve(i, scope)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve(v, scope)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn save(scope: &mut Value, name: &str, value: Value) {
    scope["steps"][name] = value;
}

async fn requests(server: &MockServer, path_suffix: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with(path_suffix))
        .collect()
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

const DIFF: &str = "diff --git a/app/db.py b/app/db.py\n--- a/app/db.py\n+++ b/app/db.py\n@@ -1,3 +1,4 @@\n def find(user):\n-    return db.execute(\"SELECT * FROM users WHERE id = %s\", user)\n+    query = \"SELECT * FROM users WHERE id = \" + user\n+    return db.execute(query)\n";

async fn mount_pr_review_vendors(fleet: &Fleet) {
    let gh = |m: &'static str, p: &'static str| {
        Mock::given(method(m))
            .and(path(p))
            .and(header("authorization", "Bearer ghp_fleet"))
    };
    gh("GET", "/repos/acme/shop/pulls/7")
        .and(header("accept", "application/vnd.github.diff"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(DIFF, "application/vnd.github.diff"))
        .mount(&fleet.github)
        .await;
    gh("GET", "/repos/acme/shop/pulls/7/files")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"sha": "a1", "filename": "app/db.py", "status": "modified", "additions": 2, "deletions": 1, "changes": 3},
            {"sha": "a2", "filename": "README.md", "status": "modified", "additions": 1, "deletions": 0, "changes": 1}
        ])))
        .mount(&fleet.github)
        .await;
    gh("POST", "/repos/acme/shop/pulls/7/reviews")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 80, "node_id": "PRR_1", "state": "COMMENTED", "body": "…",
            "html_url": "https://github.com/acme/shop/pull/7#pullrequestreview-80",
            "user": {"login": "ordinaut-bot"}, "commit_id": "abc"
        })))
        .mount(&fleet.github)
        .await;
    // The fake model answers the way models do: JSON inside a code fence.
    let review = json!({
        "overall_score": 6,
        "summary": "The query is built by string concatenation.",
        "issues": [
            {"severity": "critical", "category": "security", "line": 3, "description": "SQL injection through string concatenation", "suggestion": "Use a parameterised query"},
            {"severity": "low", "category": "maintainability", "description": "Variable name could be clearer", "suggestion": "Rename query"}
        ],
        "positive_aspects": ["Small, focused change"]
    });
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-fleet"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-sonnet-20240229",
            "content": [{"type": "text", "text": format!("Here is my review:\n```json\n{review}\n```")}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 812, "output_tokens": 164}
        })))
        .mount(&fleet.anthropic)
        .await;
    mount_slack_channels(fleet).await;
}

async fn mount_slack_channels(fleet: &Fleet) {
    Mock::given(method("GET"))
        .and(path("/conversations.list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "channels": [
                {"id": "C0DEV0001", "name": "development"},
                {"id": "C0STANDUP", "name": "daily-standup"},
                {"id": "C0EXEC001", "name": "executives"}
            ],
            "response_metadata": {"next_cursor": ""}
        })))
        .mount(&fleet.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .and(header("authorization", "Bearer xoxb-fleet"))
        .respond_with(|request: &Request| {
            let sent: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": sent["channel"], "ts": "1732260000.000100", "message": {"text": sent["text"]}}))
        })
        .mount(&fleet.slack)
        .await;
}

#[tokio::test]
async fn automated_pr_review_runs_from_the_webhook_to_slack() {
    let fleet = Fleet::start().await;
    mount_pr_review_vendors(&fleet).await;

    // GitHub announces the PR; the github bridge verifies and forwards the event.
    let payload = json!({"action": "opened", "number": 7, "repository": {"full_name": "acme/shop"}, "pull_request": {"title": "Faster user lookup"}});
    let text = payload.to_string();
    let response = reqwest::Client::new()
        .post(fleet.servers["github"].url("/webhooks/github"))
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "delivery-7")
        .header(
            "x-hub-signature-256",
            format!(
                "sha256={}",
                verify::hmac_hex(b"hook-secret", text.as_bytes())
            ),
        )
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .expect("webhook");
    assert_eq!(response.status().as_u16(), 202);
    let mut event = Value::Null;
    for _ in 0..100 {
        if let Some(request) = requests(&fleet.orchestrator, "/events").await.first() {
            event = body(request);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        event["type"], "github.pull_request.opened",
        "the pipeline's trigger arrived"
    );

    // The seed's "Automated PR Review" pipeline, step by step.
    let mut scope = json!({"event": event["payload"], "steps": {}});
    let diff = fleet.step(&scope, "github.get_pull_request_diff", json!({"repository": "${event.repository.full_name}", "pull_number": "${event.number}"})).await;
    save(&mut scope, "diff", diff);
    let files = fleet.step(&scope, "github.get_pr_files", json!({"repository": "${event.repository.full_name}", "pull_number": "${event.number}"})).await;
    assert_eq!(files["primary_language"], "python");
    save(&mut scope, "files", files);
    let review = fleet
        .step(
            &scope,
            "anthropic-claude.code_review",
            json!({
                "code_diff": "${steps.diff.content}",
                "language": "${steps.files.primary_language}",
                "focus_areas": ["security", "performance", "maintainability"],
                "severity_threshold": "medium"
            }),
        )
        .await;
    assert_eq!(review["overall_score"], 6.0);
    assert_eq!(
        review["metadata"]["filtered_issues"], 1,
        "the low issue is below the threshold: {review}"
    );
    assert_eq!(review["issues"][0]["severity"], "critical");
    save(&mut scope, "review", review);
    fleet
        .step(&scope, "github.create_review_comment", json!({
            "repository": "${event.repository.full_name}",
            "pull_number": "${event.number}",
            "body": "## Automated Code Review\n\n**Overall Score:** ${steps.review.overall_score}/10\n\n**Issues Found:** ${steps.review.metadata.filtered_issues}\n\n### Summary\n${steps.review.summary}"
        }))
        .await;
    // `"if": "${steps.review.metadata.filtered_issues > 0}"`
    assert!(
        lookup(&scope, "steps.review.metadata.filtered_issues")
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    fleet
        .step(&scope, "slack.post_message", json!({
            "channel": "#development",
            "message": "Code review completed for PR #${event.number}: **${steps.review.overall_score}/10** (${steps.review.metadata.filtered_issues} issues found)"
        }))
        .await;

    // What the vendors saw.
    let sent_to_claude = body(&requests(&fleet.anthropic, "/v1/messages").await[0]);
    assert!(
        sent_to_claude
            .to_string()
            .contains("SELECT * FROM users WHERE id"),
        "the diff reached the model"
    );
    let review_post = body(&requests(&fleet.github, "/pulls/7/reviews").await[0]);
    assert!(
        review_post["body"]
            .as_str()
            .unwrap_or("")
            .contains("**Overall Score:** 6.0/10"),
        "{review_post}"
    );
    let slack_post = body(&requests(&fleet.slack, "/chat.postMessage").await[0]);
    assert_eq!(slack_post["channel"], "C0DEV0001");
    assert_eq!(
        slack_post["text"],
        "Code review completed for PR #7: **6.0/10** (1 issues found)"
    );
}

#[tokio::test]
async fn daily_standup_runs_through_the_enterprise_door() {
    let fleet = Fleet::start().await;
    mount_slack_channels(&fleet).await;
    Mock::given(method("POST"))
        .and(path("/reminders.add"))
        .and(header("authorization", "Bearer xoxp-fleet"))
        .and(body_string_contains("in 30 minutes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "reminder": {"id": "Rm1", "text": "Standup follow-up: Check if everyone has contributed", "time": 1_900_000_000, "recurring": false}})))
        .expect(1)
        .mount(&fleet.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.scheduleMessage"))
        .respond_with(|request: &Request| {
            let sent: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": sent["channel"], "scheduled_message_id": "Q1298393284", "post_at": sent["post_at"]}))
        })
        .expect(1)
        .mount(&fleet.slack)
        .await;
    let scope = json!({"steps": {}});
    let blocks = json!([
        {"type": "header", "text": {"type": "plain_text", "text": "Daily Standup"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Good morning team! Please share:\n\n• *What you completed yesterday*\n• *What you're working on today*\n• *Any blockers or challenges*"}},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "I'm Ready"}, "action_id": "standup_ready", "style": "primary"},
            {"type": "button", "text": {"type": "plain_text", "text": "Running Late"}, "action_id": "standup_late"}
        ]}
    ]);
    let posted = fleet
        .step(&scope, "slack.enterprise", json!({"action": "post_message", "channel": "#daily-standup", "message": "Daily Standup - 2026-11-23", "blocks": blocks}))
        .await;
    assert_eq!(posted["channel"], "C0STANDUP");
    fleet
        .step(&scope, "slack.enterprise", json!({"action": "set_reminder", "text": "Standup follow-up: Check if everyone has contributed", "time": "in 30 minutes"}))
        .await;
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let scheduled = fleet
        .step(&scope, "slack.enterprise", json!({"action": "schedule_message", "channel": "#daily-standup", "message": "Standup Summary: I'll analyze today's standup responses and post a summary in 1 hour.", "scheduled_time": in_an_hour}))
        .await;
    assert_eq!(scheduled["scheduled_message_id"], "Q1298393284");
    let post = body(&requests(&fleet.slack, "/chat.postMessage").await[0]);
    assert_eq!(post["blocks"], blocks, "blocks reach Slack unchanged");
}

#[tokio::test]
async fn weekly_business_intelligence_report_analyzes_and_briefs_executives() {
    let fleet = Fleet::start().await;
    mount_slack_channels(&fleet).await;
    let answer = json!({"analysis": "Revenue grew 8% week over week; ticket resolution slowed. Recommendations: 1) staff support on Mondays 2) …", "confidence": 0.82});
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(header("authorization", "Bearer sk-fleet"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_732_260_000, "model": "gpt-4",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer.to_string()}}],
            "usage": {"prompt_tokens": 420, "completion_tokens": 96, "total_tokens": 516}
        })))
        .expect(1)
        .mount(&fleet.openai)
        .await;
    // salesforce.query_reports and zendesk.get_metrics are not bridges of this fleet yet:
    // their outputs are recorded.
    let mut scope = json!({"steps": {
        "sales": {"data": {"week": "2026-W47", "revenue_mdl": "1250400.00", "deals_won": 14}},
        "support": {"metrics": {"resolution_time_hours": 7.5, "satisfaction_score": 4.4}}
    }});
    let analysis = fleet
        .step(&scope, "openai-chatgpt.analyze", json!({
            "prompt": "Analyze weekly business performance and identify key trends, risks, and opportunities. Provide 3-5 actionable recommendations.",
            "context": {"sales_data": "${steps.sales.data}", "support_metrics": "${steps.support.metrics}", "department": "executive"},
            "model": "gpt-4"
        }))
        .await;
    assert_eq!(analysis["confidence"], 0.82);
    assert_eq!(analysis["token_usage"]["total_tokens"], 516);
    save(&mut scope, "analysis", analysis);
    fleet
        .step(&scope, "slack.post_message", json!({
            "channel": "#executives",
            "message": "*Weekly Business Intelligence Report*\n\n${steps.analysis.analysis}\n\n*Confidence: ${steps.analysis.confidence}*",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly Business Intelligence Report*"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "${steps.analysis.analysis}"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Confidence: ${steps.analysis.confidence} | Tokens: ${steps.analysis.token_usage.total_tokens}"}]}
            ]
        }))
        .await;
    let sent = body(&requests(&fleet.openai, "/chat/completions").await[0]);
    assert!(
        sent.to_string().contains("1250400.00"),
        "the context reached the model: {sent}"
    );
    let post = body(&requests(&fleet.slack, "/chat.postMessage").await[0]);
    assert_eq!(post["channel"], "C0EXEC001");
    assert_eq!(
        post["blocks"][2]["elements"][0]["text"],
        "Confidence: 0.82 | Tokens: 516"
    );
}

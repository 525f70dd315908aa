//! claude bridge against a fake Anthropic Messages API over real HTTP: what we send,
//! every answer shape models really give, vendor errors (429, 529, 401, prompt too
//! long), retries, deadlines and token metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_claude::{Analyze, CodeReview};
use bridge_kit::conformance::{Conformance, TestServer};
use bridge_kit::{Bridge, ErrorCode, Settings, Tool, ToolContext};
use bridge_openai::llm::LlmMetrics;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-test-secret-0123456789";
const MESSAGES: &str = "/v1/messages";

fn settings(anthropic: &MockServer) -> Settings {
    Settings::from_pairs([
        ("ANTHROPIC_API_KEY", KEY.to_owned()),
        ("ANTHROPIC_BASE_URL", anthropic.uri()),
    ])
}

async fn serve(anthropic: &MockServer) -> TestServer {
    let settings = settings(anthropic);
    let bridge = bridge_claude::bridge(&settings).expect("bridge builds");
    TestServer::start(bridge, &settings).await
}

/// A Messages API answer as Anthropic sends it.
fn message(text: &str) -> Value {
    json!({
        "id": "msg_01test",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-sonnet-20240229",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": 200, "output_tokens": 80}
    })
}

fn anthropic_error(status: u16, kind: &str, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error",
        "error": {"type": kind, "message": text}
    }))
}

async fn fake_answering(text: &str) -> MockServer {
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(text)))
        .mount(&anthropic)
        .await;
    anthropic
}

const REVIEW: &str = r#"{"overall_score": 7, "issues": [
  {"severity": "high", "category": "security", "description": "User input reaches the SQL string", "line_numbers": [1], "suggestion": "Use a parameterised query"},
  {"severity": "low", "category": "style", "description": "Name is vague", "line_numbers": [1], "suggestion": "Rename"}
], "positive_aspects": ["Small change"], "summary": "Fix the injection before merging."}"#;
const ANALYSIS: &str = r#"{"analysis": "Sales are flat.", "confidence": 0.6}"#;

fn review_args() -> Value {
    json!({
        "code_diff": "+cursor.execute(\"SELECT * FROM t WHERE id=\" + request.args[\"id\"])\n",
        "language": "python",
        "focus_areas": ["security", "performance", "maintainability"],
        "severity_threshold": "medium"
    })
}

fn analyze_args() -> Value {
    json!({"prompt": "How are sales?", "context": {"week": 12, "sales": [10, 11, 10]}})
}

async fn assert_output_schema(server: &TestServer, tool: &str, body: &Value) {
    let catalog: Value = reqwest::get(server.url("/tools"))
        .await
        .expect("GET /tools")
        .json()
        .await
        .expect("catalog JSON");
    let entry = catalog
        .as_array()
        .and_then(|entries| {
            entries
                .iter()
                .find(|e| e["address"] == format!("anthropic-claude.{tool}"))
        })
        .expect("tool in catalog");
    let validator = jsonschema::validator_for(&entry["output_schema"]).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{tool} output breaks its schema: {errors:?}\n{body}"
    );
}

/// Requests whose body contains `marker`.
async fn requests_with(anthropic: &MockServer, marker: &str) -> Vec<wiremock::Request> {
    anthropic
        .received_requests()
        .await
        .expect("recorded")
        .into_iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains(marker))
        .collect()
}

#[tokio::test]
async fn conformance() {
    let anthropic = MockServer::start().await;
    Mock::given(body_string_contains("code review"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(REVIEW)))
        .mount(&anthropic)
        .await;
    Mock::given(body_string_contains("business intelligence"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(ANALYSIS)))
        .mount(&anthropic)
        .await;
    Conformance::new(bridge_claude::bridge)
        .settings(settings(&anthropic))
        .sample("code_review", review_args())
        .sample(
            "code_review",
            json!({"code_diff": "+x", "language": "rust"}),
        )
        .sample("analyze", analyze_args())
        .sample(
            "analyze",
            json!({"prompt": "x", "context": {}, "model": "gpt-4"}),
        )
        .run()
        .await;
}

#[tokio::test]
async fn code_review_sends_a_messages_request_and_filters_by_severity() {
    let anthropic = fake_answering(REVIEW).await;
    let server = serve(&anthropic).await;
    let (status, body) = server.call("code_review", &review_args()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["overall_score"], 7.0);
    assert_eq!(
        body["issues"].as_array().map(Vec::len),
        Some(1),
        "low is below medium"
    );
    assert_eq!(
        body["issues"][0],
        json!({"severity": "high", "category": "security",
               "description": "User input reaches the SQL string", "line_numbers": [1],
               "suggestion": "Use a parameterised query"})
    );
    assert_eq!(body["positive_aspects"], json!(["Small change"]));
    assert_eq!(body["summary"], "Fix the injection before merging.");
    assert_eq!(body["metadata"]["total_issues"], 2);
    assert_eq!(body["metadata"]["filtered_issues"], 1);
    assert_eq!(body["metadata"]["language"], "python");
    assert_eq!(
        body["token_usage"],
        json!({"prompt_tokens": 200, "completion_tokens": 80, "total_tokens": 280})
    );
    assert_eq!(body["provider"], "anthropic");
    assert_eq!(body["model"], "claude-3-sonnet-20240229");
    assert_eq!(body["parse_status"], "ok");
    assert_output_schema(&server, "code_review", &body).await;

    let requests = anthropic.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let head = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), MESSAGES);
    assert_eq!(head("x-api-key"), Some(KEY));
    assert_eq!(head("anthropic-version"), Some("2023-06-01"));
    assert_eq!(head("content-type"), Some("application/json"));
    assert_eq!(
        head("authorization"),
        None,
        "Anthropic takes x-api-key, not a bearer"
    );
    let sent: Value = request.body_json().expect("JSON body");
    let mut fields: Vec<&str> = sent
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["max_tokens", "messages", "model", "system", "temperature"]
    );
    assert_eq!(
        sent["model"], "claude-3-sonnet-20240229",
        "the seed's default"
    );
    assert_eq!(sent["max_tokens"], 2000);
    assert_eq!(sent["temperature"], 0.2);
    let system = sent["system"].as_str().unwrap_or("");
    assert!(system.contains("Language: python"));
    assert!(system.contains("Focus areas: security, performance, maintainability"));
    assert!(system.contains("Minimum severity: medium"));
    assert!(system.contains("\"overall_score\""));
    assert_eq!(sent["messages"].as_array().map(Vec::len), Some(1));
    assert_eq!(sent["messages"][0]["role"], "user");
    assert_eq!(
        sent["messages"][0]["content"],
        format!(
            "Please review this python code diff:\n\n```python\n{}\n```",
            review_args()["code_diff"].as_str().unwrap_or("")
        )
    );
}

#[tokio::test]
async fn every_review_answer_shape_is_read_without_inventing_values() {
    let anthropic = MockServer::start().await;
    let fenced = format!("Here is my review:\n\n```json\n{REVIEW}\n```");
    let prose = format!("{REVIEW}\n\nOverall the change is small but risky.");
    let cases: [(&str, &str, &str, Value, &str); 8] = [
        ("clean", REVIEW, "ok", json!(7.0), ""),
        ("fenced", &fenced, "repaired", json!(7.0), "code fence"),
        ("prose", &prose, "repaired", json!(7.0), "text around"),
        (
            "invalid",
            "{\"overall_score\": 7, \"issues\": [ {\"severity\": \"high\" ",
            "unparsed",
            Value::Null,
            "never closed",
        ),
        (
            "notjson",
            "The code looks fine to me; I have no JSON to give.",
            "unparsed",
            Value::Null,
            "no JSON object",
        ),
        (
            "missing",
            r#"{"overall_score": 8}"#,
            "partial",
            json!(8.0),
            "issues was missing",
        ),
        (
            "range",
            r#"{"overall_score": 72, "issues": [], "positive_aspects": [], "summary": "Good."}"#,
            "partial",
            Value::Null,
            "72 is outside 0..10",
        ),
        (
            "severity",
            r#"{"overall_score": 5, "issues": [{"severity": "MAJOR", "description": "Unbounded loop"}, {"severity": "Critical", "description": "Secret in code"}], "positive_aspects": [], "summary": "Two problems."}"#,
            "partial",
            json!(5.0),
            "kept as unknown",
        ),
    ];
    for (case, text, _, _, _) in &cases {
        Mock::given(body_string_contains(format!("case-{case}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(message(text)))
            .mount(&anthropic)
            .await;
    }
    let server = serve(&anthropic).await;
    for (case, text, status_name, score, warning) in &cases {
        let mut args = review_args();
        args["code_diff"] = json!(format!("+ case-{case}\n"));
        let (status, body) = server.call("code_review", &args).await;
        assert_eq!(status, 200, "{case}: {body}");
        assert_eq!(body["parse_status"], *status_name, "{case}: {body}");
        assert_eq!(body["overall_score"], *score, "{case}: {body}");
        assert!(
            body["warnings"].to_string().contains(warning),
            "{case}: {body}"
        );
        assert_output_schema(&server, "code_review", &body).await;
        match *case {
            "invalid" | "notjson" => {
                assert_eq!(body["summary"], text.trim(), "{case}");
                assert_eq!(body["issues"], json!([]));
                assert_eq!(body["metadata"]["total_issues"], 0);
            }
            "missing" => {
                assert_eq!(body["summary"], "");
                assert_eq!(body["issues"], json!([]));
                assert_eq!(body["positive_aspects"], json!([]));
            }
            "severity" => {
                let issues = &body["issues"];
                assert_eq!(issues[0]["severity"], "unknown");
                assert_eq!(issues[0]["reported_severity"], "MAJOR");
                assert_eq!(issues[1]["severity"], "critical");
                assert!(issues[1].get("reported_severity").is_none());
                assert_eq!(body["metadata"]["filtered_issues"], 2);
            }
            "range" => {
                // The rest of the answer is still used.
                assert_eq!(body["summary"], "Good.");
                assert_eq!(body["issues"], json!([]));
            }
            _ => {
                assert_eq!(
                    body["summary"], "Fix the injection before merging.",
                    "{case}"
                );
                assert_eq!(body["metadata"]["filtered_issues"], 1, "{case}");
            }
        }
        assert_eq!(body["token_usage"]["total_tokens"], 280, "{case}");
    }
}

#[tokio::test]
async fn analyze_runs_on_claude_with_claude_models_only() {
    let anthropic = fake_answering(ANALYSIS).await;
    let server = serve(&anthropic).await;
    let mut args = analyze_args();
    args["model"] = json!("gpt-4");
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["violations"][0]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.contains("claude-sonnet-4-5") && message.contains("ANTHROPIC_ALLOWED_MODELS"),
        "{message}"
    );
    assert!(
        anthropic
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );

    args["model"] = json!("claude-haiku-4-5");
    args["temperature"] = json!(0.0);
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["analysis"], "Sales are flat.");
    assert_eq!(body["confidence"], 0.6);
    assert_eq!(body["provider"], "anthropic");
    assert_eq!(body["parse_status"], "ok");
    assert_output_schema(&server, "analyze", &body).await;
    let requests = anthropic.received_requests().await.expect("recorded");
    let sent: Value = requests[0].body_json().expect("JSON");
    assert_eq!(sent["model"], "claude-haiku-4-5");
    assert_eq!(sent["temperature"], 0.0);
    assert_eq!(sent["messages"][0]["content"], "How are sales?");
    assert!(
        sent["system"]
            .as_str()
            .unwrap_or("")
            .ends_with(r#"{"sales":[10,11,10],"week":12}"#)
    );
}

#[tokio::test]
async fn several_text_blocks_are_one_answer_and_a_cut_off_is_reported() {
    let anthropic = MockServer::start().await;
    let mut answer = message("");
    answer["content"] = json!([
        {"type": "thinking", "thinking": "{\"not\": \"the answer\"}", "signature": "x"},
        {"type": "text", "text": "{\"analysis\": \"Sales are"},
        {"type": "text", "text": " flat.\", \"confidence\": 0.5}"}
    ]);
    answer["stop_reason"] = json!("max_tokens");
    Mock::given(path(MESSAGES))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&anthropic)
        .await;
    let server = serve(&anthropic).await;
    let (status, body) = server.call("analyze", &analyze_args()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["analysis"], "Sales are flat.");
    assert_eq!(body["confidence"], 0.5);
    assert!(
        body["warnings"]
            .to_string()
            .contains("ANTHROPIC_MAX_TOKENS=2000"),
        "{body}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let anthropic = MockServer::start().await;
    Mock::given(path(MESSAGES))
        .respond_with(
            anthropic_error(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
            )
            .insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .mount(&anthropic)
        .await;
    Mock::given(path(MESSAGES))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(REVIEW)))
        .mount(&anthropic)
        .await;
    let server = serve(&anthropic).await;
    let started = Instant::now();
    let (status, body) = server.call("code_review", &review_args()).await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(
        anthropic.received_requests().await.expect("recorded").len(),
        2
    );
}

#[tokio::test]
async fn overloaded_529_is_retried_and_reported_as_unavailable_if_it_persists() {
    let anthropic = MockServer::start().await;
    Mock::given(body_string_contains("case-once"))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .up_to_n_times(1)
        .mount(&anthropic)
        .await;
    Mock::given(body_string_contains("case-once"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(REVIEW)))
        .mount(&anthropic)
        .await;
    Mock::given(body_string_contains("case-always"))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .mount(&anthropic)
        .await;
    let server = serve(&anthropic).await;
    let mut args = review_args();
    args["code_diff"] = json!("+ case-once\n");
    let (status, body) = server.call("code_review", &args).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(requests_with(&anthropic, "case-once").await.len(), 2);

    args["code_diff"] = json!("+ case-always\n");
    let (status, body) = server.call("code_review", &args).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "upstream_unavailable");
    assert_eq!(body["error"]["retryable"], true);
    assert_eq!(
        body["error"]["upstream"],
        json!({"service": "anthropic", "status": 529})
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("overloaded_error")
    );
    assert_eq!(
        requests_with(&anthropic, "case-always").await.len(),
        3,
        "MAX_ATTEMPTS"
    );
}

#[tokio::test]
async fn vendor_errors_are_classified_and_possibly_billed_calls_never_repeated() {
    let anthropic = MockServer::start().await;
    let cases = [
        (
            "key",
            anthropic_error(401, "authentication_error", "invalid x-api-key"),
        ),
        (
            "long",
            anthropic_error(
                400,
                "invalid_request_error",
                "prompt is too long: 215041 tokens > 200000 maximum",
            ),
        ),
        (
            "credit",
            anthropic_error(
                400,
                "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API.",
            ),
        ),
        (
            "model",
            anthropic_error(404, "not_found_error", "model: claude-3-sonnet-20240229"),
        ),
        (
            "api",
            anthropic_error(500, "api_error", "Internal server error"),
        ),
    ];
    for (case, response) in cases {
        Mock::given(body_string_contains(format!("case-{case}")))
            .respond_with(response)
            .mount(&anthropic)
            .await;
    }
    let server = serve(&anthropic).await;
    let expected = [
        (
            "key",
            502,
            "upstream_credential_rejected",
            "ANTHROPIC_API_KEY",
        ),
        ("long", 422, "invalid_arguments", "215041 tokens"),
        ("credit", 403, "forbidden", "credit"),
        (
            "model",
            503,
            "not_configured",
            "ANTHROPIC_MODEL=claude-3-sonnet-20240229",
        ),
        ("api", 502, "upstream_unavailable", "api_error"),
    ];
    for (case, status, code, fragment) in expected {
        let mut args = review_args();
        args["code_diff"] = json!(format!("+ case-{case}\n"));
        let (got, body) = server.call("code_review", &args).await;
        assert_eq!(got, status, "{case}: {body}");
        assert_eq!(body["error"]["code"], code, "{case}: {body}");
        assert!(body.to_string().contains(fragment), "{case}: {body}");
        assert!(!body.to_string().contains(KEY), "{case}: the key leaked");
        assert_eq!(
            requests_with(&anthropic, &format!("case-{case}"))
                .await
                .len(),
            1,
            "{case}"
        );
        if case == "long" {
            assert_eq!(
                body["error"]["violations"][0]["path"], "/code_diff",
                "{body}"
            );
            assert!(
                body["error"]["details"]["prompt_characters"]
                    .as_u64()
                    .unwrap_or(0)
                    > 0
            );
        }
    }
}

/// The tools, driven directly under a short deadline (the catalog's 45–60 s would make
/// the test that slow; bridge-kit gives every call the same `ToolContext`).
fn tools(anthropic: &MockServer) -> (CodeReview, Analyze) {
    let settings = settings(anthropic);
    let mut builder = Bridge::builder("claude", "anthropic-claude", 8092, &settings);
    let provider =
        Arc::new(bridge_claude::anthropic(&mut builder, LlmMetrics::default()).expect("provider"));
    (
        CodeReview::new(Arc::clone(&provider)),
        Analyze::new(provider),
    )
}

#[tokio::test]
async fn a_silent_vendor_times_out_within_the_deadline() {
    let anthropic = MockServer::start().await;
    Mock::given(path(MESSAGES))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(message(REVIEW))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&anthropic)
        .await;
    let (review, _) = tools(&anthropic);
    let ctx = ToolContext::new("timeout-test", Duration::from_secs(2));
    let args = serde_json::from_value(review_args()).expect("args");
    let started = Instant::now();
    let error = review.call(&ctx, args).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert_eq!(error.code(), ErrorCode::Timeout, "{error}");
    assert!(
        elapsed >= Duration::from_millis(1900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(
        anthropic.received_requests().await.expect("recorded").len(),
        1
    );
}

#[tokio::test]
async fn retries_stop_when_the_deadline_could_not_fit_another_attempt() {
    let anthropic = MockServer::start().await;
    Mock::given(path(MESSAGES))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .mount(&anthropic)
        .await;
    let (_, analyze) = tools(&anthropic);
    // Less than one backoff plus the time an attempt needs: no retry at all.
    let ctx = ToolContext::new("deadline-test", Duration::from_secs(4));
    let args = serde_json::from_value(analyze_args()).expect("args");
    let started = Instant::now();
    let error = analyze.call(&ctx, args).await.expect_err("overloaded");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.code(), ErrorCode::UpstreamUnavailable);
    assert_eq!(
        anthropic.received_requests().await.expect("recorded").len(),
        1
    );
}

#[tokio::test]
async fn tokens_are_counted_by_provider_model_and_kind() {
    let anthropic = fake_answering(REVIEW).await;
    let server = serve(&anthropic).await;
    for _ in 0..3 {
        let (status, body) = server.call("code_review", &review_args()).await;
        assert_eq!(status, 200, "{body}");
    }
    let text = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let value = |kind: &str| {
        let series = format!(
            r#"bridge_llm_tokens_total{{provider="anthropic",model="claude-3-sonnet-20240229",kind="{kind}"}} "#
        );
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    assert_eq!(value("prompt"), Some(600.0), "{text}");
    assert_eq!(value("completion"), Some(240.0), "{text}");
}

#[tokio::test]
async fn catalog_entries_carry_the_seeds_metadata() {
    let anthropic = MockServer::start().await;
    let server = serve(&anthropic).await;
    let catalog: Value = reqwest::get(server.url("/tools"))
        .await
        .expect("GET /tools")
        .json()
        .await
        .expect("catalog JSON");
    let summary: Vec<Value> = catalog
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            json!([
                e["address"],
                e["endpoint"],
                e["timeout_seconds"],
                e["cost_tier"],
                e["scopes"],
                e["input_schema"]["required"],
                e["authentication"]["header"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "anthropic-claude.code_review",
                "http://claude-bridge:8092/tools/code_review",
                45,
                "high",
                ["llm.anthropic", "code.review"],
                ["code_diff", "language"],
                "x-api-key"
            ]),
            json!([
                "anthropic-claude.analyze",
                "http://claude-bridge:8092/tools/analyze",
                60,
                "high",
                ["llm.anthropic"],
                ["prompt", "context"],
                "x-api-key"
            ]),
        ]
    );
}

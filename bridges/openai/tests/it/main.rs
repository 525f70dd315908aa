//! openai bridge against a fake OpenAI over real HTTP: what we send (checked against the
//! official CreateChatCompletionRequest schema), every answer shape models really give,
//! vendor errors, retries, deadlines and token metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_kit::conformance::{Conformance, TestServer};
use bridge_kit::{Bridge, ErrorCode, Settings, Tool, ToolContext};
use bridge_openai::llm::LlmMetrics;
use bridge_openai::{Analyze, CodeReview};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-secret-0123456789";
const COMPLETIONS: &str = "/v1/chat/completions";

/// The official request schema, extracted once from shared/specs/openai/openapi.yaml
/// (see tests/fixtures/extract_chat_request_schema.py).
const REQUEST_SCHEMA: &str = include_str!("../fixtures/create_chat_completion_request.schema.json");

fn settings(openai: &MockServer) -> Settings {
    Settings::from_pairs([
        ("OPENAI_API_KEY", KEY.to_owned()),
        ("OPENAI_BASE_URL", format!("{}/v1", openai.uri())),
        ("OPENAI_ORGANIZATION", "org-test".to_owned()),
        ("OPENAI_PROJECT", "proj_test".to_owned()),
    ])
}

async fn serve_with(settings: &Settings) -> TestServer {
    let bridge = bridge_openai::bridge(settings).expect("bridge builds");
    TestServer::start(bridge, settings).await
}

async fn serve(openai: &MockServer) -> TestServer {
    serve_with(&settings(openai)).await
}

/// A chat completion as OpenAI sends it.
fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    })
}

async fn fake_answering(content: &str) -> MockServer {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(content)))
        .mount(&openai)
        .await;
    openai
}

/// An OpenAI error answer.
fn openai_error(status: u16, message: &str, kind: &str, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": null, "code": code}
    }))
}

const CLEAN: &str = r#"{"analysis": "Revenue grew 4% week over week; support resolution time worsened.", "confidence": 0.82}"#;
const REVIEW: &str = r#"{"overall_score": 6.5, "issues": [
  {"severity": "critical", "category": "security", "description": "SQL built by string concatenation", "line_numbers": [3], "suggestion": "Use parameters"},
  {"severity": "Low", "category": "style", "description": "Long line", "line_numbers": [9], "suggestion": "Wrap it"},
  {"severity": "blocker", "category": "performance", "description": "Query in a loop", "line_numbers": ["12-13"], "suggestion": "Batch it"}
], "positive_aspects": ["Clear names"], "summary": "One serious problem."}"#;

fn analyze_args() -> Value {
    json!({
        "prompt": "Analyze weekly business performance and identify key trends.",
        "context": {"sales_data": {"total": 125000, "regions": ["north", "south"]}, "department": "executive"},
        "model": "gpt-4o-mini",
        "temperature": 0.2
    })
}

fn review_args() -> Value {
    json!({
        "code_diff": "+query = \"SELECT * FROM users WHERE id = \" + user_id\n",
        "language": "python",
        "focus_areas": ["security"],
        "severity_threshold": "medium"
    })
}

/// Checks `body` against the output schema the bridge advertises for `tool`.
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
                .find(|e| e["address"] == format!("openai-chatgpt.{tool}"))
        })
        .expect("tool in catalog");
    let validator = jsonschema::validator_for(&entry["output_schema"]).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{tool} output breaks its schema: {errors:?}\n{body}"
    );
}

/// The one request the fake received, as JSON.
async fn only_request(openai: &MockServer) -> (wiremock::Request, Value) {
    let requests = openai.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1, "exactly one call to OpenAI");
    let body: Value = requests[0].body_json().expect("JSON body");
    (requests[0].clone(), body)
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Top-level property names the schema declares (through `allOf` and `$ref`).
fn declared_properties(schema: &Value, node: &Value, names: &mut Vec<String>) {
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference.trim_start_matches("#/$defs/");
        declared_properties(schema, &schema["$defs"][name], names);
    }
    if let Some(properties) = node["properties"].as_object() {
        names.extend(properties.keys().cloned());
    }
    for part in node["allOf"].as_array().into_iter().flatten() {
        declared_properties(schema, part, names);
    }
}

/// Validates a request body against the official schema, and checks every field we send
/// is one it declares (the schema allows unknown fields, OpenAI does not).
fn assert_valid_chat_request(body: &Value) {
    let schema: Value = serde_json::from_str(REQUEST_SCHEMA).expect("fixture is JSON");
    let validator = jsonschema::validator_for(&schema).expect("official schema compiles");
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "request breaks CreateChatCompletionRequest: {errors:?}"
    );
    let mut declared = Vec::new();
    declared_properties(&schema, &schema, &mut declared);
    for field in body.as_object().expect("object").keys() {
        assert!(
            declared.contains(field),
            "{field} is not a CreateChatCompletionRequest property"
        );
    }
}

#[tokio::test]
async fn conformance() {
    let openai = MockServer::start().await;
    Mock::given(body_string_contains("code review"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(REVIEW)))
        .mount(&openai)
        .await;
    Mock::given(body_string_contains("business intelligence"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(CLEAN)))
        .mount(&openai)
        .await;
    Conformance::new(bridge_openai::bridge)
        .settings(settings(&openai))
        .sample("analyze", analyze_args())
        .sample(
            "analyze",
            json!({"prompt": "x", "context": {}, "model": "gpt-5"}),
        )
        .sample("code_review", review_args())
        .run()
        .await;
}

#[tokio::test]
async fn analyze_sends_a_valid_json_mode_chat_completion() {
    let openai = fake_answering(CLEAN).await;
    let server = serve(&openai).await;
    let (status, body) = server.call("analyze", &analyze_args()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["analysis"],
        "Revenue grew 4% week over week; support resolution time worsened."
    );
    assert_eq!(body["confidence"], 0.82);
    assert_eq!(
        body["token_usage"],
        json!({"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150})
    );
    assert_eq!(body["model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(body["provider"], "openai");
    assert_eq!(body["parse_status"], "ok");
    assert_eq!(body["warnings"], json!([]));
    assert!(body.get("extra").is_none(), "{body}");
    assert_output_schema(&server, "analyze", &body).await;

    let (request, sent) = only_request(&openai).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), COMPLETIONS);
    assert_eq!(
        header(&request, "authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    assert_eq!(header(&request, "openai-organization"), Some("org-test"));
    assert_eq!(header(&request, "openai-project"), Some("proj_test"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    assert_valid_chat_request(&sent);
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(sent["temperature"], 0.2);
    assert_eq!(sent["max_completion_tokens"], 2000);
    assert_eq!(sent["response_format"], json!({"type": "json_object"}));
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": analyze_args()["prompt"]})
    );
    let system = sent["messages"][0]["content"]
        .as_str()
        .expect("system text");
    // JSON mode requires the word JSON in the messages; the context is compact, sorted.
    assert!(system.contains("JSON"));
    assert!(system.ends_with(
        r#"Context data:
{"department":"executive","sales_data":{"regions":["north","south"],"total":125000}}"#
    ));
}

#[tokio::test]
async fn legacy_gpt_4_gets_json_instructions_without_json_mode() {
    let openai = fake_answering(CLEAN).await;
    let server = serve(&openai).await;
    // No `model`: OPENAI_MODEL's default, the seed's gpt-4, which rejects JSON mode.
    let args = json!({"prompt": "Summarise.", "context": {"a": 1}});
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 200, "{body}");
    let (_, sent) = only_request(&openai).await;
    assert_valid_chat_request(&sent);
    assert_eq!(sent["model"], "gpt-4");
    assert_eq!(sent["temperature"], 0.7, "the seed's default temperature");
    assert!(sent.get("response_format").is_none(), "{sent}");
    assert!(
        sent["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .contains("one JSON object")
    );
}

#[tokio::test]
async fn models_outside_the_allow_list_are_rejected_before_any_call() {
    let openai = fake_answering(CLEAN).await;
    let server = serve(&openai).await;
    let mut args = analyze_args();
    args["model"] = json!("gpt-5-pro");
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 422, "{body}");
    let violation = &body["error"]["violations"][0];
    assert_eq!(violation["path"], "/model");
    let message = violation["message"].as_str().unwrap_or("");
    assert!(message.contains("gpt-5-pro"), "{message}");
    assert!(
        message.contains("gpt-4, gpt-4-turbo, gpt-3.5-turbo, gpt-4o, gpt-4o-mini"),
        "{message}"
    );
    assert!(
        openai
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );

    // The list is configuration: a self-hosted model allowed, the seed's models not.
    let settings = settings(&openai)
        .with("OPENAI_MODEL", "llama-3.3-70b")
        .with("OPENAI_ALLOWED_MODELS", "qwen-2.5-coder");
    let server = serve_with(&settings).await;
    args["model"] = json!("gpt-4");
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["details"]["allowed_models"],
        json!(["llama-3.3-70b", "qwen-2.5-coder"])
    );
    args["model"] = json!("qwen-2.5-coder");
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 200, "{body}");
    let (_, sent) = only_request(&openai).await;
    assert_eq!(sent["model"], "qwen-2.5-coder");
    assert_eq!(sent["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn every_answer_shape_is_read_without_inventing_values() {
    let openai = MockServer::start().await;
    let cases: [(&str, String, &str, Value, &str); 8] = [
        ("clean", CLEAN.to_owned(), "ok", json!(0.82), ""),
        (
            "fenced",
            format!("```json\n{CLEAN}\n```"),
            "repaired",
            json!(0.82),
            "code fence",
        ),
        (
            "prose",
            format!("Here is my analysis:\n{CLEAN}\nLet me know if you need more."),
            "repaired",
            json!(0.82),
            "text around",
        ),
        (
            "invalid",
            r#"{"analysis": "Revenue grew", "confidence": 0.8,, oops"#.to_owned(),
            "unparsed",
            json!(0.0),
            "not the requested JSON",
        ),
        (
            "missing",
            r#"{"analysis": "Revenue grew 4%."}"#.to_owned(),
            "partial",
            json!(0.0),
            "confidence was missing",
        ),
        (
            "range",
            r#"{"analysis": "Revenue grew 4%.", "confidence": 85}"#.to_owned(),
            "partial",
            json!(0.0),
            "85 is outside 0..1",
        ),
        (
            "string",
            r#"{"analysis": "Revenue grew 4%.", "confidence": "0.7", "recommendations": ["Hire"]}"#
                .to_owned(),
            "repaired",
            json!(0.7),
            "was the string",
        ),
        (
            "noanalysis",
            r#"{"insights": "Revenue grew 4%.", "confidence": 0.9}"#.to_owned(),
            "partial",
            json!(0.9),
            "analysis was missing",
        ),
    ];
    for (case, content, _, _, _) in &cases {
        Mock::given(body_string_contains(format!("case-{case}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(completion(content)))
            .mount(&openai)
            .await;
    }
    let server = serve(&openai).await;
    for (case, content, status_name, confidence, warning) in &cases {
        let mut args = analyze_args();
        args["prompt"] = json!(format!("Analyze case-{case}."));
        let (status, body) = server.call("analyze", &args).await;
        assert_eq!(status, 200, "{case}: {body}");
        assert_eq!(body["parse_status"], *status_name, "{case}: {body}");
        assert_eq!(body["confidence"], *confidence, "{case}: {body}");
        let warnings = body["warnings"].to_string();
        assert!(warnings.contains(warning), "{case}: {warnings}");
        assert_output_schema(&server, "analyze", &body).await;
        match *case {
            "invalid" | "noanalysis" => assert_eq!(body["analysis"], content.trim(), "{case}"),
            _ => assert_eq!(
                body["analysis"]
                    .as_str()
                    .map(|a| a.starts_with("Revenue grew")),
                Some(true),
                "{case}: {body}"
            ),
        }
        if *case == "string" {
            assert_eq!(body["extra"], json!({"recommendations": ["Hire"]}));
        }
        // Tokens were spent whatever the answer's shape.
        assert_eq!(body["token_usage"]["total_tokens"], 150, "{case}");
    }
}

#[tokio::test]
async fn refusals_and_cut_off_answers_are_reported() {
    let openai = MockServer::start().await;
    let mut refusal = completion("");
    refusal["choices"][0]["message"] =
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
    Mock::given(body_string_contains("case-refusal"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refusal))
        .mount(&openai)
        .await;
    let mut cut = completion(r#"{"analysis": "Revenue grew by"#);
    cut["choices"][0]["finish_reason"] = json!("length");
    Mock::given(body_string_contains("case-cut"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cut))
        .mount(&openai)
        .await;
    let server = serve(&openai).await;
    let mut args = analyze_args();
    args["prompt"] = json!("case-refusal");
    let (_, body) = server.call("analyze", &args).await;
    assert_eq!(body["parse_status"], "unparsed", "{body}");
    assert_eq!(body["analysis"], "I can't help with that.");
    assert!(body["warnings"].to_string().contains("refused"));
    args["prompt"] = json!("case-cut");
    let (_, body) = server.call("analyze", &args).await;
    assert_eq!(body["parse_status"], "unparsed", "{body}");
    let warnings = body["warnings"].to_string();
    assert!(warnings.contains("OPENAI_MAX_TOKENS=2000"), "{warnings}");
    assert!(warnings.contains("never closed"), "{warnings}");
}

#[tokio::test]
async fn code_review_runs_on_openai_with_the_shared_contract() {
    let openai = fake_answering(REVIEW).await;
    let server = serve(&openai).await;
    let (status, body) = server.call("code_review", &review_args()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["overall_score"], 6.5);
    // critical kept, low filtered at medium, "blocker" kept as unknown.
    let severities: Vec<&str> = body["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["severity"].as_str())
        .collect();
    assert_eq!(severities, vec!["critical", "unknown"]);
    assert_eq!(body["issues"][1]["reported_severity"], "blocker");
    assert_eq!(body["issues"][1]["line_numbers"], json!([12, 13]));
    assert_eq!(
        body["metadata"],
        json!({"total_issues": 3, "filtered_issues": 2, "language": "python",
               "focus_areas": ["security"], "severity_threshold": "medium"})
    );
    assert_eq!(body["parse_status"], "partial");
    assert_eq!(body["provider"], "openai");
    assert_output_schema(&server, "code_review", &body).await;
    let (_, sent) = only_request(&openai).await;
    assert_valid_chat_request(&sent);
    assert_eq!(sent["model"], "gpt-4", "code_review uses OPENAI_MODEL");
    let user = sent["messages"][1]["content"].as_str().unwrap_or("");
    assert!(user.starts_with("Please review this python code diff:\n\n```python\n+query"));
    let system = sent["messages"][0]["content"].as_str().unwrap_or("");
    assert!(system.contains("Focus areas: security"));
}

#[tokio::test]
async fn large_contexts_are_summarised_within_the_budget() {
    let openai = fake_answering(CLEAN).await;
    let server = serve(&openai).await;
    let rows: Vec<Value> = (0..2000)
        .map(|i| json!({"order": i, "amount": i * 7, "note": "x".repeat(40)}))
        .collect();
    let mut args = analyze_args();
    args["context"] = json!({"orders": rows, "department": "sales"});
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["parse_status"], "ok");
    assert!(
        body["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("was summarised"),
        "{body}"
    );
    let (_, sent) = only_request(&openai).await;
    let system = sent["messages"][0]["content"].as_str().unwrap_or("");
    let context = system
        .split("Context data:\n")
        .nth(1)
        .expect("context section");
    assert!(context.len() <= 12 * 1024, "{} bytes", context.len());
    assert!(context.contains("more items (2000 in all)"), "{context}");
    assert!(context.starts_with(r#"{"department":"sales","orders":[{"amount":0,"note":"#));
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_then_succeeds() {
    let openai = MockServer::start().await;
    Mock::given(path(COMPLETIONS))
        .respond_with(
            openai_error(
                429,
                "Rate limit reached for gpt-4o-mini on requests per min (RPM)",
                "requests",
                "rate_limit_exceeded",
            )
            .insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .mount(&openai)
        .await;
    Mock::given(path(COMPLETIONS))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(CLEAN)))
        .mount(&openai)
        .await;
    let server = serve(&openai).await;
    let started = Instant::now();
    let (status, body) = server.call("analyze", &analyze_args()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for retry-after"
    );
    assert_eq!(openai.received_requests().await.expect("recorded").len(), 2);
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"bridge_upstream_retries_total{bridge="openai",service="openai"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn vendor_errors_are_classified_and_possibly_billed_calls_never_repeated() {
    let openai = MockServer::start().await;
    let cases: [(&str, ResponseTemplate); 5] = [
        (
            "quota",
            openai_error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
        ),
        (
            "key",
            openai_error(
                401,
                "Incorrect API key provided: sk-test-********6789.",
                "invalid_request_error",
                "invalid_api_key",
            ),
        ),
        (
            "long",
            openai_error(
                400,
                "This model's maximum context length is 8192 tokens. However, your messages resulted in 9120 tokens. Please reduce the length of the messages.",
                "invalid_request_error",
                "context_length_exceeded",
            ),
        ),
        (
            "server",
            openai_error(
                500,
                "The server had an error while processing your request.",
                "server_error",
                "",
            ),
        ),
        (
            "gateway",
            ResponseTemplate::new(504).set_body_string("upstream timed out"),
        ),
    ];
    for (case, response) in cases {
        Mock::given(body_string_contains(format!("case-{case}")))
            .respond_with(response)
            .mount(&openai)
            .await;
    }
    let server = serve(&openai).await;
    let expected = [
        ("quota", 403, "forbidden", "insufficient_quota"),
        ("key", 502, "upstream_credential_rejected", "OPENAI_API_KEY"),
        ("long", 422, "invalid_arguments", "characters were sent"),
        ("server", 502, "upstream_unavailable", "server had an error"),
        ("gateway", 504, "timeout", "upstream timed out"),
    ];
    for (case, status, code, fragment) in expected {
        let mut args = review_args();
        args["code_diff"] = json!(format!("+ case-{case}\n"));
        let (got, body) = server.call("code_review", &args).await;
        assert_eq!(got, status, "{case}: {body}");
        assert_eq!(body["error"]["code"], code, "{case}: {body}");
        assert!(body.to_string().contains(fragment), "{case}: {body}");
        assert!(
            !body.to_string().contains("sk-test"),
            "{case}: the key leaked: {body}"
        );
        // One request each: a 5xx or a timeout may have been billed, quota won't change.
        let marker = format!("case-{case}");
        let sent = openai
            .received_requests()
            .await
            .expect("recorded")
            .iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains(&marker))
            .count();
        assert_eq!(sent, 1, "{case}");
        if case == "long" {
            let violation = &body["error"]["violations"][0];
            assert_eq!(violation["path"], "/code_diff");
            assert!(
                violation["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("9120 tokens"),
                "{body}"
            );
            assert_eq!(body["error"]["details"]["model"], "gpt-4");
        }
    }
}

#[tokio::test]
async fn an_unknown_model_names_the_argument_or_the_variable() {
    let openai = MockServer::start().await;
    Mock::given(path(COMPLETIONS))
        .respond_with(openai_error(
            404,
            "The model `gpt-4.1` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ))
        .mount(&openai)
        .await;
    let server = serve(&openai).await;
    let mut args = analyze_args();
    args["model"] = json!("gpt-4.1");
    let (status, body) = server.call("analyze", &args).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["violations"][0]["path"], "/model");
    let (status, body) = server.call("code_review", &review_args()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "not_configured");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("OPENAI_MODEL=gpt-4"),
        "{body}"
    );
}

/// The tools, driven directly under a short deadline (the catalog's 45–60 s would make
/// the test that slow; bridge-kit gives every call the same `ToolContext`).
fn tools(openai: &MockServer) -> (Analyze, CodeReview) {
    let settings = settings(openai);
    let mut builder = Bridge::builder("openai", "openai-chatgpt", 8091, &settings);
    let provider =
        Arc::new(bridge_openai::openai(&mut builder, LlmMetrics::default()).expect("provider"));
    (
        Analyze::new(Arc::clone(&provider)),
        CodeReview::new(provider),
    )
}

#[tokio::test]
async fn a_silent_vendor_times_out_within_the_deadline() {
    let openai = MockServer::start().await;
    Mock::given(path(COMPLETIONS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion(CLEAN))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&openai)
        .await;
    let (analyze, _) = tools(&openai);
    let ctx = ToolContext::new("timeout-test", Duration::from_secs(2));
    let args = serde_json::from_value(analyze_args()).expect("args");
    let started = Instant::now();
    let error = analyze.call(&ctx, args).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert_eq!(error.code(), ErrorCode::Timeout, "{error}");
    assert!(
        elapsed >= Duration::from_millis(1900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(
        openai.received_requests().await.expect("recorded").len(),
        1,
        "never retried"
    );
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_is_returned_not_waited_for() {
    let openai = MockServer::start().await;
    Mock::given(path(COMPLETIONS))
        .respond_with(
            openai_error(429, "Rate limit reached", "requests", "rate_limit_exceeded")
                .insert_header("retry-after", "30"),
        )
        .mount(&openai)
        .await;
    let (_, review) = tools(&openai);
    let ctx = ToolContext::new("deadline-test", Duration::from_secs(10));
    let args = serde_json::from_value(review_args()).expect("args");
    let started = Instant::now();
    let error = review.call(&ctx, args).await.expect_err("rate limited");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.code(), ErrorCode::RateLimited);
    assert_eq!(error.retry_after_ms(), Some(30_000));
    assert_eq!(openai.received_requests().await.expect("recorded").len(), 1);
}

/// The value of the metric line starting with `series`.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn tokens_are_counted_by_provider_model_and_kind() {
    let openai = fake_answering(CLEAN).await;
    let server = serve(&openai).await;
    for _ in 0..2 {
        let (status, body) = server.call("analyze", &analyze_args()).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = server.call("code_review", &review_args()).await;
    assert_eq!(status, 200, "{body}");
    let text = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("# TYPE bridge_llm_tokens counter"), "{text}");
    let series = |model: &str, kind: &str| {
        metric(
            &text,
            &format!(
                r#"bridge_llm_tokens_total{{provider="openai",model="{model}",kind="{kind}"}}"#
            ),
        )
    };
    assert_eq!(series("gpt-4o-mini", "prompt"), Some(240.0), "{text}");
    assert_eq!(series("gpt-4o-mini", "completion"), Some(60.0));
    assert_eq!(series("gpt-4", "prompt"), Some(120.0));
    assert_eq!(series("gpt-4", "completion"), Some(30.0));
}

#[test]
fn the_request_schema_fixture_rejects_what_openai_rejects() {
    let schema: Value = serde_json::from_str(REQUEST_SCHEMA).expect("fixture is JSON");
    let validator = jsonschema::validator_for(&schema).expect("official schema compiles");
    let good = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    assert!(validator.is_valid(&good));
    for bad in [
        json!({"model": "gpt-4o", "messages": []}),
        json!({"model": "gpt-4o", "messages": [{"role": "robot", "content": "hi"}]}),
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}),
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "yaml"}}),
    ] {
        assert!(!validator.is_valid(&bad), "accepted {bad}");
    }
}

#[tokio::test]
async fn catalog_entries_carry_the_seeds_metadata() {
    let openai = MockServer::start().await;
    let server = serve(&openai).await;
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
                e["mcp"]["name"],
                e["mcp"]["annotations"]["readOnlyHint"],
                e["mcp"]["annotations"]["idempotentHint"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "openai-chatgpt.analyze",
                "http://openai-bridge:8091/tools/analyze",
                60,
                "high",
                ["llm.openai"],
                ["prompt", "context"],
                "openai_chatgpt_analyze",
                true,
                false
            ]),
            json!([
                "openai-chatgpt.code_review",
                "http://openai-bridge:8091/tools/code_review",
                45,
                "high",
                ["llm.openai", "code.review"],
                ["code_diff", "language"],
                "openai_chatgpt_code_review",
                true,
                false
            ]),
        ]
    );
}

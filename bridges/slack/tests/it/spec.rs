//! Requests checked against Slack's official OpenAPI description
//! (`../shared/specs/slack/slack_web_openapi_v2.json`, Swagger 2.0): every field we send
//! is a declared parameter of that method, of the declared type, every required one is
//! present, and the body's media type is one the method consumes.
//!
//! The description documents form encoding, where structured values (`blocks`,
//! `attachments`, `profile`) travel as JSON strings; in a JSON body Slack takes the JSON
//! itself, so for those an array or object is also accepted.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};
use wiremock::Request;

/// Parameters whose form encoding is "a URL-encoded JSON string".
const STRUCTURED: &[&str] = &["blocks", "attachments", "profile"];

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = std::env::var_os("SLACK_WEB_OPENAPI")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/specs/slack/slack_web_openapi_v2.json")
            });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "Slack's OpenAPI description is needed at {} (or set SLACK_WEB_OPENAPI): {error}",
                path.display()
            )
        });
        serde_json::from_str(&text).expect("the Slack OpenAPI description is JSON")
    })
}

fn type_matches(declared: &str, name: &str, value: &Value) -> bool {
    match (declared, value) {
        ("string", Value::String(_)) => true,
        ("string", Value::Array(_) | Value::Object(_)) => STRUCTURED.contains(&name),
        ("boolean", Value::Bool(_)) => true,
        ("integer" | "number", Value::Number(_)) => true,
        ("integer" | "number", Value::String(text)) => text.parse::<f64>().is_ok(),
        _ => false,
    }
}

/// What a request carried, as the description sees it.
struct Sent<'a> {
    /// `/chat.postMessage`.
    path: &'a str,
    /// `get` or `post`.
    http: String,
    authorization: &'a str,
    content_type: &'a str,
    /// Query pairs (GET) or the JSON body's fields (POST).
    fields: Vec<(String, Value)>,
}

/// Everything about `sent` that Slack's description does not allow.
fn problems(sent: &Sent<'_>) -> Vec<String> {
    let name = sent.path.trim_start_matches('/');
    let operation = &spec()["paths"][sent.path][&sent.http];
    if !operation.is_object() {
        return vec![format!(
            "{} {name} is not in Slack's description",
            sent.http
        )];
    }
    let mut problems = Vec::new();
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // The token travels as `Authorization: Bearer`, which Slack documents for every method.
    if !sent.authorization.starts_with("Bearer xox") {
        problems.push(format!("{name}: no bearer token"));
    }
    let location = if sent.http == "get" {
        "query"
    } else {
        "formData"
    };
    if sent.http != "get" {
        let media = sent
            .content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        let consumes = operation["consumes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !consumes.iter().any(|c| c == media) {
            problems.push(format!("{name}: Slack does not consume {media} here"));
        }
    }
    for (field, value) in &sent.fields {
        let Some(declared) = parameters
            .iter()
            .find(|p| p["in"] == location && p["name"] == field.as_str())
        else {
            problems.push(format!("{name}: `{field}` is not a declared parameter"));
            continue;
        };
        let declared_type = declared["type"].as_str().unwrap_or("string");
        let fits = match (location, declared_type, value) {
            // Query strings carry booleans and numbers as text.
            ("query", "boolean", Value::String(text)) => text == "true" || text == "false",
            _ => type_matches(declared_type, field, value),
        };
        if !fits {
            problems.push(format!(
                "{name}: `{field}` is declared {declared_type}, sent {value}"
            ));
        }
    }
    for parameter in &parameters {
        let field = parameter["name"].as_str().unwrap_or_default();
        let required = parameter["required"] == Value::Bool(true);
        if required
            && parameter["in"] == location
            && field != "token"
            && !sent.fields.iter().any(|(sent, _)| sent == field)
        {
            problems.push(format!("{name}: required `{field}` is missing"));
        }
    }
    problems
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Panics, naming the method and field, unless `request` is one Slack's description
/// allows.
pub(crate) fn assert_conforms(request: &Request) {
    let http = request.method.as_str().to_ascii_lowercase();
    let fields = if http == "get" {
        request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else {
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        body.as_object()
            .expect("a JSON object body")
            .clone()
            .into_iter()
            .collect()
    };
    let sent = Sent {
        path: request.url.path(),
        http,
        authorization: header(request, "authorization"),
        content_type: header(request, "content-type"),
        fields,
    };
    let problems = problems(&sent);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_checker_catches_what_slack_does_not_declare() {
    let post = |path, fields: Value| Sent {
        path,
        http: "post".to_owned(),
        authorization: "Bearer xoxb-test",
        content_type: "application/json; charset=utf-8",
        fields: fields
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    let good = post(
        "/reactions.add",
        json!({"channel": "C1", "name": "tada", "timestamp": "1.2"}),
    );
    assert!(problems(&good).is_empty(), "{:?}", problems(&good));
    let cases = [
        (
            post("/reactions.add", json!({"channel": "C1", "name": "tada"})),
            "required `timestamp`",
        ),
        (
            post("/pins.add", json!({"channel": "C1", "emoji": "x"})),
            "`emoji` is not a declared",
        ),
        (
            post(
                "/conversations.create",
                json!({"name": "x", "is_private": "yes"}),
            ),
            "declared boolean",
        ),
        (
            post("/chat.postMessage", json!({"channel": "C1", "text": ["x"]})),
            "declared string",
        ),
        (
            post("/chat.postNothing", json!({})),
            "not in Slack's description",
        ),
    ];
    for (sent, fragment) in cases {
        let found = problems(&sent);
        assert!(
            found.iter().any(|p| p.contains(fragment)),
            "{fragment}: {found:?}"
        );
    }
    // Structured parameters may be JSON in a JSON body.
    let blocks = post(
        "/chat.postMessage",
        json!({"channel": "C1", "text": "x", "blocks": []}),
    );
    assert!(problems(&blocks).is_empty());
    let wrong_media = Sent {
        content_type: "text/plain",
        ..post("/pins.add", json!({"channel": "C1"}))
    };
    assert!(problems(&wrong_media).iter().any(|p| p.contains("consume")));
}

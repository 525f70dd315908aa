//! Request bodies checked against GitHub's official OpenAPI description
//! (`../shared/specs/github/api.github.com.json`, OpenAPI 3.0.3): the operation's
//! `requestBody` schema, compiled with the description's `components` beside it so its
//! `$ref`s resolve.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

fn description() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = std::env::var_os("GITHUB_REST_OPENAPI")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/specs/github/api.github.com.json")
            });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "GitHub's OpenAPI description is needed at {} (or set GITHUB_REST_OPENAPI): {error}",
                path.display()
            )
        });
        serde_json::from_str(&text).expect("GitHub's OpenAPI description is JSON")
    })
}

/// Panics unless `body` is a valid request body of `verb template` (e.g. `post`,
/// `/repos/{owner}/{repo}/issues`).
pub(crate) fn assert_valid(verb: &str, template: &str, body: &Value) {
    let spec = description();
    let operation = &spec["paths"][template][verb];
    assert!(
        operation.is_object(),
        "{verb} {template} is not in GitHub's description"
    );
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{verb} {template} documents no JSON body"
    );
    let mut root = schema.clone();
    // Only when needed: `components` is most of the 6 MB description.
    if schema.to_string().contains("#/components/") {
        root["components"] = spec["components"].clone();
    }
    // OpenAPI 3.0 schemas are JSON Schema draft 4 with extra keywords (`nullable`,
    // `example`), which a draft-4 validator ignores.
    let validator = jsonschema::draft4::options()
        .build(&root)
        .unwrap_or_else(|error| panic!("{verb} {template}: schema does not compile: {error}"));
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{verb} {template}: {body} breaks GitHub's schema: {problems:?}"
    );
}

#[test]
fn the_validator_rejects_what_github_would() {
    let missing_head = serde_json::json!({"title": "x", "base": "main"});
    let result = std::panic::catch_unwind(|| {
        assert_valid("post", "/repos/{owner}/{repo}/pulls", &missing_head);
    });
    assert!(result.is_err(), "a pull request without head is invalid");
    let wrong_type = serde_json::json!({"labels": "bug"});
    let result = std::panic::catch_unwind(|| {
        assert_valid("post", "/repos/{owner}/{repo}/issues", &wrong_type);
    });
    assert!(
        result.is_err(),
        "an issue needs a title and labels as a list"
    );
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/issues",
        &serde_json::json!({"title": "ok", "labels": ["bug"]}),
    );
}

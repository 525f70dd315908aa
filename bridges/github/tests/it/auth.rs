//! Credentials (token, GitHub App installation, none) and GitHub's rate-limit headers.

use std::time::{SystemTime, UNIX_EPOCH};

use bridge_github::API_VERSION;
use bridge_kit::Settings;
use bridge_kit::conformance::TestServer;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{REPO, fixtures, github, message, received, serve};

const TEST_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/tests/fixtures/jwt_test_private.pem"
);

fn app_settings(fake: &MockServer, key_path: &str) -> Settings {
    Settings::from_pairs([
        ("GITHUB_APP_ID", "1234".to_owned()),
        ("GITHUB_PRIVATE_KEY_PATH", key_path.to_owned()),
        ("GITHUB_APP_INSTALLATION_ID", "42".to_owned()),
        ("GITHUB_API_URL", fake.uri()),
    ])
}

#[tokio::test]
async fn a_github_app_installation_token_is_minted_once_and_used() {
    let fake = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/app/installations/42/access_tokens"))
        .and(|request: &Request| {
            // An RS256 app JWT: three base64url parts.
            request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ey"))
                .is_some_and(|jwt| jwt.split('.').count() == 3)
        })
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "token": "ghs_installation16charsXXXX",
            "expires_at": "2099-01-01T00:00:00Z",
            "permissions": {"issues": "write", "pull_requests": "write"},
            "repository_selection": "all"
        })))
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo-org/octo-repo/issues"))
        .and(header(
            "authorization",
            "Bearer ghs_installation16charsXXXX",
        ))
        .and(header("x-github-api-version", API_VERSION))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::issue(
            5,
            "From the app",
            &[],
            &[],
        )))
        .expect(2)
        .mount(&fake)
        .await;
    let settings = app_settings(&fake, TEST_KEY);
    let bridge = bridge_github::bridge(&settings).expect("bridge builds");
    assert!(bridge.missing_credentials().is_none());
    let server = TestServer::start(bridge, &settings).await;
    for _ in 0..2 {
        let (status, answer) = server
            .call(
                "create_issue",
                &json!({"repository": REPO, "title": "From the app"}),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["issue_number"], 5);
    }
    // `expect` counts are verified when the fake drops; check here for a clear message.
    let minted = received(&fake)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/access_tokens"))
        .count();
    assert_eq!(minted, 1, "the installation token is cached");
}

#[tokio::test]
async fn an_unusable_private_key_is_a_configuration_error_naming_its_variable() {
    let fake = MockServer::start().await;
    let error = bridge_github::bridge(&app_settings(&fake, "/nonexistent/app.pem"))
        .expect_err("missing key file");
    assert_eq!(error.name, "GITHUB_PRIVATE_KEY_PATH");
    assert!(error.reason.contains("cannot read"), "{error}");
    let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let error = bridge_github::bridge(&app_settings(&fake, not_pem)).expect_err("not a key");
    assert_eq!(error.name, "GITHUB_PRIVATE_KEY_PATH");
    assert!(
        !error.reason.contains("[package]"),
        "content is not echoed: {error}"
    );
}

#[tokio::test]
async fn without_credentials_tools_name_the_token_variable() {
    let fake = MockServer::start().await;
    let settings = Settings::from_pairs([("GITHUB_API_URL", fake.uri())]);
    let bridge = bridge_github::bridge(&settings).expect("bridge builds without credentials");
    let server = TestServer::start(bridge, &settings).await;
    let (status, answer) = server
        .call("create_issue", &json!({"repository": REPO, "title": "x"}))
        .await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["error"]["code"], "not_configured");
    assert_eq!(
        answer["error"]["details"]["missing"],
        json!(["GITHUB_TOKEN"])
    );
    assert!(received(&fake).await.is_empty());
}

#[tokio::test]
async fn a_spent_rate_limit_stops_the_next_call_before_it_is_sent() {
    let fake = MockServer::start().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 3600;
    github("POST", "/repos/octo-org/octo-repo/issues")
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixtures::issue(6, "Last one", &[], &[]))
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-used", "5000")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .insert_header("x-ratelimit-resource", "core"),
        )
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let args = json!({"repository": REPO, "title": "Last one"});
    let (status, answer) = server.call("create_issue", &args).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = server.call("create_issue", &args).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["error"]["code"], "rate_limited");
    assert_eq!(answer["error"]["retryable"], true);
    let wait = answer["error"]["retry_after_ms"]
        .as_u64()
        .unwrap_or_default();
    assert!(wait > 3_000_000, "waits for the reset: {answer}");
    assert_eq!(
        received(&fake).await.len(),
        1,
        "the second call was not sent"
    );
    assert!(!message(&answer).contains("ghp_test"));
}

//! github bridge against a fake GitHub over real HTTP: every request is checked for its
//! method, path, credential, API version and body, and write bodies are validated against
//! GitHub's official OpenAPI description.

mod auth;
mod doors;
mod failures;
mod fixtures;
mod projects;
mod reads;
mod spec;
mod writes;

use bridge_github::API_VERSION;
use bridge_kit::Settings;
use bridge_kit::conformance::TestServer;
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{MockBuilder, MockServer, Request};

/// The token the fake expects.
pub const TOKEN: &str = "ghp_test";
/// The repository every test works on.
pub const REPO: &str = "octo-org/octo-repo";

pub fn settings(github: &MockServer) -> Settings {
    Settings::from_pairs([
        ("GITHUB_TOKEN", TOKEN.to_owned()),
        ("GITHUB_API_URL", github.uri()),
    ])
}

pub async fn serve(github: &MockServer) -> TestServer {
    let settings = settings(github);
    let bridge = bridge_github::bridge(&settings).expect("bridge builds");
    TestServer::start(bridge, &settings).await
}

/// A mock for one GitHub endpoint that only answers requests carrying our token and the
/// API version we are written against.
pub fn github(verb: &str, endpoint: &str) -> MockBuilder {
    wiremock::Mock::given(method(verb))
        .and(path(endpoint))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("x-github-api-version", API_VERSION))
}

/// Every request the fake received, in order.
pub async fn received(github: &MockServer) -> Vec<Request> {
    github
        .received_requests()
        .await
        .expect("requests are recorded")
}

/// The JSON body of a request.
pub fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// The one request sent to `endpoint` with `verb`.
pub async fn only(github: &MockServer, verb: &str, endpoint: &str) -> Request {
    let matching: Vec<Request> = received(github)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == endpoint)
        .collect();
    assert_eq!(matching.len(), 1, "{verb} {endpoint}: {matching:?}");
    matching.into_iter().next().expect("one request")
}

/// `body["error"]["message"]` as text.
pub fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

//! `sync_projects` against a fake GraphQL endpoint, and Enterprise Server's URL layout.

use bridge_kit::Settings;
use bridge_kit::conformance::TestServer;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use crate::{REPO, TOKEN, body, fixtures, message, received, serve};

fn graphql(endpoint: &str, operation: &'static str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(endpoint))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(move |request: &Request| {
            serde_json::from_slice::<Value>(&request.body)
                .ok()
                .and_then(|b| b["query"].as_str().map(|q| q.contains(operation)))
                .unwrap_or(false)
        })
}

fn lookup_answer() -> Value {
    json!({"data": {
        "repository": {"issueOrPullRequest": {"__typename": "PullRequest", "id": "PR_kwDOpull7"}},
        "repositoryOwner": {"projectV2": {
            "id": "PVT_kwDOproj5",
            "title": "Roadmap",
            "url": "https://github.com/orgs/octo-org/projects/5",
            "field": {"id": "PVTSSF_status", "options": [
                {"id": "f75ad846", "name": "Todo"},
                {"id": "47fc9ee4", "name": "In Progress"},
                {"id": "98236657", "name": "Done"}
            ]}
        }}
    }})
}

async fn fake_projects(fake: &MockServer, endpoint: &str) {
    graphql(endpoint, "issueOrPullRequest")
        .respond_with(ResponseTemplate::new(200).set_body_json(lookup_answer()))
        .mount(fake)
        .await;
    graphql(endpoint, "addProjectV2ItemById")
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"addProjectV2ItemById": {"item": {"id": "PVTI_item1"}}}}),
        ))
        .mount(fake)
        .await;
    graphql(endpoint, "updateProjectV2ItemFieldValue")
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"updateProjectV2ItemFieldValue": {"projectV2Item": {"id": "PVTI_item1"}}}}),
        ))
        .mount(fake)
        .await;
}

#[tokio::test]
async fn a_pull_request_is_added_to_the_project_and_its_status_set() {
    let fake = MockServer::start().await;
    fake_projects(&fake, "/graphql").await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "sync_projects",
            &json!({"repository": REPO, "pr_number": 7, "project_number": 5, "status": "in progress"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "project_id": "PVT_kwDOproj5",
            "project_title": "Roadmap",
            "project_url": "https://github.com/orgs/octo-org/projects/5",
            "item_id": "PVTI_item1",
            "content_type": "PullRequest",
            "number": 7,
            "status": "In Progress"
        })
    );
    let sent = received(&fake).await;
    assert_eq!(sent.len(), 3, "lookup, add, set status");
    assert_eq!(
        body(&sent[0])["variables"],
        json!({"owner": "octo-org", "name": "octo-repo", "number": 7, "projectOwner": "octo-org", "projectNumber": 5})
    );
    assert_eq!(
        body(&sent[1])["variables"],
        json!({"projectId": "PVT_kwDOproj5", "contentId": "PR_kwDOpull7"})
    );
    assert_eq!(
        body(&sent[2])["variables"],
        json!({"projectId": "PVT_kwDOproj5", "itemId": "PVTI_item1", "fieldId": "PVTSSF_status", "optionId": "47fc9ee4"})
    );
}

#[tokio::test]
async fn an_unknown_status_changes_nothing_and_lists_the_options() {
    let fake = MockServer::start().await;
    fake_projects(&fake, "/graphql").await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "sync_projects",
            &json!({"repository": REPO, "issue_number": 7, "project_number": 5, "project_owner": "octo-org", "status": "Blocked"}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "/status");
    assert!(
        message(&answer).contains("Todo, In Progress, Done"),
        "{answer}"
    );
    assert_eq!(received(&fake).await.len(), 1, "only the lookup");
}

#[tokio::test]
async fn graphql_errors_are_classified() {
    let fake = MockServer::start().await;
    graphql("/graphql", "issueOrPullRequest")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"repository": {"issueOrPullRequest": {"__typename": "Issue", "id": "I_1"}}, "repositoryOwner": {"projectV2": null}},
            "errors": [{"type": "NOT_FOUND", "path": ["repositoryOwner", "projectV2"], "locations": [{"line": 9, "column": 26}], "message": "Could not resolve to a ProjectV2 with the number 99."}]
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "sync_projects",
            &json!({"repository": REPO, "issue_number": 1, "project_number": 99}),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    assert!(message(&answer).contains("number 99"), "{answer}");
    assert_eq!(answer["error"]["details"]["errors"][0]["type"], "NOT_FOUND");
    assert_eq!(answer["error"]["upstream"]["service"], "github_graphql");
}

#[tokio::test]
async fn enterprise_server_urls_put_graphql_beside_the_rest_api() {
    let fake = MockServer::start().await;
    fake_projects(&fake, "/api/graphql").await;
    Mock::given(method("POST"))
        .and(path("/api/v3/repos/octo-org/octo-repo/issues"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        // Enterprise Server knows only the first REST API version.
        .and(header(
            "x-github-api-version",
            bridge_github::GHES_API_VERSION,
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::issue(
            3,
            "On GHES",
            &[],
            &[],
        )))
        .expect(1)
        .mount(&fake)
        .await;
    let settings = Settings::from_pairs([
        ("GITHUB_TOKEN", TOKEN.to_owned()),
        ("GITHUB_API_URL", format!("{}/api/v3/", fake.uri())),
    ]);
    let bridge = bridge_github::bridge(&settings).expect("bridge builds");
    let server = TestServer::start(bridge, &settings).await;
    let (status, answer) = server
        .call(
            "create_issue",
            &json!({"repository": REPO, "title": "On GHES"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = server
        .call(
            "sync_projects",
            &json!({"repository": REPO, "issue_number": 3, "project_number": 5}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("status").is_none());
    let paths: Vec<String> = received(&fake)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/api/v3/repos/octo-org/octo-repo/issues",
            "/api/graphql",
            "/api/graphql"
        ]
    );
}

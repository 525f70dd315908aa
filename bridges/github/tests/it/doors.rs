//! The conformance suite over every tool, and the `github.enterprise` door against the
//! seed's enterprise schema.

use bridge_kit::conformance::Conformance;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{REPO, fixtures, github, serve, settings};

/// The seed's `github.enterprise` actions and fields.
const SEED_ACTIONS: [&str; 10] = [
    "create_issue",
    "create_pr",
    "merge_pr",
    "add_comment",
    "assign_reviewers",
    "create_release",
    "manage_labels",
    "sync_projects",
    "run_workflow",
    "get_metrics",
];
const SEED_FIELDS: [&str; 10] = [
    "repository",
    "issue_number",
    "pr_number",
    "title",
    "body",
    "labels",
    "assignees",
    "reviewers",
    "workflow_id",
    "workflow_inputs",
];

/// One fake GitHub answering every tool's sample.
async fn fake_github() -> MockServer {
    let fake = MockServer::start().await;
    let repo = "/repos/octo-org/octo-repo";
    let answers: Vec<(&str, String, ResponseTemplate)> = vec![
        ("GET", repo.to_owned(), ResponseTemplate::new(200).set_body_json(fixtures::repository())),
        (
            "POST",
            format!("{repo}/issues"),
            ResponseTemplate::new(201).set_body_json(fixtures::issue(42, "Bug", &["bug"], &[])),
        ),
        (
            "POST",
            format!("{repo}/pulls"),
            ResponseTemplate::new(201).set_body_json(fixtures::pull(7, "Add search", &[], &[])),
        ),
        (
            "POST",
            format!("{repo}/pulls/7/requested_reviewers"),
            ResponseTemplate::new(201)
                .set_body_json(fixtures::pull(7, "Add search", &["alice"], &[])),
        ),
        (
            "PUT",
            format!("{repo}/pulls/7/merge"),
            ResponseTemplate::new(200).set_body_json(json!({"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "merged": true, "message": "Pull Request successfully merged"})),
        ),
        (
            "PUT",
            format!("{repo}/pulls/8/merge"),
            ResponseTemplate::new(405).set_body_json(json!({"message": "Pull Request is not mergeable", "status": "405"})),
        ),
        (
            "POST",
            format!("{repo}/issues/7/comments"),
            ResponseTemplate::new(201).set_body_json(fixtures::comment(1001)),
        ),
        (
            "POST",
            format!("{repo}/releases"),
            ResponseTemplate::new(201).set_body_json(fixtures::release("v1.4.0", "v1.4.0")),
        ),
        (
            "POST",
            format!("{repo}/issues/12/labels"),
            ResponseTemplate::new(200).set_body_json(json!([fixtures::label("bug", 1)])),
        ),
        (
            "POST",
            format!("{repo}/actions/workflows/release-tests.yml/dispatches"),
            ResponseTemplate::new(204),
        ),
        (
            "GET",
            format!("{repo}/pulls/7/files"),
            ResponseTemplate::new(200)
                .set_body_json(json!([fixtures::file("src/main.go", "modified", 3, 1)])),
        ),
        (
            "POST",
            format!("{repo}/pulls/7/reviews"),
            ResponseTemplate::new(200).set_body_json(fixtures::review(80)),
        ),
        ("GET", format!("{repo}/issues"), ResponseTemplate::new(200).set_body_json(json!([]))),
        ("GET", format!("{repo}/commits"), ResponseTemplate::new(200).set_body_json(json!([]))),
    ];
    for (verb, endpoint, answer) in answers {
        github(verb, &endpoint)
            .respond_with(answer)
            .mount(&fake)
            .await;
    }
    github("GET", &format!("{repo}/pulls"))
        .and(query_param("state", "closed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&fake)
        .await;
    github("GET", &format!("{repo}/pulls/7"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "diff --git a/src/main.go b/src/main.go\n--- a/src/main.go\n+++ b/src/main.go\n@@ -1 +1 @@\n-old\n+new\n",
        ))
        .mount(&fake)
        .await;
    let graphql = |operation: &'static str| {
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(move |request: &Request| {
                String::from_utf8_lossy(&request.body).contains(operation)
            })
    };
    graphql("issueOrPullRequest")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "repository": {"issueOrPullRequest": {"__typename": "Issue", "id": "I_kwDOissue12"}},
            "repositoryOwner": {"projectV2": {"id": "PVT_1", "title": "Roadmap", "url": "https://github.com/orgs/octo-org/projects/5", "field": {}}}
        }})))
        .mount(&fake)
        .await;
    graphql("addProjectV2ItemById")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"data": {"addProjectV2ItemById": {"item": {"id": "PVTI_1"}}}}),
            ),
        )
        .mount(&fake)
        .await;
    fake
}

#[tokio::test]
async fn conformance() {
    let fake = fake_github().await;
    Conformance::new(bridge_github::bridge)
        .settings(settings(&fake))
        .sample(
            "create_issue",
            json!({"repository": REPO, "title": "Bug", "labels": ["bug"]}),
        )
        .sample(
            "create_pr",
            json!({"repository": REPO, "title": "Add search", "head": "feature-x", "reviewers": ["alice"]}),
        )
        .sample("merge_pr", json!({"repository": REPO, "pr_number": 7}))
        .sample("merge_pr", json!({"repository": REPO, "pr_number": 8}))
        .sample(
            "add_comment",
            json!({"repository": REPO, "pr_number": 7, "body": "Looks good"}),
        )
        .sample(
            "assign_reviewers",
            json!({"repository": REPO, "pr_number": 7, "reviewers": ["alice"]}),
        )
        .sample(
            "create_release",
            json!({"repository": REPO, "tag_name": "v1.4.0", "draft": false, "prerelease": false}),
        )
        .sample(
            "manage_labels",
            json!({"repository": REPO, "issue_number": 12, "labels": ["bug"]}),
        )
        .sample(
            "sync_projects",
            json!({"repository": REPO, "issue_number": 12, "project_number": 5}),
        )
        .sample(
            "run_workflow",
            json!({"repository": REPO, "workflow_id": "release-tests.yml", "ref": "main", "inputs": {"environment": "staging"}}),
        )
        .sample(
            "get_metrics",
            json!({"repository": REPO, "since": "2026-04-03T00:00:00Z", "until": "2026-04-10T00:00:00Z"}),
        )
        .sample(
            "get_pull_request_diff",
            json!({"repository": REPO, "pull_number": 7}),
        )
        .sample("get_pr_files", json!({"repository": REPO, "pull_number": 7}))
        .sample(
            "create_review_comment",
            json!({"repository": REPO, "pull_number": 7, "body": "Automated review", "comments": [{"path": "src/main.go", "line": 1, "body": "nit"}]}),
        )
        .sample(
            "enterprise",
            json!({"action": "create_issue", "repository": REPO, "title": "Bug"}),
        )
        .sample(
            "enterprise",
            json!({"action": "merge_pr", "repository": REPO, "pr_number": 8}),
        )
        .sample(
            "enterprise",
            json!({"action": "create_issue", "repository": "not a repo", "title": "Bug"}),
        )
        .run()
        .await;
}

#[tokio::test]
async fn the_enterprise_door_runs_the_same_tool() {
    let fake = fake_github().await;
    let server = serve(&fake).await;
    let args = json!({"repository": REPO, "title": "Bug", "body": "It breaks", "labels": ["bug"], "assignees": ["hubot"]});
    let (status, direct) = server.call("create_issue", &args).await;
    assert_eq!(status, 200, "{direct}");
    let mut door_args = args.clone();
    door_args["action"] = json!("create_issue");
    let (status, door) = server.call("enterprise", &door_args).await;
    assert_eq!(status, 200, "{door}");
    assert_eq!(door, direct);
    assert_eq!(door["issue_number"], 42);
    // Both doors sent GitHub the same request.
    let sent: Vec<Value> = crate::received(&fake)
        .await
        .iter()
        .map(crate::body)
        .collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1]);
    // Violations carry the action's own paths.
    let (status, answer) = server
        .call(
            "enterprise",
            &json!({"action": "merge_pr", "repository": REPO, "pr_number": 0}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "/pr_number");
}

#[tokio::test]
async fn the_enterprise_schema_is_the_seeds_with_types() {
    let fake = MockServer::start().await;
    let server = serve(&fake).await;
    let door = server.bridge.tool("enterprise").expect("github.enterprise");
    assert_eq!(server.bridge.address(door), "github.enterprise");
    assert_eq!(door.spec.timeout.as_secs(), 60);
    assert_eq!(door.spec.scopes, ["development.github"]);
    let properties = &door.input_schema["properties"];
    assert_eq!(properties["action"]["enum"], json!(SEED_ACTIONS));
    // Every seed field keeps one schema across the actions that take it.
    for field in SEED_FIELDS {
        assert!(
            properties[field].get("type").is_some(),
            "{field} is typed on the door: {}",
            properties[field]
        );
    }
    assert!(properties["repository"]["pattern"].is_string());
    assert_eq!(properties["labels"]["type"], "array");
    assert_eq!(properties["issue_number"]["type"], "integer");
    // Direct tools stay available for the review pipeline.
    for tool in [
        "get_pull_request_diff",
        "get_pr_files",
        "create_review_comment",
    ] {
        assert!(server.bridge.tool(tool).is_some(), "{tool}");
    }
}

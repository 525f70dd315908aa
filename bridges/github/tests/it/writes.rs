//! The write tools: what they send (checked against GitHub's description) and what they
//! answer.

use serde_json::json;
use wiremock::matchers::{body_json, header};
use wiremock::{MockServer, ResponseTemplate};

use crate::fixtures;
use crate::spec::assert_valid;
use crate::{REPO, body, github, message, only, received, serve};

#[tokio::test]
async fn create_issue_sends_labels_and_assignees_and_answers_the_seed_fields() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/issues")
        .and(header("accept", "application/vnd.github+json"))
        .and(body_json(json!({
            "title": "Login fails on Safari",
            "body": "Steps to reproduce...",
            "labels": ["bug", "p1"],
            "assignees": ["hubot"]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::issue(
            42,
            "Login fails on Safari",
            &["bug", "p1"],
            &["hubot"],
        )))
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_issue",
            &json!({
                "repository": REPO,
                "title": "Login fails on Safari",
                "body": "Steps to reproduce...",
                "labels": ["bug", "p1"],
                "assignees": ["hubot"]
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["issue_number"], 42);
    assert_eq!(
        answer["issue_url"],
        "https://github.com/octo-org/octo-repo/issues/42"
    );
    assert_eq!(answer["state"], "open");
    assert_eq!(answer["created_at"], "2026-04-08T09:30:00Z");
    assert_eq!(answer["labels"], json!(["bug", "p1"]));
    assert_eq!(answer["assignees"], json!(["hubot"]));
    assert_eq!(answer["node_id"], "I_kwDOissue42");
    let sent = only(&fake, "POST", "/repos/octo-org/octo-repo/issues").await;
    assert_valid("post", "/repos/{owner}/{repo}/issues", &body(&sent));
}

#[tokio::test]
async fn create_pr_opens_on_the_default_branch_and_requests_reviewers() {
    let fake = MockServer::start().await;
    github("GET", "/repos/octo-org/octo-repo")
        .respond_with(ResponseTemplate::new(200).set_body_json(fixtures::repository()))
        .expect(1)
        .mount(&fake)
        .await;
    github("POST", "/repos/octo-org/octo-repo/pulls")
        .and(body_json(json!({
            "title": "Add search",
            "head": "feature-x",
            "base": "main",
            "body": "Adds the feature.",
            "draft": true
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::pull(
            7,
            "Add search",
            &[],
            &[],
        )))
        .expect(1)
        .mount(&fake)
        .await;
    github(
        "POST",
        "/repos/octo-org/octo-repo/pulls/7/requested_reviewers",
    )
    .and(body_json(
        json!({"reviewers": ["alice", "bob"], "team_reviewers": ["core"]}),
    ))
    .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::pull(
        7,
        "Add search",
        &["alice", "bob"],
        &["core"],
    )))
    .expect(1)
    .mount(&fake)
    .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_pr",
            &json!({
                "repository": REPO,
                "title": "Add search",
                "body": "Adds the feature.",
                "head": "feature-x",
                "draft": true,
                "reviewers": ["alice", "bob"],
                "team_reviewers": ["core"]
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["pr_number"], 7);
    assert_eq!(
        answer["pr_url"],
        "https://github.com/octo-org/octo-repo/pull/7"
    );
    assert_eq!(answer["base"], "main");
    assert_eq!(answer["head"], "feature-x");
    assert_eq!(answer["reviewers_assigned"], 3);
    assert_eq!(answer["requested_reviewers"], json!(["alice", "bob"]));
    assert_eq!(answer["requested_teams"], json!(["core"]));
    assert!(answer.get("reviewers_error").is_none(), "{answer}");
    let sent = only(&fake, "POST", "/repos/octo-org/octo-repo/pulls").await;
    assert_valid("post", "/repos/{owner}/{repo}/pulls", &body(&sent));
    let sent = only(
        &fake,
        "POST",
        "/repos/octo-org/octo-repo/pulls/7/requested_reviewers",
    )
    .await;
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        &body(&sent),
    );
}

#[tokio::test]
async fn a_failed_reviewer_request_is_reported_not_retried_as_a_new_pr() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/pulls")
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::pull(
            8,
            "Fix typo",
            &[],
            &[],
        )))
        .expect(1)
        .mount(&fake)
        .await;
    github("POST", "/repos/octo-org/octo-repo/pulls/8/requested_reviewers")
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the octo-org/octo-repo repository.",
            "documentation_url": "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request",
            "status": "422"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_pr",
            &json!({"repository": REPO, "title": "Fix typo", "head": "typo", "base": "main", "reviewers": ["stranger"]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["pr_number"], 8);
    assert_eq!(answer["reviewers_assigned"], 0);
    let reason = answer["reviewers_error"].as_str().unwrap_or_default();
    assert!(reason.contains("not a collaborator"), "{answer}");
}

#[tokio::test]
async fn merge_pr_squashes_at_the_reviewed_head() {
    let fake = MockServer::start().await;
    github("PUT", "/repos/octo-org/octo-repo/pulls/7/merge")
        .and(body_json(json!({
            "merge_method": "squash",
            "commit_title": "Add search (#7)",
            "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            "merged": true,
            "message": "Pull Request successfully merged"
        })))
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "merge_pr",
            &json!({
                "repository": REPO,
                "pr_number": 7,
                "merge_method": "squash",
                "commit_title": "Add search (#7)",
                "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["merged"], true);
    assert_eq!(answer["merge_method"], "squash");
    assert_eq!(answer["message"], "Pull Request successfully merged");
    let sent = only(&fake, "PUT", "/repos/octo-org/octo-repo/pulls/7/merge").await;
    assert_valid(
        "put",
        "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
        &body(&sent),
    );
}

#[tokio::test]
async fn add_comment_goes_to_the_conversation_of_an_issue_or_pr() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/issues/7/comments")
        .and(body_json(json!({"body": "Looks good"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::comment(1001)))
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "add_comment",
            &json!({"repository": REPO, "pr_number": 7, "body": "Looks good"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["comment_id"], 1001);
    assert_eq!(answer["issue_number"], 7);
    assert_eq!(
        answer["comment_url"],
        "https://github.com/octo-org/octo-repo/pull/7#issuecomment-1001"
    );
    let sent = only(&fake, "POST", "/repos/octo-org/octo-repo/issues/7/comments").await;
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        &body(&sent),
    );
    // Mistakes are named before anything is sent.
    for (args, path) in [
        (json!({"repository": REPO, "pr_number": 7}), "/body"),
        (
            json!({"repository": REPO, "pr_number": 7, "body": "  "}),
            "/body",
        ),
        (json!({"repository": REPO, "body": "x"}), "/issue_number"),
        (
            json!({"repository": REPO, "issue_number": 1, "pr_number": 7, "body": "x"}),
            "/pr_number",
        ),
    ] {
        let (status, answer) = server.call("add_comment", &args).await;
        assert_eq!(status, 422, "{args}: {answer}");
        assert_eq!(answer["error"]["violations"][0]["path"], path, "{answer}");
    }
    assert_eq!(received(&fake).await.len(), 1);
}

#[tokio::test]
async fn assign_reviewers_sends_both_documented_lists() {
    let fake = MockServer::start().await;
    github(
        "POST",
        "/repos/octo-org/octo-repo/pulls/7/requested_reviewers",
    )
    .and(body_json(
        json!({"reviewers": ["alice"], "team_reviewers": []}),
    ))
    .respond_with(ResponseTemplate::new(201).set_body_json(fixtures::pull(
        7,
        "Add search",
        &["alice"],
        &[],
    )))
    .expect(1)
    .mount(&fake)
    .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "assign_reviewers",
            &json!({"repository": REPO, "pr_number": 7, "reviewers": ["alice"]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["requested_reviewers"], json!(["alice"]));
    assert_eq!(answer["requested_teams"], json!([]));
    assert_eq!(
        answer["pr_url"],
        "https://github.com/octo-org/octo-repo/pull/7"
    );
    let sent = only(
        &fake,
        "POST",
        "/repos/octo-org/octo-repo/pulls/7/requested_reviewers",
    )
    .await;
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        &body(&sent),
    );
    let (status, answer) = server
        .call(
            "assign_reviewers",
            &json!({"repository": REPO, "pr_number": 7}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "/reviewers");
}

#[tokio::test]
async fn create_release_takes_the_seed_pipelines_arguments() {
    let fake = MockServer::start().await;
    let notes = "## Weekly Release v1.4.0\n\n- **Pull Requests Merged**: 3";
    github("POST", "/repos/octo-org/octo-repo/releases")
        .and(body_json(json!({
            "tag_name": "v1.4.0",
            "name": "Weekly Release v1.4.0",
            "body": notes,
            "draft": false,
            "prerelease": false
        })))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixtures::release("v1.4.0", "Weekly Release v1.4.0")),
        )
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    // Exactly the `with` of the seed's "create_release" step (without `action`).
    let (status, answer) = server
        .call(
            "create_release",
            &json!({
                "repository": REPO,
                "tag_name": "v1.4.0",
                "name": "Weekly Release v1.4.0",
                "body": notes,
                "draft": false,
                "prerelease": false
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["html_url"],
        "https://github.com/octo-org/octo-repo/releases/tag/v1.4.0"
    );
    assert_eq!(answer["tag_name"], "v1.4.0");
    assert_eq!(answer["published_at"], "2026-04-10T16:00:05Z");
    let sent = only(&fake, "POST", "/repos/octo-org/octo-repo/releases").await;
    assert_valid("post", "/repos/{owner}/{repo}/releases", &body(&sent));
}

#[tokio::test]
async fn manage_labels_adds_sets_removes_and_clears() {
    let fake = MockServer::start().await;
    let labels = |names: &[&str]| {
        json!(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| fixtures::label(n, i as u64 + 1))
                .collect::<Vec<_>>()
        )
    };
    let path = "/repos/octo-org/octo-repo/issues/12/labels";
    github("POST", path)
        .and(body_json(json!({"labels": ["bug", "good first issue"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels(&[
            "triage",
            "bug",
            "good first issue",
        ])))
        .expect(1)
        .mount(&fake)
        .await;
    github("PUT", path)
        .and(body_json(json!({"labels": ["wontfix"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels(&["wontfix"])))
        .expect(1)
        .mount(&fake)
        .await;
    github("GET", path)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(labels(&["triage", "good first issue"])),
        )
        .expect(1)
        .mount(&fake)
        .await;
    github("DELETE", &format!("{path}/good%20first%20issue"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels(&["triage"])))
        .expect(1)
        .mount(&fake)
        .await;
    github("DELETE", path)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;

    let (status, answer) = server
        .call(
            "manage_labels",
            &json!({"repository": REPO, "issue_number": 12, "labels": ["bug", "good first issue"]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["operation"], "add");
    assert_eq!(
        answer["labels"],
        json!(["triage", "bug", "good first issue"])
    );
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        &body(&only(&fake, "POST", path).await),
    );

    let (status, answer) = server
        .call(
            "manage_labels",
            &json!({"repository": REPO, "pr_number": 12, "labels": ["wontfix"], "operation": "set"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["labels"], json!(["wontfix"]));
    assert_valid(
        "put",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        &body(&only(&fake, "PUT", path).await),
    );

    let (status, answer) = server
        .call(
            "manage_labels",
            &json!({"repository": REPO, "issue_number": 12, "labels": ["Good First Issue", "p1"], "operation": "remove"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["labels"], json!(["triage"]));
    assert_eq!(answer["not_present"], json!(["p1"]));

    let (status, answer) = server
        .call(
            "manage_labels",
            &json!({"repository": REPO, "issue_number": 12, "labels": [], "operation": "set"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["labels"], json!([]));

    let (status, answer) = server
        .call(
            "manage_labels",
            &json!({"repository": REPO, "issue_number": 12, "operation": "remove"}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "/labels");
}

#[tokio::test]
async fn run_workflow_dispatches_the_seed_release_tests() {
    let fake = MockServer::start().await;
    github(
        "POST",
        "/repos/octo-org/octo-repo/actions/workflows/release-tests.yml/dispatches",
    )
    .and(body_json(json!({
        "ref": "main",
        "inputs": {"environment": "staging", "run_integration_tests": "true"}
    })))
    .respond_with(ResponseTemplate::new(204))
    .expect(1)
    .mount(&fake)
    .await;
    let server = serve(&fake).await;
    // The seed's "run_tests" step spells the inputs `inputs`.
    let (status, answer) = server
        .call(
            "run_workflow",
            &json!({
                "repository": REPO,
                "workflow_id": "release-tests.yml",
                "ref": "main",
                "inputs": {"environment": "staging", "run_integration_tests": "true"}
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["workflow_triggered"], true);
    assert_eq!(answer["workflow_id"], "release-tests.yml");
    assert_eq!(answer["ref"], "main");
    assert_eq!(answer["inputs"]["environment"], "staging");
    assert!(answer.get("workflow_run_id").is_none(), "{answer}");
    let sent = only(
        &fake,
        "POST",
        "/repos/octo-org/octo-repo/actions/workflows/release-tests.yml/dispatches",
    )
    .await;
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
        &body(&sent),
    );
}

#[tokio::test]
async fn run_workflow_reports_the_run_that_api_2026_03_10_returns() {
    let fake = MockServer::start().await;
    github("GET", "/repos/octo-org/octo-repo")
        .respond_with(ResponseTemplate::new(200).set_body_json(fixtures::repository()))
        .mount(&fake)
        .await;
    github(
        "POST",
        "/repos/octo-org/octo-repo/actions/workflows/1234/dispatches",
    )
    .and(body_json(
        json!({"ref": "main", "inputs": {"dry_run": true}}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "workflow_run_id": 30433642,
        "run_url": "https://api.github.com/repos/octo-org/octo-repo/actions/runs/30433642",
        "html_url": "https://github.com/octo-org/octo-repo/actions/runs/30433642"
    })))
    .expect(1)
    .mount(&fake)
    .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "run_workflow",
            &json!({"repository": REPO, "workflow_id": "1234", "workflow_inputs": {"dry_run": true}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ref"], "main", "default branch looked up");
    assert_eq!(answer["workflow_run_id"], 30433642);
    assert_eq!(
        answer["html_url"],
        "https://github.com/octo-org/octo-repo/actions/runs/30433642"
    );
    let (status, answer) = server
        .call(
            "run_workflow",
            &json!({"repository": REPO, "workflow_id": "1234", "inputs": {}, "workflow_inputs": {}}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert!(message(&answer).contains("once"), "{answer}");
    // Neither a path nor URL navigation can pose as a workflow.
    for workflow_id in ["../../hooks", ".."] {
        let (status, answer) = server
            .call(
                "run_workflow",
                &json!({"repository": REPO, "workflow_id": workflow_id}),
            )
            .await;
        assert_eq!(status, 422, "{workflow_id}: {answer}");
        assert_eq!(answer["error"]["violations"][0]["path"], "/workflow_id");
    }
    assert_eq!(
        received(&fake).await.len(),
        2,
        "GET repository, one dispatch"
    );
}

#[tokio::test]
async fn create_review_comment_posts_the_seed_review_with_line_comments() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/pulls/7/reviews")
        .and(body_json(json!({
            "event": "COMMENT",
            "body": "## Automated Code Review\n\n**Overall Score:** 8/10",
            "comments": [
                {"path": "src/app.py", "line": 42, "side": "RIGHT", "body": "SQL built by string concatenation"},
                {"path": "src/db.py", "line": 12, "start_line": 10, "body": "Close the cursor"}
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixtures::review(80)))
        .expect(1)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_review_comment",
            &json!({
                "repository": REPO,
                "pull_number": 7,
                "body": "## Automated Code Review\n\n**Overall Score:** 8/10",
                "comments": [
                    {"path": "src/app.py", "line": 42, "side": "RIGHT", "body": "SQL built by string concatenation"},
                    {"path": "src/db.py", "line": 12, "start_line": 10, "body": "Close the cursor"}
                ]
            }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["review_id"], 80);
    assert_eq!(answer["state"], "COMMENTED");
    assert_eq!(answer["comments_count"], 2);
    let sent = only(&fake, "POST", "/repos/octo-org/octo-repo/pulls/7/reviews").await;
    assert_valid(
        "post",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        &body(&sent),
    );
    for (args, path) in [
        (json!({"repository": REPO, "pull_number": 7}), "/body"),
        (
            json!({"repository": REPO, "pull_number": 7, "body": "x", "comments": [{"path": "a.rs", "line": 3, "start_line": 3, "body": "y"}]}),
            "/comments/0/start_line",
        ),
        (
            json!({"repository": REPO, "pull_number": 7, "body": "x", "comments": [{"path": "a.rs", "line": 3, "body": "y", "position": 1}]}),
            "/comments/0/position",
        ),
    ] {
        let (status, answer) = server.call("create_review_comment", &args).await;
        assert_eq!(status, 422, "{args}: {answer}");
        assert_eq!(answer["error"]["violations"][0]["path"], path, "{answer}");
    }
    // An approval needs no body.
    github("POST", "/repos/octo-org/octo-repo/pulls/9/reviews")
        .and(body_json(json!({"event": "APPROVE"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixtures::review(81)))
        .expect(1)
        .mount(&fake)
        .await;
    let (status, answer) = server
        .call(
            "create_review_comment",
            &json!({"repository": REPO, "pull_number": 9, "event": "APPROVE"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

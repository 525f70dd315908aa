//! GitHub's refusals, classified: 404, 403, 422 with its `errors`, 405/409 on merge, and
//! arguments refused before anything is sent.

use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::{REPO, TOKEN, github, message, received, serve};

#[tokio::test]
async fn a_missing_pull_request_is_not_found_naming_it() {
    let fake = MockServer::start().await;
    github("PUT", "/repos/octo-org/octo-repo/pulls/99/merge")
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
            "status": "404"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call("merge_pr", &json!({"repository": REPO, "pr_number": 99}))
        .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"]["code"], "not_found");
    assert!(
        message(&answer).contains("pull request #99 in octo-org/octo-repo"),
        "{answer}"
    );
    assert_eq!(
        answer["error"]["upstream"],
        json!({"service": "github", "status": 404})
    );
}

#[tokio::test]
async fn a_permission_refusal_is_forbidden_with_githubs_reason_and_no_secret() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/releases")
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/rest/releases/releases#create-a-release",
            "status": "403"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_release",
            &json!({"repository": REPO, "tag_name": "v1.0.0"}),
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "forbidden");
    assert_eq!(answer["error"]["retryable"], false);
    assert!(
        message(&answer).contains("Resource not accessible"),
        "{answer}"
    );
    assert!(
        !answer.to_string().contains(TOKEN),
        "the token never appears"
    );
}

#[tokio::test]
async fn validation_failures_keep_githubs_errors() {
    let fake = MockServer::start().await;
    github("POST", "/repos/octo-org/octo-repo/releases")
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
            "documentation_url": "https://docs.github.com/rest/releases/releases#create-a-release",
            "status": "422"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "create_release",
            &json!({"repository": REPO, "tag_name": "v1.0.0"}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_arguments");
    assert!(
        message(&answer).contains("Release.tag_name already_exists"),
        "{answer}"
    );
    assert_eq!(
        answer["error"]["details"]["errors"],
        json!([{"resource": "Release", "code": "already_exists", "field": "tag_name"}])
    );
}

#[tokio::test]
async fn a_pull_request_that_cannot_be_merged_is_a_conflict() {
    let fake = MockServer::start().await;
    github("PUT", "/repos/octo-org/octo-repo/pulls/7/merge")
        .respond_with(ResponseTemplate::new(405).set_body_json(json!({
            "message": "Pull Request is not mergeable",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
            "status": "405"
        })))
        .mount(&fake)
        .await;
    github("PUT", "/repos/octo-org/octo-repo/pulls/8/merge")
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "message": "Head branch was modified. Review and try the merge again.",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
            "status": "409"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    for (number, reason) in [
        (7, "Pull Request is not mergeable"),
        (8, "Head branch was modified"),
    ] {
        let (status, answer) = server
            .call(
                "merge_pr",
                &json!({"repository": REPO, "pr_number": number, "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"}),
            )
            .await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "conflict");
        assert_eq!(answer["error"]["retryable"], false);
        assert!(message(&answer).contains(reason), "{answer}");
        assert!(
            message(&answer).contains(&format!("pull request #{number}")),
            "{answer}"
        );
    }
    // A conflict is final: each merge was tried once.
    assert_eq!(received(&fake).await.len(), 2);
}

#[tokio::test]
async fn a_bad_repository_is_refused_before_calling_github() {
    let fake = MockServer::start().await;
    let server = serve(&fake).await;
    for repository in [
        "octo-repo",
        "octo org/repo",
        "octo/../../user",
        "octo/..",
        "a/b/c",
    ] {
        let (status, answer) = server
            .call(
                "create_issue",
                &json!({"repository": repository, "title": "x"}),
            )
            .await;
        assert_eq!(status, 422, "{repository}: {answer}");
        assert_eq!(
            answer["error"]["violations"][0]["path"], "/repository",
            "{repository}: {answer}"
        );
    }
    let (status, answer) = server
        .call(
            "create_issue",
            &json!({"repository": REPO, "title": "x", "labels": "bug"}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "/labels");
    assert!(received(&fake).await.is_empty());
}

//! The read tools: the review pipeline's diff and files, and the release pipeline's
//! metrics, through `Link` pagination.

use serde_json::{Value, json};
use wiremock::matchers::{header, query_param, query_param_is_missing};
use wiremock::{MockServer, ResponseTemplate};

use crate::fixtures::{closed_pull, commit, file, listed_issue};
use crate::{REPO, github, received, serve};

const DIFF: &str = "diff --git a/src/app.py b/src/app.py
index 83db48f..bf269f4 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,4 +1,5 @@
 import os
-query = \"SELECT * FROM users WHERE id=\" + user_id
+query = \"SELECT * FROM users WHERE id=%s\"
+cursor.execute(query, (user_id,))
 print(query)
diff --git a/README.md b/README.md
index 1111111..2222222 100644
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-Old
+New
";

#[tokio::test]
async fn the_diff_is_asked_for_as_a_diff_and_counted() {
    let fake = MockServer::start().await;
    github("GET", "/repos/octo-org/octo-repo/pulls/7")
        .and(header("accept", "application/vnd.github.diff"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(DIFF, "text/plain; charset=utf-8"))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    // The seed's "fetch_pr_diff" step.
    let (status, answer) = server
        .call(
            "get_pull_request_diff",
            &json!({"repository": REPO, "pull_number": 7}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["content"], DIFF);
    assert_eq!(answer["files_changed"], 2);
    assert_eq!(answer["additions"], 3);
    assert_eq!(answer["deletions"], 2);
    assert_eq!(answer["truncated"], false);
    assert_eq!(answer["total_bytes"], DIFF.len());

    let (status, answer) = server
        .call(
            "get_pull_request_diff",
            &json!({"repository": REPO, "pull_number": 7, "max_bytes": 1024}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["truncated"], false, "the diff is under 1024 bytes");

    let long = DIFF.repeat(40);
    github("GET", "/repos/octo-org/octo-repo/pulls/8")
        .respond_with(ResponseTemplate::new(200).set_body_raw(long.clone(), "text/plain"))
        .mount(&fake)
        .await;
    let (status, answer) = server
        .call(
            "get_pull_request_diff",
            &json!({"repository": REPO, "pull_number": 8, "max_bytes": 2000}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let content = answer["content"].as_str().unwrap_or_default();
    assert!(
        content.len() <= 2000 && content.ends_with('\n'),
        "{content}"
    );
    assert!(long.starts_with(content));
    assert_eq!(answer["truncated"], true);
    assert_eq!(answer["files_changed"], 80, "counts cover the whole diff");
}

#[tokio::test]
async fn a_diff_beyond_githubs_limits_is_a_conflict_pointing_at_the_file_list() {
    let fake = MockServer::start().await;
    github("GET", "/repos/octo-org/octo-repo/pulls/9")
        .respond_with(ResponseTemplate::new(406).set_body_json(json!({
            "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API or locally cloning the repository instead.",
            "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
            "status": "406"
        })))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "get_pull_request_diff",
            &json!({"repository": REPO, "pull_number": 9}),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["retryable"], false);
    let text = crate::message(&answer);
    assert!(
        text.contains("maximum number of files") && text.contains("get_pr_files"),
        "{answer}"
    );
}

#[tokio::test]
async fn pr_files_follow_link_pages_and_name_the_primary_language() {
    let fake = MockServer::start().await;
    let page2 = format!("{}/repositories/1296269/pulls/7/files", fake.uri());
    let first: Vec<Value> = vec![
        file("src/app.py", "modified", 30, 10),
        file("README.md", "modified", 200, 0),
        file("web/app.ts", "added", 12, 0),
    ];
    let second: Vec<Value> = vec![
        file("src/db.py", "renamed", 5, 5),
        file("web/util.ts", "modified", 6, 0),
    ];
    github("GET", "/repos/octo-org/octo-repo/pulls/7/files")
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&first).insert_header(
            "link",
            format!(
                "<{page2}?per_page=100&page=2>; rel=\"next\", <{page2}?per_page=100&page=2>; rel=\"last\""
            )
            .as_str(),
        ))
        .expect(2)
        .mount(&fake)
        .await;
    github("GET", "/repositories/1296269/pulls/7/files")
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&second).insert_header(
            "link",
            format!("<{page2}?per_page=100&page=1>; rel=\"prev\", <{page2}?per_page=100&page=1>; rel=\"first\"").as_str(),
        ))
        .expect(2)
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    // The seed's "detect_language" step.
    let (status, answer) = server
        .call(
            "get_pr_files",
            &json!({"repository": REPO, "pull_number": 7}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["total_files"], 5);
    assert_eq!(answer["additions"], 253);
    assert_eq!(answer["deletions"], 15);
    // README.md changed the most lines but is not code; Python (50) beats TypeScript (18).
    assert_eq!(answer["primary_language"], "python");
    assert_eq!(
        answer["languages"][0],
        json!({"language": "python", "files": 2, "changes": 50})
    );
    assert_eq!(answer["languages"][1]["language"], "typescript");
    assert_eq!(answer["files"][0]["filename"], "src/app.py");
    assert_eq!(answer["files"][0]["language"], "python");
    assert!(answer["files"][1].get("language").is_none());
    assert!(
        answer["files"][0].get("patch").is_none(),
        "patches only on request"
    );
    assert_eq!(answer["truncated"], false);

    let (status, answer) = server
        .call(
            "get_pr_files",
            &json!({"repository": REPO, "pull_number": 7, "include_patch": true}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["files"][4]["patch"],
        "@@ -1,3 +1,4 @@\n line\n+added"
    );
}

const SINCE: &str = "2026-04-03T00:00:00Z";
const UNTIL: &str = "2026-04-10T00:00:00Z";

/// A fake repository with one week of activity across paginated listings.
async fn busy_week(fake: &MockServer) {
    let uri = fake.uri();
    // Pull requests, most recently updated first; the second page reaches before the
    // span, so no third page may be asked for.
    github("GET", "/repos/octo-org/octo-repo/pulls")
        .and(query_param("state", "closed"))
        .and(query_param("sort", "updated"))
        .and(query_param("direction", "desc"))
        .and(query_param("per_page", "100"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    closed_pull(
                        31,
                        "feat(search): add fuzzy search",
                        &[],
                        Some("2026-04-09T10:00:00Z"),
                        "2026-04-09T10:00:00Z"
                    ),
                    closed_pull(
                        30,
                        "Crash when the cart is empty",
                        &["bug"],
                        Some("2026-04-08T10:00:00Z"),
                        "2026-04-08T10:00:00Z"
                    ),
                    closed_pull(29, "Abandoned idea", &[], None, "2026-04-07T10:00:00Z"),
                ]))
                .insert_header(
                    "link",
                    format!("<{uri}/repositories/1296269/pulls?state=closed&page=2>; rel=\"next\"")
                        .as_str(),
                ),
        )
        .expect(1)
        .mount(fake)
        .await;
    github("GET", "/repositories/1296269/pulls")
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    closed_pull(
                        28,
                        "Dark mode",
                        &["enhancement"],
                        Some("2026-04-05T10:00:00Z"),
                        "2026-04-06T10:00:00Z"
                    ),
                    closed_pull(
                        27,
                        "docs: fix typo",
                        &[],
                        Some("2026-04-04T10:00:00Z"),
                        "2026-04-04T10:00:00Z"
                    ),
                    // Merged after `until`: outside the span.
                    closed_pull(
                        26,
                        "fix: late",
                        &[],
                        Some("2026-04-11T10:00:00Z"),
                        "2026-04-02T10:00:00Z"
                    ),
                ]))
                .insert_header(
                    "link",
                    format!("<{uri}/repositories/1296269/pulls?state=closed&page=3>; rel=\"next\"")
                        .as_str(),
                ),
        )
        .expect(1)
        .mount(fake)
        .await;
    github("GET", "/repos/octo-org/octo-repo/issues")
        .and(query_param("state", "all"))
        .and(query_param("since", SINCE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            listed_issue(
                40,
                "2026-03-01T00:00:00Z",
                Some("2026-04-05T00:00:00Z"),
                false
            ),
            listed_issue(
                41,
                "2026-04-06T00:00:00Z",
                Some("2026-04-07T00:00:00Z"),
                false
            ),
            listed_issue(42, "2026-04-08T00:00:00Z", None, false),
            listed_issue(
                31,
                "2026-04-08T00:00:00Z",
                Some("2026-04-09T10:00:00Z"),
                true
            ),
        ])))
        .expect(1)
        .mount(fake)
        .await;
    github("GET", "/repos/octo-org/octo-repo/commits")
        .and(query_param("since", SINCE))
        .and(query_param("until", UNTIL))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    commit("a1", Some("alice"), "alice@example.com", "2026-04-09T10:00:00Z"),
                    commit("a2", Some("newbie"), "newbie@example.com", "2026-04-08T10:00:00Z"),
                ]))
                .insert_header(
                    "link",
                    format!("<{uri}/repositories/1296269/commits?since={SINCE}&until={UNTIL}&page=2>; rel=\"next\"").as_str(),
                ),
        )
        .expect(1)
        .mount(fake)
        .await;
    github("GET", "/repositories/1296269/commits")
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            commit(
                "a3",
                Some("alice"),
                "alice@example.com",
                "2026-04-05T10:00:00Z"
            ),
            commit("a4", None, "contractor@example.org", "2026-04-04T10:00:00Z"),
        ])))
        .expect(1)
        .mount(fake)
        .await;
    // First-time checks: anything before the span by this author?
    for (author, earlier) in [
        (
            "alice",
            json!([commit(
                "old",
                Some("alice"),
                "alice@example.com",
                "2025-01-01T00:00:00Z"
            )]),
        ),
        ("newbie", json!([])),
        ("contractor@example.org", json!([])),
    ] {
        github("GET", "/repos/octo-org/octo-repo/commits")
            .and(query_param("author", author))
            .and(query_param("until", SINCE))
            .and(query_param("per_page", "1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(earlier))
            .mount(fake)
            .await;
    }
}

#[tokio::test]
async fn metrics_cover_the_span_with_the_release_pipelines_fields() {
    let fake = MockServer::start().await;
    busy_week(&fake).await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "get_metrics",
            &json!({"repository": REPO, "since": SINCE, "until": UNTIL}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["period"], "custom");
    assert_eq!(answer["since"], SINCE);
    let prs = &answer["pull_requests"];
    assert_eq!(prs["merged_count"], 4, "{prs}");
    assert_eq!(prs["feature_count"], 2);
    assert_eq!(prs["bugfix_count"], 1);
    assert_eq!(
        prs["feature_summary"],
        "- Add fuzzy search (#31)\n- Dark mode (#28)"
    );
    assert_eq!(
        prs["bugfix_summary"],
        "- Crash when the cart is empty (#30)"
    );
    assert_eq!(prs["merged"][0]["number"], 31);
    assert_eq!(prs["merged"][3]["kind"], "other");
    assert_eq!(
        answer["issues"]["closed_count"], 2,
        "pull requests are not issues"
    );
    assert_eq!(answer["issues"]["opened_count"], 2);
    assert_eq!(answer["commits"]["count"], 4);
    let contributors = &answer["contributors"];
    assert_eq!(contributors["count"], 3);
    assert_eq!(contributors["new_count"], 2);
    assert_eq!(
        contributors["new_contributors"],
        json!(["contractor@example.org", "newbie"])
    );
    assert_eq!(answer["truncated"], false);
    // The pull request listing stopped once updates predated the span.
    let third_pages = received(&fake)
        .await
        .iter()
        .filter(|r| r.url.query().is_some_and(|q| q.contains("page=3")))
        .count();
    assert_eq!(third_pages, 0);
}

#[tokio::test]
async fn the_release_pipeline_reads_its_fields_through_the_enterprise_door() {
    let fake = MockServer::start().await;
    for endpoint in [
        "/repos/octo-org/octo-repo/pulls",
        "/repos/octo-org/octo-repo/issues",
        "/repos/octo-org/octo-repo/commits",
    ] {
        github("GET", endpoint)
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&fake)
            .await;
    }
    let server = serve(&fake).await;
    // The seed's "check_ready_prs" step, verbatim.
    let (status, answer) = server
        .call(
            "enterprise",
            &json!({"action": "get_metrics", "repository": REPO, "period": "week"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["period"], "week");
    assert_eq!(answer["pull_requests"]["merged_count"], 0);
    assert_eq!(answer["issues"]["closed_count"], 0);
    assert_eq!(answer["contributors"]["new_count"], 0);
    assert_eq!(
        answer["pull_requests"]["feature_summary"],
        "_None this period._"
    );
    let since = answer["since"].as_str().unwrap_or_default();
    let until = answer["until"].as_str().unwrap_or_default();
    let span = chrono::DateTime::parse_from_rfc3339(until).expect("until")
        - chrono::DateTime::parse_from_rfc3339(since).expect("since");
    assert_eq!(span.num_days(), 7);
}

#[tokio::test]
async fn endless_listings_stop_at_the_page_bound_and_say_so() {
    let fake = MockServer::start().await;
    let next = format!(
        "<{}/repositories/1296269/commits?page=2>; rel=\"next\"",
        fake.uri()
    );
    github("GET", "/repos/octo-org/octo-repo/pulls")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&fake)
        .await;
    github("GET", "/repos/octo-org/octo-repo/issues")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&fake)
        .await;
    github("GET", "/repos/octo-org/octo-repo/commits")
        .and(query_param("author", "bot"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&fake)
        .await;
    let page = json!([commit(
        "b1",
        Some("bot"),
        "bot@example.com",
        "2026-04-05T00:00:00Z"
    )]);
    github("GET", "/repos/octo-org/octo-repo/commits")
        .and(query_param_is_missing("author"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&page)
                .insert_header("link", next.as_str()),
        )
        .mount(&fake)
        .await;
    github("GET", "/repositories/1296269/commits")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&page)
                .insert_header("link", next.as_str()),
        )
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, answer) = server
        .call(
            "get_metrics",
            &json!({"repository": REPO, "since": SINCE, "until": UNTIL}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["commits"]["count"], 10);
    assert_eq!(answer["commits"]["truncated"], true);
    assert_eq!(answer["truncated"], true);
    assert_eq!(answer["pull_requests"]["truncated"], false);
    let listed = received(&fake)
        .await
        .iter()
        .filter(|r| {
            r.url.path().ends_with("/commits") && !r.url.query().unwrap_or("").contains("author")
        })
        .count();
    assert_eq!(listed, 10, "ten pages, then stop");
}

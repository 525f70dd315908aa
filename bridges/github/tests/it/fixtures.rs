//! GitHub's answers, shaped as the REST API sends them (trimmed to realistic essentials).

use serde_json::{Value, json};

pub(crate) fn user(login: &str, id: u64) -> Value {
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"), "type": "User",
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "html_url": format!("https://github.com/{login}"), "site_admin": false
    })
}

pub(crate) fn label(name: &str, id: u64) -> Value {
    json!({
        "id": id, "node_id": format!("LA_{id}"), "name": name, "color": "d73a4a",
        "default": false, "description": null,
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/labels/{name}")
    })
}

pub(crate) fn issue(number: u64, title: &str, labels: &[&str], assignees: &[&str]) -> Value {
    json!({
        "id": 1_000_000 + number,
        "node_id": format!("I_kwDOissue{number}"),
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/issues/{number}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/issues/{number}"),
        "number": number,
        "state": "open",
        "state_reason": null,
        "title": title,
        "body": "Steps to reproduce...",
        "user": user("octocat", 1),
        "labels": labels.iter().enumerate().map(|(i, l)| label(l, i as u64 + 1)).collect::<Vec<_>>(),
        "assignees": assignees.iter().enumerate().map(|(i, a)| user(a, i as u64 + 10)).collect::<Vec<_>>(),
        "milestone": null,
        "locked": false,
        "comments": 0,
        "created_at": "2026-04-08T09:30:00Z",
        "updated_at": "2026-04-08T09:30:00Z",
        "closed_at": null,
        "author_association": "MEMBER"
    })
}

pub(crate) fn pull(number: u64, title: &str, reviewers: &[&str], teams: &[&str]) -> Value {
    json!({
        "id": 2_000_000 + number,
        "node_id": format!("PR_kwDOpull{number}"),
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/pulls/{number}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/pull/{number}"),
        "diff_url": format!("https://github.com/octo-org/octo-repo/pull/{number}.diff"),
        "number": number,
        "state": "open",
        "locked": false,
        "title": title,
        "user": user("octocat", 1),
        "body": "Adds the feature.",
        "labels": [],
        "draft": false,
        "created_at": "2026-04-08T10:00:00Z",
        "updated_at": "2026-04-08T10:00:00Z",
        "closed_at": null,
        "merged_at": null,
        "requested_reviewers": reviewers.iter().enumerate().map(|(i, r)| user(r, i as u64 + 20)).collect::<Vec<_>>(),
        "requested_teams": teams.iter().enumerate().map(|(i, t)| json!({"id": i + 1, "slug": t, "name": t})).collect::<Vec<_>>(),
        "head": {"label": "octo-org:feature-x", "ref": "feature-x", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
        "base": {"label": "octo-org:main", "ref": "main", "sha": "c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc"},
        "author_association": "MEMBER",
        "mergeable": true,
        "merged": false
    })
}

pub(crate) fn repository() -> Value {
    json!({
        "id": 1296269, "node_id": "R_kgDOrepo", "name": "octo-repo", "full_name": "octo-org/octo-repo",
        "private": false, "default_branch": "main",
        "html_url": "https://github.com/octo-org/octo-repo"
    })
}

pub(crate) fn comment(id: u64) -> Value {
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/issues/comments/{id}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/pull/7#issuecomment-{id}"),
        "body": "Looks good", "user": user("octocat", 1),
        "created_at": "2026-04-08T11:00:00Z", "updated_at": "2026-04-08T11:00:00Z",
        "author_association": "MEMBER"
    })
}

pub(crate) fn release(tag: &str, name: &str) -> Value {
    json!({
        "id": 1, "node_id": "RE_kwDOrelease",
        "url": "https://api.github.com/repos/octo-org/octo-repo/releases/1",
        "html_url": format!("https://github.com/octo-org/octo-repo/releases/tag/{tag}"),
        "upload_url": "https://uploads.github.com/repos/octo-org/octo-repo/releases/1/assets{?name,label}",
        "tag_name": tag, "target_commitish": "main", "name": name, "body": "notes",
        "draft": false, "prerelease": false,
        "created_at": "2026-04-10T16:00:00Z", "published_at": "2026-04-10T16:00:05Z",
        "author": user("octocat", 1), "assets": []
    })
}

pub(crate) fn review(id: u64) -> Value {
    json!({
        "id": id, "node_id": format!("PRR_{id}"), "user": user("ordinaut-bot", 99),
        "body": "## Automated Code Review", "state": "COMMENTED",
        "html_url": format!("https://github.com/octo-org/octo-repo/pull/7#pullrequestreview-{id}"),
        "pull_request_url": "https://api.github.com/repos/octo-org/octo-repo/pulls/7",
        "submitted_at": "2026-04-08T12:00:00Z", "commit_id": "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091",
        "author_association": "NONE"
    })
}

pub(crate) fn file(name: &str, status: &str, additions: u64, deletions: u64) -> Value {
    json!({
        "sha": "bbcd538c8e72b8c175046e27cc8f907076331401",
        "filename": name, "status": status,
        "additions": additions, "deletions": deletions, "changes": additions + deletions,
        "blob_url": format!("https://github.com/octo-org/octo-repo/blob/6dcb09b/{name}"),
        "raw_url": format!("https://github.com/octo-org/octo-repo/raw/6dcb09b/{name}"),
        "contents_url": format!("https://api.github.com/repos/octo-org/octo-repo/contents/{name}?ref=6dcb09b"),
        "patch": "@@ -1,3 +1,4 @@\n line\n+added"
    })
}

/// A closed pull request in a listing.
pub(crate) fn closed_pull(
    number: u64,
    title: &str,
    labels: &[&str],
    merged_at: Option<&str>,
    updated_at: &str,
) -> Value {
    let mut pr = pull(number, title, &[], &[]);
    pr["state"] = json!("closed");
    pr["merged_at"] = json!(merged_at);
    pr["closed_at"] = json!(merged_at.unwrap_or(updated_at));
    pr["updated_at"] = json!(updated_at);
    pr["labels"] = json!(
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| label(l, i as u64 + 1))
            .collect::<Vec<_>>()
    );
    pr
}

/// An issue in a listing; `pull` marks the pull requests GitHub lists among issues.
pub(crate) fn listed_issue(
    number: u64,
    created_at: &str,
    closed_at: Option<&str>,
    pull: bool,
) -> Value {
    let mut item = issue(number, "an issue", &[], &[]);
    item["created_at"] = json!(created_at);
    item["closed_at"] = json!(closed_at);
    item["state"] = json!(if closed_at.is_some() {
        "closed"
    } else {
        "open"
    });
    if pull {
        item["pull_request"] = json!({
            "url": format!("https://api.github.com/repos/octo-org/octo-repo/pulls/{number}"),
            "merged_at": null
        });
    }
    item
}

/// A commit in a listing; `login` is `None` for authors without a GitHub account.
pub(crate) fn commit(sha: &str, login: Option<&str>, email: &str, date: &str) -> Value {
    json!({
        "sha": sha, "node_id": format!("C_{sha}"),
        "commit": {
            "author": {"name": email.split('@').next(), "email": email, "date": date},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": date},
            "message": "change"
        },
        "author": login.map(|l| user(l, 5)),
        "committer": user("web-flow", 19864447),
        "html_url": format!("https://github.com/octo-org/octo-repo/commit/{sha}")
    })
}

//! `github.get_pull_request_diff`: a pull request's unified diff, as the seed's automated
//! review pipeline feeds to `anthropic-claude.code_review` (`${steps.diff.content}`).

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, Repository, optional_without_null};

/// Large enough for most reviews, small enough for an LLM's context.
const DEFAULT_MAX_BYTES: usize = 500_000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct GetPullRequestDiffArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The pull request number (GitHub's and the seed's review pipeline's name).
    #[schemars(range(min = 1))]
    pub pull_number: u64,
    /// Cut `content` to at most this many bytes, at a line end (default 500000); the
    /// counts still cover the whole diff.
    #[schemars(range(min = 1024, max = 10000000))]
    pub max_bytes: Option<usize>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PullRequestDiff {
    pub repository: String,
    pub pull_number: u64,
    /// The unified diff (`diff --git` sections), possibly cut (see `truncated`).
    pub content: String,
    /// Files in the diff.
    pub files_changed: usize,
    /// Lines added, over the whole diff.
    pub additions: usize,
    /// Lines removed, over the whole diff.
    pub deletions: usize,
    /// Size of the whole diff in bytes.
    pub total_bytes: usize,
    /// Whether `content` was cut at `max_bytes`.
    pub truncated: bool,
}

/// Files, added and removed lines of a unified diff. `---`/`+++` file headers are told
/// apart from removed or added lines that start with `--`/`++` by position: headers
/// come between `diff --git` and the first `@@` hunk of a file.
fn count(diff: &str) -> (usize, usize, usize) {
    let (mut files, mut added, mut removed) = (0, 0, 0);
    let mut in_header = false;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            files += 1;
            in_header = true;
        } else if line.starts_with("@@") {
            in_header = false;
        } else if !in_header {
            if line.starts_with('+') {
                added += 1;
            } else if line.starts_with('-') {
                removed += 1;
            }
        }
    }
    (files, added, removed)
}

/// `text` cut to at most `max` bytes at a line end (or at a character boundary when
/// the first line alone is longer).
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(newline) => &text[..=newline],
        None => &text[..end],
    }
}

#[derive(Debug)]
pub struct GetPullRequestDiff {
    github: GitHub,
}

impl GetPullRequestDiff {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for GetPullRequestDiff {
    type Args = GetPullRequestDiffArgs;
    type Output = PullRequestDiff;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_pull_request_diff",
        title: "Get a pull request's diff",
        description: "The unified diff of a GitHub pull request (`content`), with counts of files, added and removed lines. Long diffs are cut at `max_bytes` on a line end and flagged `truncated`; diffs beyond GitHub's own limits answer a conflict pointing at `get_pr_files`.",
        scopes: &["development.github"],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(60),
        hints: Hints::READ,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let path = format!("{}/pulls/{}", args.repository.api_path()?, args.pull_number);
        // The same endpoint as the pull request's JSON, asked for as a diff.
        let call = Call::get(path).header("accept", "application/vnd.github.diff");
        let what = format!(
            "pull request #{} in {}",
            args.pull_number,
            args.repository.as_str()
        );
        let response = self.github.call(ctx, call, &what).await?;
        let diff = response.text();
        let (files_changed, additions, deletions) = count(&diff);
        let content = cut(&diff, args.max_bytes.unwrap_or(DEFAULT_MAX_BYTES));
        Ok(PullRequestDiff {
            repository: args.repository.as_str().to_owned(),
            pull_number: args.pull_number,
            truncated: content.len() < diff.len(),
            content: content.to_owned(),
            files_changed,
            additions,
            deletions,
            total_bytes: diff.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "diff --git a/a.sql b/a.sql\n--- a/a.sql\n+++ b/a.sql\n@@ -1,2 +1,2 @@\n--- a comment\n+++ counter\n context\ndiff --git a/b.rs b/b.rs\nnew file mode 100644\n--- /dev/null\n+++ b/b.rs\n@@ -0,0 +1 @@\n+fn main() {}\n";

    #[test]
    fn headers_are_not_counted_as_changes() {
        assert_eq!(count(DIFF), (2, 2, 1));
    }

    #[test]
    fn cuts_fall_on_line_ends_and_char_boundaries() {
        let cut_diff = cut(DIFF, 40);
        assert!(cut_diff.ends_with('\n'));
        assert!(cut_diff.len() <= 40);
        assert_eq!(cut("ăăă", 3), "ă");
        assert_eq!(cut(DIFF, 10_000), DIFF);
    }
}

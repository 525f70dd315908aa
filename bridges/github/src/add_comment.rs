//! `github.add_comment`: comments on an issue or a pull request's conversation.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, Repository, optional_without_null};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct AddCommentArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The issue number (pull requests share the numbering; give one of `issue_number`
    /// and `pr_number` where a tool takes either).
    #[schemars(range(min = 1))]
    pub issue_number: Option<u64>,
    /// The pull request number.
    #[schemars(range(min = 1))]
    pub pr_number: Option<u64>,
    /// Markdown text: the body of the issue, pull request, comment (required for
    /// `add_comment`) or release.
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommentCreated {
    pub comment_id: u64,
    /// The comment's page on GitHub.
    pub comment_url: String,
    /// The issue or pull request commented on.
    pub issue_number: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    body: &'a str,
}

#[derive(Debug, Deserialize)]
struct CommentAnswer {
    id: u64,
    html_url: String,
    created_at: DateTime<Utc>,
}

/// The one number of an issue-or-pull-request argument pair, with the JSON path of a
/// mistake. Pull requests are issues to GitHub's issue endpoints (comments, labels).
pub(crate) fn issue_or_pr(
    issue_number: Option<u64>,
    pr_number: Option<u64>,
) -> Result<u64, ToolError> {
    match (issue_number, pr_number) {
        (Some(number), None) | (None, Some(number)) => Ok(number),
        (Some(_), Some(_)) => Err(ToolError::invalid_argument(
            "/pr_number",
            "give either `issue_number` or `pr_number`, not both",
        )),
        (None, None) => Err(ToolError::invalid_argument(
            "/issue_number",
            "give `issue_number` (or `pr_number` for a pull request)",
        )),
    }
}

#[derive(Debug)]
pub struct AddComment {
    github: GitHub,
}

impl AddComment {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for AddComment {
    type Args = AddCommentArgs;
    type Output = CommentCreated;

    const SPEC: ToolSpec = ToolSpec {
        name: "add_comment",
        title: "Comment on a GitHub issue or pull request",
        description: "Add a Markdown comment to an issue (`issue_number`) or to a pull request's conversation (`pr_number`). For line comments in a review use `create_review_comment`.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let number = issue_or_pr(args.issue_number, args.pr_number)?;
        let text = args
            .body
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| {
                ToolError::invalid_argument("/body", "the comment's Markdown text is required")
            })?;
        let path = format!("{}/issues/{number}/comments", args.repository.api_path()?);
        let what = format!(
            "issue or pull request #{number} in {}",
            args.repository.as_str()
        );
        let comment: CommentAnswer = self
            .github
            .json(ctx, Call::post(path).json(&Body { body: text }), &what)
            .await?;
        Ok(CommentCreated {
            comment_id: comment.id,
            comment_url: comment.html_url,
            issue_number: number,
            created_at: comment.created_at,
        })
    }
}

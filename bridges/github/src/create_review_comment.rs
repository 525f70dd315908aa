//! `github.create_review_comment`: posts a pull request review (the seed's automated
//! review pipeline posts Claude's findings with it), with optional line comments.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, Repository, optional_without_null};

/// What the review says about the pull request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewEvent {
    /// Feedback without a verdict.
    #[default]
    Comment,
    Approve,
    RequestChanges,
}

/// Which version of the file a line comment refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    /// The base (removed or unchanged lines).
    Left,
    /// The head (added or unchanged lines).
    Right,
}

/// A comment on a line (or a range of lines) of the diff.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct ReviewLineComment {
    /// The file's path in the repository, e.g. `src/app.py`.
    #[schemars(length(min = 1, max = 4096))]
    pub path: String,
    /// The line in the file (the last line of a range); it must be part of the diff.
    #[schemars(range(min = 1))]
    pub line: u64,
    /// `RIGHT` (default: the new version) or `LEFT` (the old version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// The first line of a multi-line comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub start_line: Option<u64>,
    /// The comment's Markdown text.
    #[schemars(length(min = 1, max = 65536))]
    pub body: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct CreateReviewCommentArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The pull request number (GitHub's and the seed's review pipeline's name).
    #[schemars(range(min = 1))]
    pub pull_number: u64,
    /// The review's Markdown text; required unless `event` is `APPROVE`.
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// `COMMENT` (default), `APPROVE` or `REQUEST_CHANGES`.
    pub event: Option<ReviewEvent>,
    /// Line comments posted with the review.
    #[schemars(length(max = 100))]
    pub comments: Option<Vec<ReviewLineComment>>,
    /// Review this commit of the pull request; default its latest.
    #[schemars(regex(pattern = r"^[0-9a-fA-F]{7,64}$"))]
    pub commit_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReviewCreated {
    pub review_id: u64,
    pub pull_number: u64,
    /// `COMMENTED`, `APPROVED` or `CHANGES_REQUESTED`.
    pub state: String,
    /// The review on GitHub.
    pub html_url: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Line comments posted with it.
    pub comments_count: usize,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    event: ReviewEvent,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "<[ReviewLineComment]>::is_empty")]
    comments: &'a [ReviewLineComment],
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_id: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct ReviewAnswer {
    id: u64,
    state: String,
    html_url: String,
    submitted_at: Option<DateTime<Utc>>,
}

/// Rules GitHub enforces with a bare 422, checked first so the caller learns which
/// argument is wrong.
fn check(args: &CreateReviewCommentArgs, event: ReviewEvent) -> Result<(), ToolError> {
    let has_body = args.body.as_deref().is_some_and(|b| !b.trim().is_empty());
    if event != ReviewEvent::Approve && !has_body {
        return Err(ToolError::invalid_argument(
            "/body",
            "a COMMENT or REQUEST_CHANGES review needs a body",
        ));
    }
    for (index, comment) in args.comments.iter().flatten().enumerate() {
        if comment
            .start_line
            .is_some_and(|start| start >= comment.line)
        {
            return Err(ToolError::invalid_argument(
                format!("/comments/{index}/start_line"),
                "start_line must come before line",
            ));
        }
    }
    Ok(())
}

#[derive(Debug)]
pub struct CreateReviewComment {
    github: GitHub,
}

impl CreateReviewComment {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for CreateReviewComment {
    type Args = CreateReviewCommentArgs;
    type Output = ReviewCreated;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_review_comment",
        title: "Post a pull request review",
        description: "Submit a review on a GitHub pull request: a Markdown body, a verdict (`COMMENT` by default, `APPROVE`, `REQUEST_CHANGES`) and optional comments on diff lines (`path`, `line`, `side`, optional `start_line` for a range).",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let event = args.event.unwrap_or_default();
        check(&args, event)?;
        let path = format!(
            "{}/pulls/{}/reviews",
            args.repository.api_path()?,
            args.pull_number
        );
        let comments = args.comments.as_deref().unwrap_or_default();
        let body = Body {
            event,
            body: args.body.as_deref(),
            comments,
            commit_id: args.commit_id.as_deref(),
        };
        let what = format!(
            "pull request #{} in {}",
            args.pull_number,
            args.repository.as_str()
        );
        let review: ReviewAnswer = self
            .github
            .json(ctx, Call::post(path).json(&body), &what)
            .await?;
        Ok(ReviewCreated {
            review_id: review.id,
            pull_number: args.pull_number,
            state: review.state,
            html_url: review.html_url,
            submitted_at: review.submitted_at,
            comments_count: comments.len(),
        })
    }
}

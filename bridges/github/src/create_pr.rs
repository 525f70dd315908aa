//! `github.create_pr`: opens a pull request and, optionally, requests reviewers on it.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assign_reviewers::request_reviewers;
use crate::github::{GitHub, Login, Repository, optional_without_null};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct CreatePrArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// Title of the issue or pull request.
    #[schemars(length(min = 1, max = 256))]
    pub title: String,
    /// Markdown text: the body of the issue, pull request, comment (required for
    /// `add_comment`) or release.
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// The branch with the changes (`feature-x`, or `user:feature-x` from a fork).
    #[schemars(length(min = 1, max = 255))]
    pub head: String,
    /// The branch to merge into; default the repository's default branch.
    #[schemars(length(min = 1, max = 255))]
    pub base: Option<String>,
    /// Create it as a draft: a draft pull request, or an unpublished release.
    pub draft: Option<bool>,
    /// Whether maintainers of the base repository may push to the head branch (forks).
    pub maintainer_can_modify: Option<bool>,
    /// Logins of users to request reviews from.
    #[schemars(length(max = 15), inner(length(min = 1, max = 100)))]
    pub reviewers: Option<Vec<String>>,
    /// Slugs of teams (in the repository's organization) to request reviews from.
    #[schemars(length(max = 15), inner(length(min = 1, max = 100)))]
    pub team_reviewers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrCreated {
    pub pr_number: u64,
    /// The pull request's page on GitHub.
    pub pr_url: String,
    pub created_at: DateTime<Utc>,
    /// `open`.
    pub state: String,
    pub draft: bool,
    pub title: String,
    pub head: String,
    pub base: String,
    /// How many users and teams were asked to review.
    pub reviewers_assigned: usize,
    pub requested_reviewers: Vec<String>,
    pub requested_teams: Vec<String>,
    /// Why requesting reviewers failed, if it did. The pull request exists either way, so
    /// this is reported rather than failing the call (a retry would open a duplicate);
    /// `assign_reviewers` can try again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewers_error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    title: &'a str,
    head: &'a str,
    base: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draft: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintainer_can_modify: Option<bool>,
}

/// A branch end of a pull request.
#[derive(Debug, Deserialize)]
pub(crate) struct Branch {
    #[serde(rename = "ref")]
    pub name: String,
}

/// A team as GitHub embeds it.
#[derive(Debug, Deserialize)]
pub(crate) struct Team {
    pub slug: String,
}

/// What GitHub answers for a pull request (the fields we use).
#[derive(Debug, Deserialize)]
pub(crate) struct PullAnswer {
    pub number: u64,
    pub html_url: String,
    pub created_at: DateTime<Utc>,
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    pub title: String,
    pub head: Branch,
    pub base: Branch,
    #[serde(default)]
    pub requested_reviewers: Vec<Login>,
    #[serde(default)]
    pub requested_teams: Vec<Team>,
}

#[derive(Debug)]
pub struct CreatePr {
    github: GitHub,
}

impl CreatePr {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for CreatePr {
    type Args = CreatePrArgs;
    type Output = PrCreated;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_pr",
        title: "Create a GitHub pull request",
        description: "Open a pull request from `head` into `base` (default: the repository's default branch), optionally as a draft, and request reviews from users and teams.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let repo_path = args.repository.api_path()?;
        let base = match args.base {
            Some(base) => base,
            None => self.github.default_branch(ctx, &args.repository).await?,
        };
        let body = Body {
            title: &args.title,
            head: &args.head,
            base: &base,
            body: args.body.as_deref(),
            draft: args.draft,
            maintainer_can_modify: args.maintainer_can_modify,
        };
        let what = format!("repository {}", args.repository.as_str());
        let pr: PullAnswer = self
            .github
            .json(
                ctx,
                Call::post(format!("{repo_path}/pulls")).json(&body),
                &what,
            )
            .await?;
        let reviewers = args.reviewers.unwrap_or_default();
        let teams = args.team_reviewers.unwrap_or_default();
        let mut created = PrCreated {
            pr_number: pr.number,
            pr_url: pr.html_url,
            created_at: pr.created_at,
            state: pr.state,
            draft: pr.draft,
            title: pr.title,
            head: pr.head.name,
            base: pr.base.name,
            reviewers_assigned: 0,
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
            reviewers_error: None,
        };
        if reviewers.is_empty() && teams.is_empty() {
            return Ok(created);
        }
        match request_reviewers(
            &self.github,
            ctx,
            &args.repository,
            pr.number,
            &reviewers,
            &teams,
        )
        .await
        {
            Ok(updated) => {
                created.requested_reviewers = updated
                    .requested_reviewers
                    .into_iter()
                    .map(|u| u.login)
                    .collect();
                created.requested_teams = updated
                    .requested_teams
                    .into_iter()
                    .map(|t| t.slug)
                    .collect();
                created.reviewers_assigned =
                    created.requested_reviewers.len() + created.requested_teams.len();
            }
            Err(error) => created.reviewers_error = Some(error.message().to_owned()),
        }
        Ok(created)
    }
}

//! `github.assign_reviewers`: requests reviews on a pull request from users and teams.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::create_pr::PullAnswer;
use crate::github::{GitHub, Repository, optional_without_null};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct AssignReviewersArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The pull request number.
    #[schemars(range(min = 1))]
    pub pr_number: u64,
    /// Logins of users to request reviews from.
    #[schemars(length(max = 15), inner(length(min = 1, max = 100)))]
    pub reviewers: Option<Vec<String>>,
    /// Slugs of teams (in the repository's organization) to request reviews from.
    #[schemars(length(max = 15), inner(length(min = 1, max = 100)))]
    pub team_reviewers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReviewersAssigned {
    pub pr_number: u64,
    pub pr_url: String,
    /// Every user whose review is now requested (earlier requests included).
    pub requested_reviewers: Vec<String>,
    /// Every team whose review is now requested.
    pub requested_teams: Vec<String>,
}

/// GitHub's documented body names both lists as required; empty lists are fine.
#[derive(Debug, Serialize)]
struct Body<'a> {
    reviewers: &'a [String],
    team_reviewers: &'a [String],
}

/// `POST .../pulls/{n}/requested_reviewers`; shared with `create_pr`.
pub(crate) async fn request_reviewers(
    github: &GitHub,
    ctx: &ToolContext,
    repository: &Repository,
    pr_number: u64,
    reviewers: &[String],
    team_reviewers: &[String],
) -> Result<PullAnswer, ToolError> {
    let path = format!(
        "{}/pulls/{pr_number}/requested_reviewers",
        repository.api_path()?
    );
    let body = Body {
        reviewers,
        team_reviewers,
    };
    let what = format!("pull request #{pr_number} in {}", repository.as_str());
    github.json(ctx, Call::post(path).json(&body), &what).await
}

#[derive(Debug)]
pub struct AssignReviewers {
    github: GitHub,
}

impl AssignReviewers {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for AssignReviewers {
    type Args = AssignReviewersArgs;
    type Output = ReviewersAssigned;

    const SPEC: ToolSpec = ToolSpec {
        name: "assign_reviewers",
        title: "Request pull request reviewers",
        description: "Request reviews on a GitHub pull request from users (`reviewers`) and/or teams (`team_reviewers`). Requesting someone already requested changes nothing.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::UPDATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let reviewers = args.reviewers.unwrap_or_default();
        let teams = args.team_reviewers.unwrap_or_default();
        if reviewers.is_empty() && teams.is_empty() {
            return Err(ToolError::invalid_argument(
                "/reviewers",
                "give at least one login in `reviewers` or team slug in `team_reviewers`",
            ));
        }
        let pr = request_reviewers(
            &self.github,
            ctx,
            &args.repository,
            args.pr_number,
            &reviewers,
            &teams,
        )
        .await?;
        Ok(ReviewersAssigned {
            pr_number: pr.number,
            pr_url: pr.html_url,
            requested_reviewers: pr
                .requested_reviewers
                .into_iter()
                .map(|u| u.login)
                .collect(),
            requested_teams: pr.requested_teams.into_iter().map(|t| t.slug).collect(),
        })
    }
}

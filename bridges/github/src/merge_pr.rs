//! `github.merge_pr`: merges a pull request (merge commit, squash or rebase).

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, Repository, optional_without_null};

/// How the pull request's commits land on the base branch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    #[default]
    Merge,
    Squash,
    Rebase,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct MergePrArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The pull request number.
    #[schemars(range(min = 1))]
    pub pr_number: u64,
    /// `merge` (default), `squash` or `rebase`; the repository must allow it.
    pub merge_method: Option<MergeMethod>,
    /// Title of the merge or squash commit; default GitHub's.
    #[schemars(length(min = 1, max = 256))]
    pub commit_title: Option<String>,
    /// Extra detail appended to the commit message.
    #[schemars(length(max = 65536))]
    pub commit_message: Option<String>,
    /// Merge only if the head is still at this commit SHA (guards against merging
    /// commits pushed after a review).
    #[schemars(regex(pattern = r"^[0-9a-fA-F]{7,64}$"))]
    pub sha: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrMerged {
    pub pr_number: u64,
    pub merged: bool,
    /// The SHA of the merge (or squash / last rebased) commit.
    pub sha: String,
    /// GitHub's message, e.g. "Pull Request successfully merged".
    pub message: String,
    pub merge_method: MergeMethod,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    merge_method: MergeMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct MergeAnswer {
    sha: String,
    merged: bool,
    message: String,
}

#[derive(Debug)]
pub struct MergePr {
    github: GitHub,
}

impl MergePr {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for MergePr {
    type Args = MergePrArgs;
    type Output = PrMerged;

    const SPEC: ToolSpec = ToolSpec {
        name: "merge_pr",
        title: "Merge a GitHub pull request",
        description: "Merge a pull request by merge commit, squash or rebase. A pull request that cannot be merged (conflicts, failing required checks or reviews, head moved past `sha`) answers a conflict error with GitHub's reason.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        // A merge cannot be taken back by the bridge: clients should confirm it.
        hints: Hints::DESTRUCTIVE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let path = format!(
            "{}/pulls/{}/merge",
            args.repository.api_path()?,
            args.pr_number
        );
        let merge_method = args.merge_method.unwrap_or_default();
        let body = Body {
            merge_method,
            commit_title: args.commit_title.as_deref(),
            commit_message: args.commit_message.as_deref(),
            sha: args.sha.as_deref(),
        };
        let what = format!(
            "pull request #{} in {}",
            args.pr_number,
            args.repository.as_str()
        );
        let merged: MergeAnswer = self
            .github
            .json(ctx, Call::put(path).json(&body), &what)
            .await?;
        Ok(PrMerged {
            pr_number: args.pr_number,
            merged: merged.merged,
            sha: merged.sha,
            message: merged.message,
            merge_method,
        })
    }
}

//! `github.create_release`: publishes a release (and its tag) as the seed's weekly
//! release pipeline does.

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
pub struct CreateReleaseArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The tag, e.g. `v1.4.0`; created from `target_commitish` if it does not exist.
    #[schemars(length(min = 1, max = 255))]
    pub tag_name: String,
    /// Where a new tag points: a branch or commit SHA; default the default branch.
    #[schemars(length(min = 1, max = 255))]
    pub target_commitish: Option<String>,
    /// The release title; default the tag name.
    #[schemars(length(min = 1, max = 255))]
    pub name: Option<String>,
    /// Markdown text: the body of the issue, pull request, comment (required for
    /// `add_comment`) or release.
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// Create it as a draft: a draft pull request, or an unpublished release.
    pub draft: Option<bool>,
    /// Mark the release as a prerelease.
    pub prerelease: Option<bool>,
    /// Let GitHub generate the name and notes (placed after `body`).
    pub generate_release_notes: Option<bool>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReleaseCreated {
    pub id: u64,
    pub tag_name: String,
    pub name: Option<String>,
    /// The release page (the seed's pipeline links `${steps.release.html_url}`).
    pub html_url: String,
    pub draft: bool,
    pub prerelease: bool,
    pub created_at: DateTime<Utc>,
    /// Absent for drafts.
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    tag_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_commitish: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draft: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prerelease: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generate_release_notes: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct ReleaseAnswer {
    id: u64,
    tag_name: String,
    name: Option<String>,
    html_url: String,
    draft: bool,
    prerelease: bool,
    created_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub struct CreateRelease {
    github: GitHub,
}

impl CreateRelease {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for CreateRelease {
    type Args = CreateReleaseArgs;
    type Output = ReleaseCreated;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_release",
        title: "Create a GitHub release",
        description: "Create a release for a tag (the tag is created from `target_commitish` if missing), with Markdown notes, as draft or prerelease if asked. An existing release for the tag is reported as invalid arguments with GitHub's reason.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let path = format!("{}/releases", args.repository.api_path()?);
        let body = Body {
            tag_name: &args.tag_name,
            target_commitish: args.target_commitish.as_deref(),
            name: args.name.as_deref(),
            body: args.body.as_deref(),
            draft: args.draft,
            prerelease: args.prerelease,
            generate_release_notes: args.generate_release_notes,
        };
        let what = format!("release {} in {}", args.tag_name, args.repository.as_str());
        let release: ReleaseAnswer = self
            .github
            .json(ctx, Call::post(path).json(&body), &what)
            .await?;
        Ok(ReleaseCreated {
            id: release.id,
            tag_name: release.tag_name,
            name: release.name,
            html_url: release.html_url,
            draft: release.draft,
            prerelease: release.prerelease,
            created_at: release.created_at,
            published_at: release.published_at,
        })
    }
}

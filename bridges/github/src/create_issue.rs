//! `github.create_issue`: opens an issue, with labels and assignees in the same request.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, LabelAnswer, Login, Repository, optional_without_null};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct CreateIssueArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// Title of the issue or pull request.
    #[schemars(length(min = 1, max = 256))]
    pub title: String,
    /// Markdown text: the body of the issue, pull request, comment (required for
    /// `add_comment`) or release.
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// Label names: set on a new issue (GitHub drops them silently without push access),
    /// or the labels `manage_labels` adds, removes or sets.
    #[schemars(length(max = 100), inner(length(min = 1, max = 100)))]
    pub labels: Option<Vec<String>>,
    /// Logins of users to assign (at most 10; GitHub drops them silently without push
    /// access).
    #[schemars(length(max = 10), inner(length(min = 1, max = 100)))]
    pub assignees: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueCreated {
    pub issue_number: u64,
    /// The issue's page on GitHub.
    pub issue_url: String,
    pub created_at: DateTime<Utc>,
    /// `open`.
    pub state: String,
    pub title: String,
    /// Labels the issue carries (those GitHub accepted).
    pub labels: Vec<String>,
    /// Logins assigned (those GitHub accepted).
    pub assignees: Vec<String>,
    /// GraphQL node id, for Projects (`sync_projects` looks it up by number itself).
    pub node_id: String,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignees: Option<&'a [String]>,
}

/// What GitHub answers for an issue (the fields we use).
#[derive(Debug, Deserialize)]
pub(crate) struct IssueAnswer {
    pub number: u64,
    pub html_url: String,
    pub created_at: DateTime<Utc>,
    pub state: String,
    pub title: String,
    pub node_id: String,
    #[serde(default)]
    pub labels: Vec<LabelAnswer>,
    #[serde(default)]
    pub assignees: Vec<Login>,
}

#[derive(Debug)]
pub struct CreateIssue {
    github: GitHub,
}

impl CreateIssue {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for CreateIssue {
    type Args = CreateIssueArgs;
    type Output = IssueCreated;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_issue",
        title: "Create a GitHub issue",
        description: "Open an issue in a GitHub repository, with optional Markdown body, labels and assignees. Returns its number and URL.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let path = format!("{}/issues", args.repository.api_path()?);
        let body = Body {
            title: &args.title,
            body: args.body.as_deref(),
            labels: args.labels.as_deref(),
            assignees: args.assignees.as_deref(),
        };
        let what = format!("repository {}", args.repository.as_str());
        let issue: IssueAnswer = self
            .github
            .json(ctx, Call::post(path).json(&body), &what)
            .await?;
        Ok(IssueCreated {
            issue_number: issue.number,
            issue_url: issue.html_url,
            created_at: issue.created_at,
            state: issue.state,
            title: issue.title,
            labels: issue.labels.into_iter().map(|l| l.name).collect(),
            assignees: issue.assignees.into_iter().map(|a| a.login).collect(),
            node_id: issue.node_id,
        })
    }
}

//! `github.sync_projects`: puts an issue or pull request on a GitHub Project and,
//! optionally, sets its Status.
//!
//! Projects (v2) have no REST write API worth the name: GitHub documents them through
//! GraphQL only, so this tool calls `POST {api}/graphql` (`{host}/api/graphql` on
//! Enterprise Server): one query resolves the item's and project's node ids and the
//! project's Status field, then `addProjectV2ItemById` (which returns the existing item
//! if it is already there, so the tool is idempotent) and, when asked,
//! `updateProjectV2ItemFieldValue`. The classic Projects REST API the seed era knew is
//! retired.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::add_comment::issue_or_pr;
use crate::github::{GitHub, Repository, optional_without_null};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct SyncProjectsArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The issue number (pull requests share the numbering; give one of `issue_number`
    /// and `pr_number` where a tool takes either).
    #[schemars(range(min = 1))]
    pub issue_number: Option<u64>,
    /// The pull request number.
    #[schemars(range(min = 1))]
    pub pr_number: Option<u64>,
    /// The project's number, as in its URL (`.../orgs/octo-org/projects/5` → 5).
    #[schemars(range(min = 1, max = 2147483647))]
    pub project_number: u64,
    /// The organization or user owning the project; default the repository's owner.
    #[schemars(length(min = 1, max = 100))]
    pub project_owner: Option<String>,
    /// Set the project's "Status" field to this option (e.g. `In Progress`).
    #[schemars(length(min = 1, max = 100))]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProjectItemSynced {
    /// The project's node id.
    pub project_id: String,
    pub project_title: String,
    pub project_url: String,
    /// The item's node id in the project.
    pub item_id: String,
    /// `Issue` or `PullRequest`.
    pub content_type: String,
    /// The issue or pull request number.
    pub number: u64,
    /// The Status option set, if one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

const LOOKUP: &str = r#"query($owner: String!, $name: String!, $number: Int!, $projectOwner: String!, $projectNumber: Int!) {
  repository(owner: $owner, name: $name) {
    issueOrPullRequest(number: $number) {
      __typename
      ... on Issue { id }
      ... on PullRequest { id }
    }
  }
  repositoryOwner(login: $projectOwner) {
    ... on Organization { projectV2(number: $projectNumber) { ...project } }
    ... on User { projectV2(number: $projectNumber) { ...project } }
  }
}
fragment project on ProjectV2 {
  id
  title
  url
  field(name: "Status") {
    ... on ProjectV2SingleSelectField { id options { id name } }
  }
}"#;

const ADD_ITEM: &str = r#"mutation($projectId: ID!, $contentId: ID!) {
  addProjectV2ItemById(input: {projectId: $projectId, contentId: $contentId}) { item { id } }
}"#;

const SET_STATUS: &str = r#"mutation($projectId: ID!, $itemId: ID!, $fieldId: ID!, $optionId: String!) {
  updateProjectV2ItemFieldValue(input: {projectId: $projectId, itemId: $itemId, fieldId: $fieldId, value: {singleSelectOptionId: $optionId}}) { projectV2Item { id } }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lookup {
    repository: Option<RepositoryNode>,
    repository_owner: Option<OwnerNode>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryNode {
    issue_or_pull_request: Option<Content>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(rename = "__typename")]
    typename: String,
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnerNode {
    project_v2: Option<Project>,
}

#[derive(Debug, Deserialize)]
struct Project {
    id: String,
    title: String,
    url: String,
    field: Option<StatusField>,
}

/// Empty (`{}`) when the project's "Status" is not a single-select field.
#[derive(Debug, Deserialize)]
struct StatusField {
    id: Option<String>,
    #[serde(default)]
    options: Vec<StatusOption>,
}

#[derive(Debug, Deserialize)]
struct StatusOption {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Added {
    add_project_v2_item_by_id: AddedItem,
}

#[derive(Debug, Deserialize)]
struct AddedItem {
    item: ItemId,
}

#[derive(Debug, Deserialize)]
struct ItemId {
    id: String,
}

/// The Status field id, option id and option name for `wanted` (any case), or an error
/// listing the options.
fn status_option(project: &Project, wanted: &str) -> Result<(String, String, String), ToolError> {
    let field = project.field.as_ref();
    let Some(field_id) = field.and_then(|f| f.id.clone()) else {
        return Err(ToolError::invalid_argument(
            "/status",
            format!(
                "project \"{}\" has no single-select \"Status\" field",
                project.title
            ),
        ));
    };
    let options = field.map(|f| f.options.as_slice()).unwrap_or_default();
    match options.iter().find(|o| o.name.eq_ignore_ascii_case(wanted)) {
        Some(option) => Ok((field_id, option.id.clone(), option.name.clone())),
        None => Err(ToolError::invalid_argument(
            "/status",
            format!(
                "project \"{}\" has no Status {wanted:?}; its options: {}",
                project.title,
                options
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[derive(Debug)]
pub struct SyncProjects {
    github: GitHub,
}

impl SyncProjects {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for SyncProjects {
    type Args = SyncProjectsArgs;
    type Output = ProjectItemSynced;

    const SPEC: ToolSpec = ToolSpec {
        name: "sync_projects",
        title: "Add an issue or pull request to a GitHub Project",
        description: "Put an issue (`issue_number`) or pull request (`pr_number`) on a GitHub Project (v2, by `project_number` of `project_owner`, default the repository's owner) and optionally set its Status. Already on the project: the existing item is kept and updated. Needs a credential with the `project` scope (or Projects permission for an App).",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::UPDATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let number = issue_or_pr(args.issue_number, args.pr_number)?;
        let (owner, name) = args.repository.parts()?;
        let project_owner = args.project_owner.as_deref().unwrap_or(owner);
        let what = format!(
            "project {project_owner}#{} and #{number} in {}",
            args.project_number,
            args.repository.as_str()
        );
        let variables = json!({
            "owner": owner,
            "name": name,
            "number": number,
            "projectOwner": project_owner,
            "projectNumber": args.project_number,
        });
        let found: Lookup = self.github.graphql(ctx, LOOKUP, variables, &what).await?;
        let content = found
            .repository
            .and_then(|r| r.issue_or_pull_request)
            .ok_or_else(|| {
                ToolError::not_found(format!(
                    "issue or pull request #{number} in {} was not found",
                    args.repository.as_str()
                ))
            })?;
        let project = found
            .repository_owner
            .and_then(|o| o.project_v2)
            .ok_or_else(|| {
                ToolError::not_found(format!(
                    "project {} of {project_owner} was not found, or the credential cannot see it",
                    args.project_number
                ))
            })?;
        // Checked before anything changes, so a wrong Status leaves the project untouched.
        let status = match args.status.as_deref() {
            Some(wanted) => Some(status_option(&project, wanted)?),
            None => None,
        };
        let variables = json!({"projectId": project.id, "contentId": content.id});
        let added: Added = self.github.graphql(ctx, ADD_ITEM, variables, &what).await?;
        let item_id = added.add_project_v2_item_by_id.item.id;
        if let Some((field_id, option_id, _)) = &status {
            let variables = json!({
                "projectId": project.id,
                "itemId": item_id,
                "fieldId": field_id,
                "optionId": option_id,
            });
            self.github
                .graphql::<serde_json::Value>(ctx, SET_STATUS, variables, &what)
                .await?;
        }
        Ok(ProjectItemSynced {
            project_id: project.id,
            project_title: project.title,
            project_url: project.url,
            item_id,
            content_type: content.typename,
            number,
            status: status.map(|(_, _, name)| name),
        })
    }
}

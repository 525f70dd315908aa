//! `github.run_workflow`: triggers a GitHub Actions workflow (`workflow_dispatch`).

use std::time::Duration;

use bridge_kit::upstream::{Call, StatusCode};
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::github::{GitHub, Repository, optional_without_null, segment};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct RunWorkflowArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The workflow's file name in `.github/workflows` (e.g. `release-tests.yml`) or its
    /// numeric id.
    #[schemars(length(min = 1, max = 255), regex(pattern = r"^[A-Za-z0-9_.-]+$"))]
    pub workflow_id: String,
    /// Branch or tag to run the workflow from; default the repository's default branch.
    #[serde(rename = "ref")]
    #[schemars(length(min = 1, max = 255))]
    pub git_ref: Option<String>,
    /// Inputs declared by the workflow's `workflow_dispatch` trigger (at most 25).
    #[schemars(extend("additionalProperties" = {"type": ["string", "number", "boolean"]}, "maxProperties" = 25))]
    pub workflow_inputs: Option<Map<String, Value>>,
    /// The same as `workflow_inputs`, as the seed's release pipeline spells it.
    #[schemars(extend("additionalProperties" = {"type": ["string", "number", "boolean"]}, "maxProperties" = 25))]
    pub inputs: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WorkflowDispatched {
    /// Always true: GitHub accepted the dispatch.
    pub workflow_triggered: bool,
    pub workflow_id: String,
    /// The branch or tag the run uses.
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub inputs: Map<String, Value>,
    /// The run GitHub started (API 2026-03-10 reports it; older servers answer nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_run_id: Option<u64>,
    /// The run in the REST API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
    /// The run's page on GitHub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    #[serde(rename = "ref")]
    git_ref: &'a str,
    #[serde(skip_serializing_if = "Map::is_empty")]
    inputs: &'a Map<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
struct RunDetails {
    workflow_run_id: Option<u64>,
    run_url: Option<String>,
    html_url: Option<String>,
}

#[derive(Debug)]
pub struct RunWorkflow {
    github: GitHub,
}

impl RunWorkflow {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for RunWorkflow {
    type Args = RunWorkflowArgs;
    type Output = WorkflowDispatched;

    const SPEC: ToolSpec = ToolSpec {
        name: "run_workflow",
        title: "Run a GitHub Actions workflow",
        description: "Trigger a GitHub Actions workflow that has a `workflow_dispatch` trigger, on a branch or tag (`ref`, default the default branch), with its inputs. Returns the run's id and URL where GitHub reports them.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let inputs = match (args.workflow_inputs, args.inputs) {
            (Some(_), Some(_)) => {
                return Err(ToolError::invalid_argument(
                    "/inputs",
                    "give the workflow's inputs once: `workflow_inputs` or `inputs`",
                ));
            }
            (Some(inputs), None) | (None, Some(inputs)) => inputs,
            (None, None) => Map::new(),
        };
        let workflow = segment(&args.workflow_id).ok_or_else(|| {
            ToolError::invalid_argument("/workflow_id", "a workflow file name or numeric id")
        })?;
        let path = format!(
            "{}/actions/workflows/{workflow}/dispatches",
            args.repository.api_path()?
        );
        let git_ref = match args.git_ref {
            Some(git_ref) => git_ref,
            None => self.github.default_branch(ctx, &args.repository).await?,
        };
        let body = Body {
            git_ref: &git_ref,
            inputs: &inputs,
        };
        let what = format!(
            "workflow {} in {}",
            args.workflow_id,
            args.repository.as_str()
        );
        let response = self
            .github
            .call(ctx, Call::post(path).json(&body), &what)
            .await?;
        // 2026-03-10 answers 200 with the run; earlier versions (and Enterprise Server
        // releases that predate it) answer 204 without a body.
        let details: RunDetails =
            if response.status == StatusCode::NO_CONTENT || response.body.is_empty() {
                RunDetails::default()
            } else {
                response.json()?
            };
        Ok(WorkflowDispatched {
            workflow_triggered: true,
            workflow_id: args.workflow_id,
            git_ref,
            inputs,
            workflow_run_id: details.workflow_run_id,
            run_url: details.run_url,
            html_url: details.html_url,
        })
    }
}

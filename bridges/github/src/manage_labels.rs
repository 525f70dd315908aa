//! `github.manage_labels`: adds, removes or replaces the labels of an issue or pull request.

use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::add_comment::issue_or_pr;
use crate::github::{GitHub, LabelAnswer, Repository, optional_without_null, segment};

/// What to do with `labels`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LabelOperation {
    /// Add them to the labels already there.
    #[default]
    Add,
    /// Take them off (labels that are not there are reported, not an error).
    Remove,
    /// Replace every label with exactly these (an empty list clears them).
    Set,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct ManageLabelsArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The issue number (pull requests share the numbering; give one of `issue_number`
    /// and `pr_number` where a tool takes either).
    #[schemars(range(min = 1))]
    pub issue_number: Option<u64>,
    /// The pull request number.
    #[schemars(range(min = 1))]
    pub pr_number: Option<u64>,
    /// Label names: set on a new issue (GitHub drops them silently without push access),
    /// or the labels `manage_labels` adds, removes or sets.
    #[schemars(length(max = 100), inner(length(min = 1, max = 100)))]
    pub labels: Option<Vec<String>>,
    /// `add` (default), `remove` or `set`.
    pub operation: Option<LabelOperation>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LabelsManaged {
    /// The issue or pull request changed.
    pub issue_number: u64,
    pub operation: LabelOperation,
    /// The labels it carries now.
    pub labels: Vec<String>,
    /// For `remove`: requested labels it did not carry.
    pub not_present: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    labels: &'a [String],
}

fn names(labels: Vec<LabelAnswer>) -> Vec<String> {
    labels.into_iter().map(|l| l.name).collect()
}

#[derive(Debug)]
pub struct ManageLabels {
    github: GitHub,
}

impl ManageLabels {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for ManageLabels {
    type Args = ManageLabelsArgs;
    type Output = LabelsManaged;

    const SPEC: ToolSpec = ToolSpec {
        name: "manage_labels",
        title: "Add, remove or set GitHub labels",
        description: "Change the labels of an issue (`issue_number`) or pull request (`pr_number`): `add` them (default), `remove` them, or `set` exactly these. Labels that do not exist yet are created by GitHub when added. Returns the labels it carries afterwards.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        // `set` and `remove` take labels away; repeating any operation changes nothing more.
        hints: Hints {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let number = issue_or_pr(args.issue_number, args.pr_number)?;
        let operation = args.operation.unwrap_or_default();
        let labels = args.labels.unwrap_or_default();
        if labels.is_empty() && operation != LabelOperation::Set {
            return Err(ToolError::invalid_argument(
                "/labels",
                "give at least one label name (only `set` takes an empty list, to clear)",
            ));
        }
        let path = format!("{}/issues/{number}/labels", args.repository.api_path()?);
        let what = format!(
            "issue or pull request #{number} in {}",
            args.repository.as_str()
        );
        let body = Body { labels: &labels };
        let mut not_present = Vec::new();
        let now: Vec<LabelAnswer> = match operation {
            LabelOperation::Add => {
                let call = Call::post(path).json(&body);
                self.github.json(ctx, call, &what).await?
            }
            LabelOperation::Set if labels.is_empty() => {
                self.github.call(ctx, Call::delete(path), &what).await?;
                Vec::new()
            }
            LabelOperation::Set => {
                let call = Call::put(path).json(&body);
                self.github.json(ctx, call, &what).await?
            }
            LabelOperation::Remove => {
                // Read first, so a label that is not there is reported rather than
                // confused with a missing issue (both answer 404 on DELETE).
                let call = Call::get(path.as_str()).query(&[("per_page", "100")]);
                let mut current: Vec<LabelAnswer> = self.github.json(ctx, call, &what).await?;
                for wanted in &labels {
                    let Some(present) = current
                        .iter()
                        .find(|l| l.name.eq_ignore_ascii_case(wanted))
                        .map(|l| l.name.clone())
                    else {
                        not_present.push(wanted.clone());
                        continue;
                    };
                    let name = segment(&present).ok_or_else(|| {
                        ToolError::invalid_argument(
                            "/labels",
                            format!(
                                "GitHub's API cannot address a label named {present:?}; use `set`"
                            ),
                        )
                    })?;
                    let call = Call::delete(format!("{path}/{name}"));
                    current = self.github.json(ctx, call, &what).await?;
                }
                current
            }
        };
        Ok(LabelsManaged {
            issue_number: number,
            operation,
            labels: names(now),
            not_present,
        })
    }
}

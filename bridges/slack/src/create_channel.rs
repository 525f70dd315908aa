//! `slack.create_channel`: creates a public or private channel with
//! `conversations.create`, and remembers its name so later `#name` references need no
//! lookup. A taken name is a `conflict`.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{Answer, CONVERSATIONS_CREATE, Slack};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannelArgs {
    /// The new channel's name, with or without `#`: lowercase letters, digits, `-` and
    /// `_`, at most 80 characters, e.g. `incident-2026-05-04`.
    #[schemars(regex(pattern = r"^#?[a-z0-9_-]{1,80}$"))]
    pub name: String,
    /// Create a private channel instead of a public one. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub is_private: Option<bool>,
}

/// The channel Slack created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CreatedChannel {
    /// The new channel's ID.
    pub channel: String,
    /// Its name, as Slack stored it.
    pub name: String,
    /// Whether it is private.
    pub is_private: bool,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CreateAnswer {
    channel: NewChannel,
}

#[derive(Debug, Deserialize)]
struct NewChannel {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_private: Option<bool>,
}

#[derive(Debug)]
pub struct CreateChannel {
    slack: Slack,
}

impl CreateChannel {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for CreateChannel {
    type Args = CreateChannelArgs;
    type Output = CreatedChannel;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_channel",
        title: "Create a Slack channel",
        description: "Creates a public or private Slack channel. Returns its ID; a name already in use is a conflict.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let name = args.name.trim_start_matches('#').to_owned();
        let is_private = args.is_private.unwrap_or(false);
        let body = json!({ "name": name, "is_private": is_private });
        let Answer { body, warnings } = self
            .slack
            .post::<CreateAnswer>(ctx, CONVERSATIONS_CREATE, &body)
            .await?;
        let created = body.channel;
        let name = created.name.unwrap_or(name);
        self.slack
            .directory
            .remember_channel(&name, &created.id)
            .await;
        Ok(CreatedChannel {
            channel: created.id,
            name,
            is_private: created.is_private.unwrap_or(is_private),
            warnings,
        })
    }
}

//! `slack.pin_message`: pins a message to its channel with `pins.add`. A message already
//! pinned is `already_pinned`, reported as `conflict`.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{Answer, PINS_ADD, Slack};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PinMessageArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The `ts` of the message (e.g. `1503435956.000247`), as `post_message` returns it.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+$"))]
    pub timestamp: String,
}

/// The message Slack pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Pinned {
    /// The channel's ID.
    pub channel: String,
    /// The pinned message's `ts`.
    pub timestamp: String,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct PinMessage {
    slack: Slack,
}

impl PinMessage {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for PinMessage {
    type Args = PinMessageArgs;
    type Output = Pinned;

    const SPEC: ToolSpec = ToolSpec {
        name: "pin_message",
        title: "Pin a Slack message",
        description: "Pins a Slack message (channel + message `ts`) to its channel. A message already pinned is a conflict.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::UPDATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let channel = self
            .slack
            .channel_id(ctx, &args.channel, "/channel")
            .await?;
        let body = json!({ "channel": channel, "timestamp": args.timestamp });
        let Answer { warnings, .. } = self
            .slack
            .post::<serde_json::Value>(ctx, PINS_ADD, &body)
            .await?;
        Ok(Pinned {
            channel,
            timestamp: args.timestamp,
            warnings,
        })
    }
}

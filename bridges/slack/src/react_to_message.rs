//! `slack.react_to_message`: adds an emoji reaction to a message with `reactions.add`.
//! Reacting twice with the same emoji is `already_reacted`, reported as `conflict`.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{Answer, REACTIONS_ADD, Slack};
use crate::content::bare_emoji;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactToMessageArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The `ts` of the message (e.g. `1503435956.000247`), as `post_message` returns it.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+$"))]
    pub timestamp: String,
    /// The emoji's name, with or without colons: `thumbsup`, `:white_check_mark:`,
    /// `thumbsup::skin-tone-2`, or a custom emoji's name.
    #[schemars(regex(pattern = r"^:?[a-z0-9_+'.\-]+(::skin-tone-[2-6])?:?$"))]
    pub emoji: String,
}

/// The reaction Slack added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Reacted {
    /// The channel's ID.
    pub channel: String,
    /// The message's `ts`.
    pub timestamp: String,
    /// The emoji's name, without colons.
    pub emoji: String,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct ReactToMessage {
    slack: Slack,
}

impl ReactToMessage {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for ReactToMessage {
    type Args = ReactToMessageArgs;
    type Output = Reacted;

    const SPEC: ToolSpec = ToolSpec {
        name: "react_to_message",
        title: "React to a Slack message",
        description: "Adds an emoji reaction to a Slack message (channel + message `ts`). Reacting again with the same emoji is a conflict.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::UPDATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let emoji = bare_emoji(&args.emoji).to_owned();
        let channel = self
            .slack
            .channel_id(ctx, &args.channel, "/channel")
            .await?;
        let body = json!({ "channel": channel, "timestamp": args.timestamp, "name": emoji });
        let Answer { warnings, .. } = self
            .slack
            .post::<serde_json::Value>(ctx, REACTIONS_ADD, &body)
            .await?;
        Ok(Reacted {
            channel,
            timestamp: args.timestamp,
            emoji,
            warnings,
        })
    }
}

//! `slack.post_to_thread`: replies in a message's thread, optionally also showing the
//! reply in the channel (`reply_broadcast`). Same checks and limits as `post_message`.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::Slack;
use crate::content::{Attachment, Block};
use crate::post_message::{Outgoing, PostedMessage, post};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostToThreadArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The `ts` of the thread's parent message (e.g. `1503435956.000247`), to reply in
    /// that thread.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+$"))]
    pub thread_ts: String,
    /// The message text (Slack mrkdwn). With `blocks` it is the notification and
    /// accessibility fallback. At most 40,000 characters: longer messages are rejected,
    /// never truncated.
    #[schemars(length(min = 1, max = 40000))]
    pub message: String,
    /// Also show the reply in the channel, not only in the thread. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub reply_broadcast: Option<bool>,
    /// Block Kit blocks (at most 50); a section's text at most 3,000 characters, a
    /// header's at most 150.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Block>", length(max = 50))]
    pub blocks: Option<Vec<Block>>,
    /// Legacy attachments (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Attachment>", length(max = 100))]
    pub attachments: Option<Vec<Attachment>>,
}

#[derive(Debug)]
pub struct PostToThread {
    slack: Slack,
}

impl PostToThread {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for PostToThread {
    type Args = PostToThreadArgs;
    type Output = PostedMessage;

    const SPEC: ToolSpec = ToolSpec {
        name: "post_to_thread",
        title: "Reply in a Slack thread",
        description: "Replies in the thread of a Slack message (`thread_ts`), optionally broadcasting the reply to the channel. Returns the channel ID and the reply's `ts`.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let outgoing = Outgoing {
            channel: args.channel,
            message: args.message,
            thread_ts: Some(args.thread_ts),
            reply_broadcast: args.reply_broadcast,
            blocks: args.blocks,
            attachments: args.attachments,
        };
        post(&self.slack, ctx, outgoing).await
    }
}

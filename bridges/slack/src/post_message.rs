//! `slack.post_message`: posts a message (text, Block Kit blocks, attachments) to a
//! channel, optionally as a reply in a thread.
//!
//! `chat.postMessage` is limited to about one message per second per channel: a second
//! post to the same channel waits for its slot (or fails `rate_limited` when the deadline
//! would pass first). Never retried: a repeated post is a second message.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::{Answer, CHAT_POST_MESSAGE, Slack};
use crate::content::{Attachment, Block, ensure_content};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The message text (Slack mrkdwn). With `blocks` it is the notification and
    /// accessibility fallback. At most 40,000 characters: longer messages are rejected,
    /// never truncated.
    #[schemars(length(min = 1, max = 40000))]
    pub message: String,
    /// The `ts` of the thread's parent message (e.g. `1503435956.000247`), to reply in
    /// that thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", regex(pattern = r"^[0-9]+\.[0-9]+$"))]
    pub thread_ts: Option<String>,
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

/// A message Slack accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PostedMessage {
    /// The channel's ID.
    pub channel: String,
    /// The message's timestamp: its ID within the channel (thread replies, reactions and
    /// pins refer to it).
    pub ts: String,
    /// The thread the message was posted in, if any.
    pub thread_ts: Option<String>,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

/// What the tools sending a message hand to `chat.postMessage`.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) channel: String,
    pub(crate) message: String,
    pub(crate) thread_ts: Option<String>,
    pub(crate) reply_broadcast: Option<bool>,
    pub(crate) blocks: Option<Vec<Block>>,
    pub(crate) attachments: Option<Vec<Attachment>>,
}

#[derive(Debug, Deserialize)]
struct PostAnswer {
    channel: String,
    ts: String,
}

/// Resolves the channel, checks the content and posts; shared by `post_message` and
/// `post_to_thread`.
pub(crate) async fn post(
    slack: &Slack,
    ctx: &ToolContext,
    outgoing: Outgoing,
) -> Result<PostedMessage, ToolError> {
    ensure_content(
        &outgoing.message,
        outgoing.blocks.as_deref(),
        outgoing.attachments.as_deref(),
    )?;
    let channel = slack.channel_id(ctx, &outgoing.channel, "/channel").await?;
    let mut body = Map::new();
    body.insert("channel".into(), json!(channel));
    body.insert("text".into(), json!(outgoing.message));
    if let Some(ts) = &outgoing.thread_ts {
        body.insert("thread_ts".into(), json!(ts));
    }
    if let Some(broadcast) = outgoing.reply_broadcast {
        body.insert("reply_broadcast".into(), json!(broadcast));
    }
    if let Some(blocks) = &outgoing.blocks {
        body.insert("blocks".into(), json!(blocks));
    }
    if let Some(attachments) = &outgoing.attachments {
        body.insert("attachments".into(), json!(attachments));
    }
    let body = Value::Object(body);
    let Answer { body, warnings } = slack
        .post::<PostAnswer>(ctx, CHAT_POST_MESSAGE, &body)
        .await?;
    Ok(PostedMessage {
        channel: body.channel,
        ts: body.ts,
        thread_ts: outgoing.thread_ts,
        warnings,
    })
}

#[derive(Debug)]
pub struct PostMessage {
    slack: Slack,
}

impl PostMessage {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for PostMessage {
    type Args = PostMessageArgs;
    type Output = PostedMessage;

    const SPEC: ToolSpec = ToolSpec {
        name: "post_message",
        title: "Post a Slack message",
        description: "Posts a message to a Slack channel (`#name` or ID): text, optional Block Kit blocks and attachments, optionally as a thread reply. Returns the channel ID and the message `ts`.",
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
            thread_ts: args.thread_ts,
            reply_broadcast: None,
            blocks: args.blocks,
            attachments: args.attachments,
        };
        post(&self.slack, ctx, outgoing).await
    }
}

//! `slack.schedule_message`: schedules a message for later with `chat.scheduleMessage`.
//!
//! The time is RFC 3339 with an offset (`2026-05-04T09:00:00+03:00`), converted to the
//! unix seconds Slack's `post_at` takes. Slack schedules at most 120 days ahead and never
//! in the past; both are checked here first so the caller learns which argument is wrong.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::{Answer, CHAT_SCHEDULE_MESSAGE, Slack};
use crate::content::{Attachment, Block, ensure_content, future_unix_seconds};

/// How far ahead Slack schedules.
const HORIZON_DAYS: i64 = 120;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleMessageArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The message text (Slack mrkdwn). With `blocks` it is the notification and
    /// accessibility fallback. At most 40,000 characters: longer messages are rejected,
    /// never truncated.
    #[schemars(length(min = 1, max = 40000))]
    pub message: String,
    /// When to post: RFC 3339 with an offset, e.g. `2026-05-04T09:00:00+03:00`; in the
    /// future and at most 120 days ahead.
    pub scheduled_time: DateTime<FixedOffset>,
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

/// A message Slack will post later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScheduledMessage {
    /// The channel's ID.
    pub channel: String,
    /// Slack's ID of the scheduled message (`Q…`), to list or delete it.
    pub scheduled_message_id: String,
    /// When Slack will post it, in unix seconds.
    pub post_at: i64,
    /// The same instant in RFC 3339, UTC.
    pub scheduled_time: String,
    /// The thread it will be posted in, if any.
    pub thread_ts: Option<String>,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ScheduleAnswer {
    channel: String,
    scheduled_message_id: String,
    /// Slack documents an integer; older answers carry a string.
    #[serde(default)]
    post_at: Option<Value>,
}

#[derive(Debug)]
pub struct ScheduleMessage {
    slack: Slack,
}

impl ScheduleMessage {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for ScheduleMessage {
    type Args = ScheduleMessageArgs;
    type Output = ScheduledMessage;

    const SPEC: ToolSpec = ToolSpec {
        name: "schedule_message",
        title: "Schedule a Slack message",
        description: "Schedules a message to a Slack channel for a future time (RFC 3339 with offset, at most 120 days ahead). Returns Slack's scheduled message ID and the unix time it will post.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let post_at = future_unix_seconds(
            &args.scheduled_time,
            chrono::Duration::days(HORIZON_DAYS),
            "120 days",
            "/scheduled_time",
        )?;
        ensure_content(
            &args.message,
            args.blocks.as_deref(),
            args.attachments.as_deref(),
        )?;
        let channel = self
            .slack
            .channel_id(ctx, &args.channel, "/channel")
            .await?;
        let mut body = Map::new();
        body.insert("channel".into(), json!(channel));
        body.insert("text".into(), json!(args.message));
        // The official description declares `post_at` a string; Slack reads either.
        body.insert("post_at".into(), json!(post_at.to_string()));
        if let Some(ts) = &args.thread_ts {
            body.insert("thread_ts".into(), json!(ts));
        }
        if let Some(blocks) = &args.blocks {
            body.insert("blocks".into(), json!(blocks));
        }
        if let Some(attachments) = &args.attachments {
            body.insert("attachments".into(), json!(attachments));
        }
        let body = Value::Object(body);
        let Answer { body, warnings } = self
            .slack
            .post::<ScheduleAnswer>(ctx, CHAT_SCHEDULE_MESSAGE, &body)
            .await?;
        let post_at = body
            .post_at
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(post_at);
        let scheduled_time = DateTime::<Utc>::from_timestamp(post_at, 0)
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default();
        Ok(ScheduledMessage {
            channel: body.channel,
            scheduled_message_id: body.scheduled_message_id,
            post_at,
            scheduled_time,
            thread_ts: args.thread_ts,
            warnings,
        })
    }
}

//! The slack bridge: Slack messages, channels, statuses and reminders over the Web API.
//!
//! Nine direct tools (`slack.post_message`, `slack.schedule_message`, ...) and the seed's
//! `slack.enterprise` door over all of them. Every tool talks to Slack through one
//! [`Slack`] client (`api`): one upstream with the bot token, Slack's per-method rate
//! tiers, one mapping of `{"ok": false}` answers, and an in-process directory of channel
//! names and user e-mails (`resolve`). Inbound events (webhooks) live in bridge-kit;
//! `SLACK_SIGNING_SECRET` is declared here for them.

mod api;
mod content;
mod create_channel;
mod invite_users;
mod pin_message;
mod post_message;
mod post_to_thread;
mod react_to_message;
mod resolve;
mod schedule_message;
mod set_reminder;
mod update_status;

use bridge_kit::upstream::{Credential, UpstreamConfig};
use bridge_kit::webhooks::Source;
use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub use api::Slack;
pub use content::{Attachment, Block};
pub use create_channel::{CreateChannel, CreateChannelArgs, CreatedChannel};
pub use invite_users::{InviteUsers, InviteUsersArgs, Invited};
pub use pin_message::{PinMessage, PinMessageArgs, Pinned};
pub use post_message::{PostMessage, PostMessageArgs, PostedMessage};
pub use post_to_thread::{PostToThread, PostToThreadArgs};
pub use react_to_message::{ReactToMessage, ReactToMessageArgs, Reacted};
pub use schedule_message::{ScheduleMessage, ScheduleMessageArgs, ScheduledMessage};
pub use set_reminder::{Reminder, SetReminder, SetReminderArgs};
pub use update_status::{StatusUpdated, UpdateStatus, UpdateStatusArgs};

pub const NAME: &str = "slack";
pub const PORT: u16 = 8093;

pub const SLACK_BOT_TOKEN: ConfigVar = ConfigVar::secret("SLACK_BOT_TOKEN", "Bot token (xoxb-...)");
pub const SLACK_APP_TOKEN: ConfigVar =
    ConfigVar::secret("SLACK_APP_TOKEN", "App-level token (xapp-...)");
pub const SLACK_SIGNING_SECRET: ConfigVar =
    ConfigVar::secret("SLACK_SIGNING_SECRET", "Signing secret for inbound events");
pub const SLACK_USER_TOKEN: ConfigVar = ConfigVar::secret(
    "SLACK_USER_TOKEN",
    "User token (xoxp-...) for update_status and set_reminder, which Slack refuses to bot tokens",
);
pub const SLACK_API_URL: ConfigVar =
    ConfigVar::new("SLACK_API_URL", "Web API base URL").with_default("https://slack.com/api");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN,
    SLACK_SIGNING_SECRET,
    SLACK_USER_TOKEN,
    SLACK_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&SLACK_BOT_TOKEN]]);

/// The actions of `slack.enterprise`, in the seed's order.
const ENTERPRISE_ACTIONS: &[&str] = &[
    "post_message",
    "schedule_message",
    "update_status",
    "create_channel",
    "invite_users",
    "set_reminder",
    "post_to_thread",
    "react_to_message",
    "pin_message",
];

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    let api_url = settings.url(&SLACK_API_URL)?;
    // Without a token the bridge still starts; its tools answer "not configured".
    let credential = settings
        .secret(&SLACK_BOT_TOKEN)
        .map_or(Credential::None, Credential::Bearer);
    let mut builder = Bridge::builder(NAME, "slack", PORT, settings)
        .description("Slack: messages, channels, reminders")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "SLACK_BOT_TOKEN"}))
        // POST /webhooks/slack: v0 signature and replay window checked, URL verification
        // answered, events to the orchestrator.
        .webhook(Source::Slack, &SLACK_SIGNING_SECRET);
    // Slack limits per method (tiers) and per channel, not per workspace: those limits
    // are set on each call (`api`), so the upstream itself has none unless configured.
    let upstream = builder.upstream(
        UpstreamConfig::new(api::SERVICE, api_url.as_str())
            .credential(credential)
            .pool(8),
    )?;
    let slack = Slack::new(upstream);
    // users.profile.set and reminders.add accept user tokens only: with SLACK_USER_TOKEN
    // those two tools act as that user; without it they use the bot token and Slack's
    // refusal is reported as forbidden, naming the fix.
    let as_user = match settings.secret(&SLACK_USER_TOKEN) {
        Some(token) => Slack::new(
            builder.upstream(
                UpstreamConfig::new("slack-user", api_url)
                    .credential(Credential::Bearer(token))
                    .pool(2),
            )?,
        ),
        None => slack.clone(),
    };
    builder
        .tool(PostMessage::new(slack.clone()))
        .tool(ScheduleMessage::new(slack.clone()))
        .tool(UpdateStatus::new(as_user.clone()))
        .tool(CreateChannel::new(slack.clone()))
        .tool(InviteUsers::new(slack.clone()))
        .tool(SetReminder::new(as_user.clone()))
        .tool(PostToThread::new(slack.clone()))
        .tool(ReactToMessage::new(slack.clone()))
        .tool(PinMessage::new(slack))
        .multiplexer(
            "enterprise",
            "Slack (all actions)",
            "Runs one Slack action chosen by `action`: post_message, schedule_message, update_status, create_channel, invite_users, set_reminder, post_to_thread, react_to_message, pin_message. Each action takes the same arguments as its own tool (`slack.post_message`, ...).",
            ENTERPRISE_ACTIONS,
        )
        .build()
}

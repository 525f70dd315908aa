//! The slack bridge: Slack: messages, channels, reminders.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "slack";
pub const PORT: u16 = 8093;

pub const SLACK_BOT_TOKEN: ConfigVar = ConfigVar::secret("SLACK_BOT_TOKEN", "Bot token (xoxb-...)");
pub const SLACK_APP_TOKEN: ConfigVar =
    ConfigVar::secret("SLACK_APP_TOKEN", "App-level token (xapp-...)");
pub const SLACK_SIGNING_SECRET: ConfigVar =
    ConfigVar::secret("SLACK_SIGNING_SECRET", "Signing secret for inbound events");
pub const SLACK_API_URL: ConfigVar =
    ConfigVar::new("SLACK_API_URL", "Web API base URL").with_default("https://slack.com/api");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN,
    SLACK_SIGNING_SECRET,
    SLACK_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&SLACK_BOT_TOKEN]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "slack", PORT, settings)
        .description("Slack: messages, channels, reminders")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "SLACK_BOT_TOKEN"}))
        .build()
}

//! The gitlab bridge: GitLab: pipelines and merge requests.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::webhooks::Source;
use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "gitlab";
pub const PORT: u16 = 8101;

pub const GITLAB_TOKEN: ConfigVar =
    ConfigVar::secret("GITLAB_TOKEN", "Personal, project or group access token");
pub const GITLAB_WEBHOOK_SECRET: ConfigVar = ConfigVar::secret(
    "GITLAB_WEBHOOK_SECRET",
    "Secret token verifying inbound webhooks",
);
pub const GITLAB_URL: ConfigVar =
    ConfigVar::new("GITLAB_URL", "GitLab base URL").with_default("https://gitlab.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[GITLAB_TOKEN, GITLAB_WEBHOOK_SECRET, GITLAB_URL];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&GITLAB_TOKEN]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "gitlab", PORT, settings)
        .description("GitLab: pipelines and merge requests")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "header", "header": "PRIVATE-TOKEN", "credential": "GITLAB_TOKEN"}))
        // POST /webhooks/gitlab: X-Gitlab-Token checked, events to the orchestrator.
        .webhook(Source::GitLab, &GITLAB_WEBHOOK_SECRET)
        .build()
}

//! The jira bridge: Jira Cloud: issues, sprints, planning.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "jira";
pub const PORT: u16 = 8096;

pub const JIRA_URL: ConfigVar =
    ConfigVar::new("JIRA_URL", "Site URL, e.g. https://company.atlassian.net");
pub const JIRA_USERNAME: ConfigVar =
    ConfigVar::new("JIRA_USERNAME", "Account e-mail for basic auth");
pub const JIRA_API_TOKEN: ConfigVar = ConfigVar::secret("JIRA_API_TOKEN", "API token");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[JIRA_URL, JIRA_USERNAME, JIRA_API_TOKEN];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&JIRA_URL, &JIRA_USERNAME, &JIRA_API_TOKEN]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "jira", PORT, settings)
        .description("Jira Cloud: issues, sprints, planning")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(
            serde_json::json!({"type": "basic", "credential": "JIRA_USERNAME + JIRA_API_TOKEN"}),
        )
        .build()
}

//! The teams bridge: Microsoft Teams through Microsoft Graph.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "teams";
pub const PORT: u16 = 8094;

pub const TEAMS_APP_ID: ConfigVar =
    ConfigVar::new("TEAMS_APP_ID", "Entra ID application (client) id");
pub const TEAMS_CLIENT_SECRET: ConfigVar =
    ConfigVar::secret("TEAMS_CLIENT_SECRET", "Entra ID client secret");
pub const TEAMS_TENANT_ID: ConfigVar = ConfigVar::new("TEAMS_TENANT_ID", "Entra ID tenant id");
pub const TEAMS_GRAPH_URL: ConfigVar =
    ConfigVar::new("TEAMS_GRAPH_URL", "Microsoft Graph base URL")
        .with_default("https://graph.microsoft.com/v1.0");
pub const TEAMS_LOGIN_URL: ConfigVar = ConfigVar::new("TEAMS_LOGIN_URL", "Entra ID login base URL")
    .with_default("https://login.microsoftonline.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    TEAMS_APP_ID,
    TEAMS_CLIENT_SECRET,
    TEAMS_TENANT_ID,
    TEAMS_GRAPH_URL,
    TEAMS_LOGIN_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials =
    Credentials(&[&[&TEAMS_APP_ID, &TEAMS_CLIENT_SECRET, &TEAMS_TENANT_ID]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "msteams", PORT, settings)
        .description("Microsoft Teams through Microsoft Graph")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "oauth2", "flow": "client_credentials"}))
        .build()
}

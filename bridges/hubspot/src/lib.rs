//! The hubspot bridge: HubSpot: contacts, deals, marketing.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "hubspot";
pub const PORT: u16 = 8102;

pub const HUBSPOT_API_KEY: ConfigVar =
    ConfigVar::secret("HUBSPOT_API_KEY", "Private app access token");
pub const HUBSPOT_CLIENT_ID: ConfigVar = ConfigVar::new("HUBSPOT_CLIENT_ID", "OAuth app client id");
pub const HUBSPOT_CLIENT_SECRET: ConfigVar =
    ConfigVar::secret("HUBSPOT_CLIENT_SECRET", "OAuth app client secret");
pub const HUBSPOT_API_URL: ConfigVar =
    ConfigVar::new("HUBSPOT_API_URL", "API base URL").with_default("https://api.hubapi.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    HUBSPOT_API_KEY,
    HUBSPOT_CLIENT_ID,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&HUBSPOT_API_KEY]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "hubspot", PORT, settings)
        .description("HubSpot: contacts, deals, marketing")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "HUBSPOT_API_KEY"}))
        .build()
}

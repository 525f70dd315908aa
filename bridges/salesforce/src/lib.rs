//! The salesforce bridge: Salesforce: leads, opportunities, SOQL.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "salesforce";
pub const PORT: u16 = 8097;

pub const SALESFORCE_CLIENT_ID: ConfigVar =
    ConfigVar::new("SALESFORCE_CLIENT_ID", "Connected app consumer key");
pub const SALESFORCE_CLIENT_SECRET: ConfigVar =
    ConfigVar::secret("SALESFORCE_CLIENT_SECRET", "Connected app consumer secret");
pub const SALESFORCE_USERNAME: ConfigVar =
    ConfigVar::new("SALESFORCE_USERNAME", "Integration user name");
pub const SALESFORCE_PASSWORD: ConfigVar =
    ConfigVar::secret("SALESFORCE_PASSWORD", "Integration user password");
pub const SALESFORCE_SECURITY_TOKEN: ConfigVar = ConfigVar::secret(
    "SALESFORCE_SECURITY_TOKEN",
    "Integration user security token",
);
pub const SALESFORCE_SANDBOX: ConfigVar = ConfigVar::new(
    "SALESFORCE_SANDBOX",
    "true to log in through test.salesforce.com",
)
.with_default("false");
pub const SALESFORCE_LOGIN_URL: ConfigVar = ConfigVar::new(
    "SALESFORCE_LOGIN_URL",
    "Login base URL (overrides SALESFORCE_SANDBOX)",
);

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
    SALESFORCE_USERNAME,
    SALESFORCE_PASSWORD,
    SALESFORCE_SECURITY_TOKEN,
    SALESFORCE_SANDBOX,
    SALESFORCE_LOGIN_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[
    &SALESFORCE_CLIENT_ID,
    &SALESFORCE_CLIENT_SECRET,
    &SALESFORCE_USERNAME,
    &SALESFORCE_PASSWORD,
]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "salesforce", PORT, settings)
        .description("Salesforce: leads, opportunities, SOQL")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "oauth2", "flow": "password"}))
        .build()
}

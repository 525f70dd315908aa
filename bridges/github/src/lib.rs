//! The github bridge: GitHub: issues, pull requests, releases, workflows, metrics.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "github";
pub const PORT: u16 = 8095;

pub const GITHUB_TOKEN: ConfigVar =
    ConfigVar::secret("GITHUB_TOKEN", "Personal or fine-grained access token");
pub const GITHUB_WEBHOOK_SECRET: ConfigVar = ConfigVar::secret(
    "GITHUB_WEBHOOK_SECRET",
    "Secret verifying X-Hub-Signature-256 of inbound webhooks",
);
pub const GITHUB_APP_ID: ConfigVar =
    ConfigVar::new("GITHUB_APP_ID", "GitHub App id (instead of GITHUB_TOKEN)");
pub const GITHUB_PRIVATE_KEY_PATH: ConfigVar = ConfigVar::new(
    "GITHUB_PRIVATE_KEY_PATH",
    "GitHub App private key (PEM) path",
);
pub const GITHUB_APP_INSTALLATION_ID: ConfigVar =
    ConfigVar::new("GITHUB_APP_INSTALLATION_ID", "GitHub App installation id");
pub const GITHUB_API_URL: ConfigVar = ConfigVar::new(
    "GITHUB_API_URL",
    "REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)",
)
.with_default("https://api.github.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    GITHUB_TOKEN,
    GITHUB_WEBHOOK_SECRET,
    GITHUB_APP_ID,
    GITHUB_PRIVATE_KEY_PATH,
    GITHUB_APP_INSTALLATION_ID,
    GITHUB_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[
    &[&GITHUB_TOKEN],
    &[
        &GITHUB_APP_ID,
        &GITHUB_PRIVATE_KEY_PATH,
        &GITHUB_APP_INSTALLATION_ID,
    ],
]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "github", PORT, settings)
        .description("GitHub: issues, pull requests, releases, workflows, metrics")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "GITHUB_TOKEN or GitHub App installation token"}))
        .build()
}

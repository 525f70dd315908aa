//! The claude bridge: Anthropic Claude: code review with structured output.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "claude";
pub const PORT: u16 = 8092;

pub const ANTHROPIC_API_KEY: ConfigVar =
    ConfigVar::secret("ANTHROPIC_API_KEY", "Anthropic API key");
pub const ANTHROPIC_MODEL: ConfigVar =
    ConfigVar::new("ANTHROPIC_MODEL", "Default model").with_default("claude-3-sonnet-20240229");
pub const ANTHROPIC_MAX_TOKENS: ConfigVar =
    ConfigVar::new("ANTHROPIC_MAX_TOKENS", "Most output tokens per call").with_default("2000");
pub const ANTHROPIC_BASE_URL: ConfigVar =
    ConfigVar::new("ANTHROPIC_BASE_URL", "API base URL").with_default("https://api.anthropic.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    ANTHROPIC_API_KEY,
    ANTHROPIC_MODEL,
    ANTHROPIC_MAX_TOKENS,
    ANTHROPIC_BASE_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&ANTHROPIC_API_KEY]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "anthropic-claude", PORT, settings)
        .description("Anthropic Claude: code review with structured output")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "api_key", "header": "x-api-key", "credential": "ANTHROPIC_API_KEY"}))
        .build()
}

//! The openai bridge: OpenAI (ChatGPT): analysis with structured output.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "openai";
pub const PORT: u16 = 8091;

pub const OPENAI_API_KEY: ConfigVar = ConfigVar::secret("OPENAI_API_KEY", "OpenAI API key");
pub const OPENAI_MODEL: ConfigVar =
    ConfigVar::new("OPENAI_MODEL", "Default model").with_default("gpt-4");
pub const OPENAI_MAX_TOKENS: ConfigVar =
    ConfigVar::new("OPENAI_MAX_TOKENS", "Most completion tokens per call").with_default("2000");
pub const OPENAI_BASE_URL: ConfigVar = ConfigVar::new(
    "OPENAI_BASE_URL",
    "API base URL (Azure OpenAI-compatible or self-hosted servers)",
)
.with_default("https://api.openai.com/v1");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    OPENAI_API_KEY,
    OPENAI_MODEL,
    OPENAI_MAX_TOKENS,
    OPENAI_BASE_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&OPENAI_API_KEY]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "openai-chatgpt", PORT, settings)
        .description("OpenAI (ChatGPT): analysis with structured output")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "OPENAI_API_KEY"}))
        .build()
}

//! The claude bridge: Anthropic Claude behind two tools.
//!
//! - `anthropic-claude.code_review`: the seed's code review tool.
//! - `anthropic-claude.analyze`: the seed's analysis contract (first offered by
//!   `openai-chatgpt.analyze`), run on Claude, so a pipeline can switch vendors by
//!   changing only the address.
//!
//! The contracts, prompts and answer reading are shared with the openai bridge
//! (`bridge_openai::llm`); this crate adds the Anthropic call ([`messages`]).
//!
//! # Layout
//! - [`messages`]: the Messages API provider.
//! - `code_review.rs`, `analyze.rs`: the two tools.

mod analyze;
mod code_review;
pub mod messages;

use std::sync::Arc;

use bridge_kit::upstream::{Credential, UpstreamConfig};
use bridge_kit::{Bridge, BridgeBuilder, ConfigError, ConfigVar, Credentials, Settings};
use bridge_openai::llm::{LlmMetrics, Models};

pub use analyze::Analyze;
pub use code_review::CodeReview;
pub use messages::Anthropic;

pub const NAME: &str = "claude";
pub const PORT: u16 = 8092;

pub const ANTHROPIC_API_KEY: ConfigVar =
    ConfigVar::secret("ANTHROPIC_API_KEY", "Anthropic API key");
pub const ANTHROPIC_MODEL: ConfigVar = ConfigVar::new(
    "ANTHROPIC_MODEL",
    "Default model (always allowed; code_review always uses it)",
)
.with_default("claude-3-sonnet-20240229");
pub const ANTHROPIC_ALLOWED_MODELS: ConfigVar = ConfigVar::new(
    "ANTHROPIC_ALLOWED_MODELS",
    "Comma-separated models an analyze caller may choose with `model`; anything else is rejected",
)
.with_default(
    "claude-3-sonnet-20240229,claude-sonnet-4-5,claude-haiku-4-5,claude-opus-4-1,claude-sonnet-4-0,claude-3-5-haiku-latest",
);
pub const ANTHROPIC_MAX_TOKENS: ConfigVar =
    ConfigVar::new("ANTHROPIC_MAX_TOKENS", "Most output tokens per call").with_default("2000");
pub const ANTHROPIC_BASE_URL: ConfigVar =
    ConfigVar::new("ANTHROPIC_BASE_URL", "API base URL").with_default("https://api.anthropic.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    ANTHROPIC_API_KEY,
    ANTHROPIC_MODEL,
    ANTHROPIC_ALLOWED_MODELS,
    ANTHROPIC_MAX_TOKENS,
    ANTHROPIC_BASE_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&ANTHROPIC_API_KEY]]);

/// The Messages API version this bridge speaks (request and answer shapes).
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    let mut builder = Bridge::builder(NAME, "anthropic-claude", PORT, settings)
        .description("Anthropic Claude: code review and analysis with structured output")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "api_key", "header": "x-api-key", "credential": "ANTHROPIC_API_KEY"}));
    let metrics = LlmMetrics::register(builder.metrics());
    let anthropic = Arc::new(anthropic(&mut builder, metrics)?);
    builder
        .tool(CodeReview::new(Arc::clone(&anthropic)))
        .tool(Analyze::new(anthropic))
        .build()
}

/// The Anthropic provider, from `builder`'s settings, its client registered with the
/// bridge. Public so tests can drive a tool under a deadline of their own.
pub fn anthropic(
    builder: &mut BridgeBuilder,
    metrics: LlmMetrics,
) -> Result<Anthropic, ConfigError> {
    let settings = builder.settings_ref();
    let base_url = settings.url(&ANTHROPIC_BASE_URL)?;
    let max_tokens = settings
        .parse::<u32>(&ANTHROPIC_MAX_TOKENS)?
        .filter(|n| *n > 0)
        .ok_or_else(|| ConfigError::new(&ANTHROPIC_MAX_TOKENS, "must be a whole number above 0"))?;
    let models = Models::new(
        settings
            .get(&ANTHROPIC_MODEL)
            .unwrap_or("claude-3-sonnet-20240229"),
        settings.list(&ANTHROPIC_ALLOWED_MODELS),
        ANTHROPIC_ALLOWED_MODELS.name,
    );
    let credential = settings
        .secret(&ANTHROPIC_API_KEY)
        .map(|value| Credential::Header {
            name: http::HeaderName::from_static("x-api-key"),
            value,
        })
        .unwrap_or_default();
    // No rate limit of our own: Anthropic's limits are per organization tier and model.
    // Retries of 429/529 happen in the shared call loop (see bridge_openai::llm::provider).
    let upstream = builder.upstream(
        UpstreamConfig::new("anthropic", base_url)
            .credential(credential)
            .header("anthropic-version", ANTHROPIC_VERSION),
    )?;
    Ok(Anthropic::new(upstream, models, max_tokens, metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_description_lists_the_default_allow_list() {
        let schema = bridge_kit::schemars::schema_for!(bridge_openai::llm::analysis::AnalyzeArgs);
        let description = schema
            .as_value()
            .pointer("/properties/model/description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .replace('\n', " ");
        for model in ANTHROPIC_ALLOWED_MODELS
            .default
            .unwrap_or_default()
            .split(',')
        {
            assert!(
                description.contains(model),
                "{model} missing from: {description}"
            );
        }
    }

    #[test]
    fn unusable_settings_are_named() {
        for (name, value) in [
            ("ANTHROPIC_BASE_URL", "api.anthropic.com"),
            ("ANTHROPIC_MAX_TOKENS", "0"),
        ] {
            let error = bridge(&Settings::from_pairs([(name, value)])).expect_err(name);
            assert_eq!(error.name, name);
        }
    }
}

//! The openai bridge: OpenAI (ChatGPT) behind two tools.
//!
//! - `openai-chatgpt.analyze`: the seed's analysis tool.
//! - `openai-chatgpt.code_review`: the seed's code review contract (first offered by
//!   `anthropic-claude.code_review`), run on OpenAI, so a pipeline can switch vendors by
//!   changing only the address.
//!
//! The contracts, prompts and answer reading are in [`llm`], which bridge-claude uses
//! too; this crate adds the OpenAI call ([`chat`]).
//!
//! # Layout
//! - [`llm`]: shared by both AI bridges (see its docs).
//! - [`chat`]: the Chat Completions provider.
//! - `analyze.rs`, `code_review.rs`: the two tools.

mod analyze;
pub mod chat;
mod code_review;
pub mod llm;

use std::sync::Arc;

use bridge_kit::upstream::{Credential, UpstreamConfig};
use bridge_kit::{Bridge, BridgeBuilder, ConfigError, ConfigVar, Credentials, Settings};

pub use analyze::Analyze;
pub use chat::{OpenAi, OpenAiSettings};
pub use code_review::CodeReview;
use llm::{LlmMetrics, Models};

pub const NAME: &str = "openai";
pub const PORT: u16 = 8091;

pub const OPENAI_API_KEY: ConfigVar = ConfigVar::secret("OPENAI_API_KEY", "OpenAI API key");
pub const OPENAI_MODEL: ConfigVar = ConfigVar::new(
    "OPENAI_MODEL",
    "Default model (always allowed; code_review always uses it)",
)
.with_default("gpt-4");
pub const OPENAI_ALLOWED_MODELS: ConfigVar = ConfigVar::new(
    "OPENAI_ALLOWED_MODELS",
    "Comma-separated models an analyze caller may choose with `model`; anything else is rejected",
)
.with_default(
    "gpt-4,gpt-4-turbo,gpt-3.5-turbo,gpt-4o,gpt-4o-mini,gpt-4.1,gpt-4.1-mini,gpt-4.1-nano",
);
pub const OPENAI_MAX_TOKENS: ConfigVar =
    ConfigVar::new("OPENAI_MAX_TOKENS", "Most completion tokens per call").with_default("2000");
pub const OPENAI_BASE_URL: ConfigVar = ConfigVar::new(
    "OPENAI_BASE_URL",
    "API base URL (Azure OpenAI v1 API or self-hosted OpenAI-compatible servers)",
)
.with_default("https://api.openai.com/v1");
pub const OPENAI_ORGANIZATION: ConfigVar = ConfigVar::new(
    "OPENAI_ORGANIZATION",
    "Organization id sent as OpenAI-Organization (for keys in several organizations)",
);
pub const OPENAI_PROJECT: ConfigVar = ConfigVar::new(
    "OPENAI_PROJECT",
    "Project id sent as OpenAI-Project (usage and limits billed to that project)",
);

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    OPENAI_API_KEY,
    OPENAI_MODEL,
    OPENAI_ALLOWED_MODELS,
    OPENAI_MAX_TOKENS,
    OPENAI_BASE_URL,
    OPENAI_ORGANIZATION,
    OPENAI_PROJECT,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&OPENAI_API_KEY]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    let mut builder = Bridge::builder(NAME, "openai-chatgpt", PORT, settings)
        .description("OpenAI (ChatGPT): analysis and code review with structured output")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "OPENAI_API_KEY"}));
    let metrics = LlmMetrics::register(builder.metrics());
    let openai = Arc::new(openai(&mut builder, metrics)?);
    builder
        .tool(Analyze::new(Arc::clone(&openai)))
        .tool(CodeReview::new(openai))
        .build()
}

/// The OpenAI provider, from `builder`'s settings, its client registered with the
/// bridge. Public so tests can drive a tool under a deadline of their own.
pub fn openai(builder: &mut BridgeBuilder, metrics: LlmMetrics) -> Result<OpenAi, ConfigError> {
    let settings = builder.settings_ref();
    let base_url = settings.url(&OPENAI_BASE_URL)?;
    let max_tokens = settings
        .parse::<u32>(&OPENAI_MAX_TOKENS)?
        .filter(|n| *n > 0)
        .ok_or_else(|| ConfigError::new(&OPENAI_MAX_TOKENS, "must be a whole number above 0"))?;
    let models = Models::new(
        settings.get(&OPENAI_MODEL).unwrap_or("gpt-4"),
        settings.list(&OPENAI_ALLOWED_MODELS),
        OPENAI_ALLOWED_MODELS.name,
    );
    let organization = header_value(settings, &OPENAI_ORGANIZATION)?;
    let project = header_value(settings, &OPENAI_PROJECT)?;
    let credential = settings
        .secret(&OPENAI_API_KEY)
        .map(Credential::Bearer)
        .unwrap_or_default();
    // No rate limit of our own: OpenAI's limits are per account tier and model, and its
    // `x-ratelimit-*` headers feed bridge-kit's limiter. Retries: see llm::provider.
    let upstream =
        builder.upstream(UpstreamConfig::new("openai", base_url).credential(credential))?;
    Ok(OpenAi::new(
        upstream,
        OpenAiSettings {
            models,
            max_tokens,
            organization,
            project,
        },
        metrics,
    ))
}

/// A variable sent as a header: printable ASCII, or a configuration error now rather
/// than a header silently dropped on every call.
fn header_value(settings: &Settings, var: &ConfigVar) -> Result<Option<String>, ConfigError> {
    match settings.get(var).map(str::trim) {
        None => Ok(None),
        Some(value) if value.bytes().all(|b| (0x21..=0x7e).contains(&b)) => {
            Ok(Some(value.to_owned()))
        }
        Some(_) => Err(ConfigError::new(
            var,
            "must be printable ASCII without spaces (an id such as org-… or proj_…)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_description_lists_the_default_allow_list() {
        let schema = schemars::schema_for!(llm::analysis::AnalyzeArgs);
        let description = schema
            .as_value()
            .pointer("/properties/model/description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .replace('\n', " ");
        for model in OPENAI_ALLOWED_MODELS.default.unwrap_or_default().split(',') {
            assert!(
                description.contains(model),
                "{model} missing from: {description}"
            );
        }
    }

    #[test]
    fn unusable_settings_are_named() {
        let cases = [
            ("OPENAI_BASE_URL", "api.openai.com"),
            ("OPENAI_MAX_TOKENS", "0"),
            ("OPENAI_MAX_TOKENS", "lots"),
            ("OPENAI_ORGANIZATION", "org with spaces"),
        ];
        for (name, value) in cases {
            let error = bridge(&Settings::from_pairs([(name, value)])).expect_err(name);
            assert_eq!(error.name, name);
        }
    }
}

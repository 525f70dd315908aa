//! Token accounting: the per-call `token_usage` every result carries, and the Prometheus
//! counter `bridge_llm_tokens_total{provider, model, kind}` that cost dashboards sum.

use std::sync::Arc;

use bridge_kit::metrics::Metrics;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use schemars::JsonSchema;
use serde::Serialize;

/// Tokens one call consumed, as the provider reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TokenUsage {
    /// Input tokens (OpenAI `prompt_tokens`, Anthropic `input_tokens` plus any cache
    /// tokens).
    pub prompt_tokens: u64,
    /// Output tokens (OpenAI `completion_tokens`, Anthropic `output_tokens`).
    pub completion_tokens: u64,
    /// `prompt_tokens + completion_tokens` (OpenAI's own total when it reports one).
    pub total_tokens: u64,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    provider: &'static str,
    model: String,
    kind: &'static str,
}

/// The LLM metrics of one bridge: the token counter, registered in the bridge's own
/// registry (served at its `/metrics`), and the bridge's metrics for the retries the
/// call loop makes itself (bridge-kit never retries these POSTs).
#[derive(Debug, Clone, Default)]
pub struct LlmMetrics {
    tokens: Family<TokenLabels, Counter>,
    /// `None` when unregistered (`Default`: tests driving a tool directly).
    bridge: Option<Arc<Metrics>>,
}

impl LlmMetrics {
    /// Registers `bridge_llm_tokens_total` in `metrics`, the bridge's registry
    /// (`BridgeBuilder::metrics()`). Once per bridge.
    pub fn register(metrics: Arc<Metrics>) -> Self {
        let tokens = Family::<TokenLabels, Counter>::default();
        metrics.with_registry(|registry| {
            registry.register(
                "bridge_llm_tokens",
                "LLM tokens by provider, model (the configured name asked for) and kind (prompt or completion)",
                tokens.clone(),
            );
        });
        Self {
            tokens,
            bridge: Some(metrics),
        }
    }

    /// Counts one call's tokens. The model label is the allow-listed name we asked for,
    /// not the dated snapshot the vendor answers with, so the label set stays bounded by
    /// configuration.
    pub fn record_tokens(&self, provider: &'static str, model: &str, usage: &TokenUsage) {
        for (kind, count) in [
            ("prompt", usage.prompt_tokens),
            ("completion", usage.completion_tokens),
        ] {
            self.tokens
                .get_or_create(&TokenLabels {
                    provider,
                    model: model.to_owned(),
                    kind,
                })
                .inc_by(count);
        }
    }

    /// Counts a retry in the bridge's `bridge_upstream_retries{service}`.
    pub fn record_retry(&self, service: &'static str) {
        if let Some(metrics) = &self.bridge {
            metrics.record_retry(service);
        }
    }
}

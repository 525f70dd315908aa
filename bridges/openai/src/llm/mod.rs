//! What the AI bridges share: the two tool contracts (`analyze`, `code_review`), the
//! prompts, reading what models really answer, and the provider-neutral call loop.
//!
//! Each contract is offered by both AI bridges (`openai-chatgpt.analyze` and
//! `anthropic-claude.analyze`, `anthropic-claude.code_review` and
//! `openai-chatgpt.code_review`): same arguments, same output, same prompt and parsing;
//! only the [`Provider`] call differs. bridge-claude depends on this crate for them.
//!
//! # Layout
//! - [`provider`]: the provider trait, the model allow-list, and the call loop that
//!   retries only answers the vendor did not process (429, 529).
//! - [`usage`]: per-call token usage and the `bridge_llm_tokens_total` counter.
//! - [`context`]: the analysis context rendered compactly, deterministically, bounded.
//! - [`extract`]: the JSON object dug out of a model's answer, and how sure we are of it.
//! - [`analysis`], [`review`]: the two contracts, each with its prompt and answer reader.

pub mod analysis;
pub mod context;
pub mod extract;
pub mod provider;
pub mod review;
pub mod usage;

use bridge_kit::Hints;

pub use extract::ParseStatus;
pub use provider::{Completion, Failure, Models, Provider, Request};
pub use usage::{LlmMetrics, TokenUsage};

/// Annotations of every LLM tool. A model call changes nothing anywhere (read-only), but
/// it is not idempotent: every call is billed and may answer differently.
pub const HINTS: Hints = Hints {
    read_only: true,
    destructive: false,
    idempotent: false,
    open_world: true,
};

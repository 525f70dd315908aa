//! `openai-chatgpt.code_review`: the seed's Claude code review contract, run on OpenAI
//! Chat Completions (a provider-neutral door: pipelines can switch vendors by address).
//! The contract is [`crate::llm::review`], shared with `anthropic-claude.code_review`.

use std::sync::Arc;
use std::time::Duration;

use bridge_kit::{CostTier, Tool, ToolContext, ToolError, ToolSpec};

use crate::chat::OpenAi;
use crate::llm::review::{self, CodeReviewArgs, CodeReviewOutput};

#[derive(Debug)]
pub struct CodeReview {
    openai: Arc<OpenAi>,
}

impl CodeReview {
    pub fn new(openai: Arc<OpenAi>) -> Self {
        Self { openai }
    }
}

impl Tool for CodeReview {
    type Args = CodeReviewArgs;
    type Output = CodeReviewOutput;

    const SPEC: ToolSpec = ToolSpec {
        name: "code_review",
        title: "Review code with ChatGPT",
        description: "Review a code diff with ChatGPT (OPENAI_MODEL): an overall score (0..10), issues filtered by severity threshold, positive aspects and a summary. Answers the model did not format are returned as they came, never invented: see parse_status and warnings. Same contract as anthropic-claude.code_review.",
        scopes: &["llm.openai", "code.review"],
        cost_tier: CostTier::High,
        timeout: Duration::from_secs(review::TIMEOUT_SECONDS),
        hints: crate::llm::HINTS,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        review::run(self.openai.as_ref(), ctx, args).await
    }
}

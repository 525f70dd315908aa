//! `anthropic-claude.code_review`: the seed's code review tool, run on Anthropic's
//! Messages API. The contract (arguments, output, prompt, answer reading) is
//! `bridge_openai::llm::review`, shared with `openai-chatgpt.code_review`.

use std::sync::Arc;
use std::time::Duration;

use bridge_kit::{CostTier, Tool, ToolContext, ToolError, ToolSpec};
use bridge_openai::llm::review::{self, CodeReviewArgs, CodeReviewOutput};

use crate::messages::Anthropic;

#[derive(Debug)]
pub struct CodeReview {
    anthropic: Arc<Anthropic>,
}

impl CodeReview {
    pub fn new(anthropic: Arc<Anthropic>) -> Self {
        Self { anthropic }
    }
}

impl Tool for CodeReview {
    type Args = CodeReviewArgs;
    type Output = CodeReviewOutput;

    const SPEC: ToolSpec = ToolSpec {
        name: "code_review",
        title: "Review code with Claude",
        description: "Review a code diff with Claude (ANTHROPIC_MODEL): an overall score (0..10), issues filtered by severity threshold, positive aspects and a summary. Answers the model did not format are returned as they came, never invented: see parse_status and warnings. Same contract as openai-chatgpt.code_review.",
        scopes: &["llm.anthropic", "code.review"],
        cost_tier: CostTier::High,
        timeout: Duration::from_secs(review::TIMEOUT_SECONDS),
        hints: bridge_openai::llm::HINTS,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        review::run(self.anthropic.as_ref(), ctx, args).await
    }
}

//! `anthropic-claude.analyze`: the seed's ChatGPT analysis contract, run on Anthropic's
//! Messages API (a provider-neutral door: pipelines can switch vendors by address). The
//! contract is `bridge_openai::llm::analysis`, shared with `openai-chatgpt.analyze`.

use std::sync::Arc;
use std::time::Duration;

use bridge_kit::{CostTier, Tool, ToolContext, ToolError, ToolSpec};
use bridge_openai::llm::analysis::{self, AnalyzeArgs, AnalyzeOutput};

use crate::messages::Anthropic;

#[derive(Debug)]
pub struct Analyze {
    anthropic: Arc<Anthropic>,
}

impl Analyze {
    pub fn new(anthropic: Arc<Anthropic>) -> Self {
        Self { anthropic }
    }
}

impl Tool for Analyze {
    type Args = AnalyzeArgs;
    type Output = AnalyzeOutput;

    const SPEC: ToolSpec = ToolSpec {
        name: "analyze",
        title: "Analyze data with Claude",
        description: "Analyze data using Claude with structured output: an instruction and a JSON context in; the analysis, the model's confidence (0..1) and token usage out. Answers the model did not format are returned as they came, never invented: see parse_status and warnings. Same contract as openai-chatgpt.analyze.",
        scopes: &["llm.anthropic"],
        cost_tier: CostTier::High,
        timeout: Duration::from_secs(analysis::TIMEOUT_SECONDS),
        hints: bridge_openai::llm::HINTS,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        analysis::run(self.anthropic.as_ref(), ctx, args).await
    }
}

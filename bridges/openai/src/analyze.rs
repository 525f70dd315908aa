//! `openai-chatgpt.analyze`: the seed's analysis tool, run on OpenAI Chat Completions.
//! The contract (arguments, output, prompt, answer reading) is [`crate::llm::analysis`],
//! shared with `anthropic-claude.analyze`.

use std::sync::Arc;
use std::time::Duration;

use bridge_kit::{CostTier, Tool, ToolContext, ToolError, ToolSpec};

use crate::chat::OpenAi;
use crate::llm::analysis::{self, AnalyzeArgs, AnalyzeOutput};

#[derive(Debug)]
pub struct Analyze {
    openai: Arc<OpenAi>,
}

impl Analyze {
    pub fn new(openai: Arc<OpenAi>) -> Self {
        Self { openai }
    }
}

impl Tool for Analyze {
    type Args = AnalyzeArgs;
    type Output = AnalyzeOutput;

    const SPEC: ToolSpec = ToolSpec {
        name: "analyze",
        title: "Analyze data with ChatGPT",
        description: "Analyze data using ChatGPT with structured output: an instruction and a JSON context in; the analysis, the model's confidence (0..1) and token usage out. Answers the model did not format are returned as they came, never invented: see parse_status and warnings. Same contract as anthropic-claude.analyze.",
        scopes: &["llm.openai"],
        cost_tier: CostTier::High,
        timeout: Duration::from_secs(analysis::TIMEOUT_SECONDS),
        hints: crate::llm::HINTS,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        analysis::run(self.openai.as_ref(), ctx, args).await
    }
}

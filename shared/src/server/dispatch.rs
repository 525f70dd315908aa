//! The one path every tool call takes, whether it came over REST, MCP or `bridge call`:
//! scopes → configuration → schema validation → typed call under the deadline → metrics.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use serde_json::Value;

use crate::bridge::Bridge;
use crate::error::{ErrorCode, ToolError};
use crate::server::auth::Caller;
use crate::tool::{RegisteredTool, ToolContext};

/// Runs `tool` on raw JSON `arguments` for `caller`.
pub async fn dispatch(
    bridge: &Bridge,
    tool: &RegisteredTool,
    caller: &Caller,
    arguments: Value,
    request_id: &str,
) -> Result<Value, ToolError> {
    let started = Instant::now();
    let result = run(bridge, tool, caller, arguments, request_id).await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(error) => error.code().as_str(),
    };
    bridge
        .metrics
        .record_tool_call(tool.spec.name, outcome, started.elapsed());
    match &result {
        Ok(_) => tracing::info!(
            tool = tool.spec.name,
            outcome,
            duration_ms = started.elapsed().as_millis() as u64,
            "tool call"
        ),
        Err(error) if error.code() == ErrorCode::Internal => tracing::error!(
            tool = tool.spec.name,
            cause = error.internal_cause().unwrap_or(""),
            "tool call failed"
        ),
        Err(error) => {
            tracing::warn!(tool = tool.spec.name, outcome, error = %error, "tool call failed")
        }
    }
    result
}

async fn run(
    bridge: &Bridge,
    tool: &RegisteredTool,
    caller: &Caller,
    arguments: Value,
    request_id: &str,
) -> Result<Value, ToolError> {
    if let Some(scope) = caller.missing_scope(tool.spec.scopes) {
        return Err(ToolError::forbidden(format!(
            "the token lacks scope {scope:?}, required by {}",
            bridge.address(tool)
        ))
        .with_details(serde_json::json!({ "missing_scope": scope })));
    }
    if tool.spec.needs_credentials
        && let Some(missing) = bridge.missing_credentials()
    {
        return Err(ToolError::not_configured(&missing));
    }
    let violations = tool.violations(&arguments);
    if !violations.is_empty() {
        return Err(ToolError::invalid_arguments(violations));
    }
    let ctx = ToolContext::new(request_id, tool.spec.timeout);
    // A panicking tool must not take the connection (or an MCP session task) with it.
    let call = AssertUnwindSafe(tool.invoke(ctx, arguments)).catch_unwind();
    match tokio::time::timeout(tool.spec.timeout, call).await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => {
            let cause = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(ToolError::internal(format!("tool panicked: {cause}")))
        }
        Err(_) => Err(ToolError::timeout(format!(
            "{} did not finish within its {} s deadline",
            bridge.address(tool),
            tool.spec.timeout.as_secs()
        ))),
    }
}

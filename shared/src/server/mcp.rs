//! The one adapter between bridge tools and the MCP SDK (`rmcp`, pinned exactly).
//!
//! No bridge crate touches rmcp. Served stateless with JSON responses, for protocol
//! 2026-07-28 (no `initialize`) and the `initialize` era (2025-11-25 and earlier) on the
//! same endpoint. Tool calls run through the same [`dispatch`] as REST, so both doors
//! give the same answer; a failing tool is an `isError` result whose text block is the REST error
//! body; only protocol faults (unknown tool, malformed request) are JSON-RPC errors.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
    ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::bridge::Bridge;
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::dispatch::dispatch;
use crate::server::request_id::RequestId;

/// How long MCP clients may cache `tools/list` (the list is fixed for the process).
const TOOLS_LIST_TTL_MS: u64 = 60_000;

/// The tower service mounted at `/mcp`.
pub(crate) fn service(
    state: Arc<AppState>,
    shutdown: CancellationToken,
) -> StreamableHttpService<McpAdapter, NeverSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(state.max_body_bytes)
        .with_cancellation_token(shutdown);
    config = if state.allowed_hosts.iter().any(|h| h == "*") {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(state.allowed_hosts.clone())
    };
    config = if state.allowed_origins.is_empty() {
        // Server-to-server callers send no Origin; any Origin present is a browser we
        // were not told to trust (DNS rebinding).
        config.enforce_origin_validation()
    } else {
        config.with_allowed_origins(state.allowed_origins.clone())
    };
    StreamableHttpService::new(
        move || {
            Ok(McpAdapter {
                state: Arc::clone(&state),
            })
        },
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// A bridge seen as an MCP server. Built per request (stateless); cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct McpAdapter {
    state: Arc<AppState>,
}

/// The MCP listing entry of one tool.
fn mcp_tool(bridge: &Bridge, tool: &crate::tool::RegisteredTool) -> Tool {
    let hints = tool.spec.hints;
    let annotations = ToolAnnotations::with_title(tool.spec.title)
        .read_only(hints.read_only)
        .destructive(hints.destructive)
        .idempotent(hints.idempotent)
        .open_world(hints.open_world);
    Tool::new_with_raw(
        bridge.mcp_name(tool),
        Some(tool.spec.description.into()),
        Arc::clone(&tool.input_schema),
    )
    .with_title(tool.spec.title)
    .with_raw_output_schema(Arc::clone(&tool.output_schema))
    .with_annotations(annotations)
}

impl ServerHandler for McpAdapter {
    fn get_info(&self) -> InitializeResult {
        let bridge = &self.state.bridge;
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new(
            format!("ordinaut-{}-bridge", bridge.name),
            env!("CARGO_PKG_VERSION"),
        );
        if !bridge.description.is_empty() {
            info.instructions = Some(bridge.description.to_owned());
        }
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let bridge = &self.state.bridge;
        let tools = bridge
            .tools
            .iter()
            .map(|tool| mcp_tool(bridge, tool))
            .collect();
        let mut result = ListToolsResult::with_all_items(tools);
        result.ttl_ms = Some(TOOLS_LIST_TTL_MS);
        Ok(result)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let bridge = &self.state.bridge;
        bridge
            .tool_by_mcp_name(name)
            .map(|tool| mcp_tool(bridge, tool))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let bridge = &self.state.bridge;
        let Some(tool) = bridge.tool_by_mcp_name(&request.name) else {
            let names: Vec<String> = bridge.tools.iter().map(|t| bridge.mcp_name(t)).collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool {:?}; this server has: {}",
                    request.name,
                    names.join(", ")
                ),
                Some(serde_json::json!({ "tools": names })),
            ));
        };
        let parts = context.extensions.get::<axum::http::request::Parts>();
        let request_id = parts
            .and_then(|p| p.extensions.get::<RequestId>().cloned())
            .unwrap_or_else(RequestId::generate);
        let caller = parts
            .and_then(|p| p.extensions.get::<Caller>().cloned())
            .unwrap_or(Caller::Anonymous);
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let result = match dispatch(bridge, tool, &caller, arguments, request_id.as_str()).await {
            Ok(output) => CallToolResult::structured(output),
            Err(error) => {
                // The error travels as JSON text only: `structuredContent` must conform to
                // the tool's output schema, and strict clients (the MCP Inspector) check it
                // even on error results.
                let body = serde_json::json!({ "error": error.to_json(Some(request_id.as_str())) });
                CallToolResult::error(vec![ContentBlock::text(body.to_string())])
            }
        };
        Ok(result.into())
    }
}

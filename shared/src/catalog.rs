//! Catalog entries in the seed's format, derived from the tools' types.

use serde_json::{Value, json};

use crate::bridge::Bridge;
use crate::tool::RegisteredTool;

/// Where orchestrators reach a bridge: `{bridge}` and `{port}` are substituted.
#[derive(Debug, Clone)]
pub struct EndpointTemplate(pub String);

impl Default for EndpointTemplate {
    /// The seed's compose service names: `http://maib-bridge:8099`.
    fn default() -> Self {
        Self("http://{bridge}-bridge:{port}".to_owned())
    }
}

impl EndpointTemplate {
    pub fn base_url(&self, bridge: &Bridge) -> String {
        self.0
            .replace("{bridge}", bridge.name)
            .replace("{port}", &bridge.port.to_string())
            .trim_end_matches('/')
            .to_owned()
    }
}

/// The catalog entry of one tool.
pub fn entry(bridge: &Bridge, tool: &RegisteredTool, template: &EndpointTemplate) -> Value {
    let spec = &tool.spec;
    let authentication = if spec.needs_credentials {
        bridge.authentication.clone()
    } else {
        json!({ "type": "none" })
    };
    json!({
        "address": bridge.address(tool),
        "title": spec.title,
        "description": spec.description,
        "transport": "http",
        "endpoint": format!("{}/tools/{}", template.base_url(bridge), spec.name),
        "input_schema": Value::Object((*tool.input_schema).clone()),
        "output_schema": Value::Object((*tool.output_schema).clone()),
        "timeout_seconds": spec.timeout.as_secs(),
        "scopes": spec.scopes,
        "cost_tier": spec.cost_tier,
        "authentication": authentication,
        "mcp": {
            "endpoint": format!("{}/mcp", template.base_url(bridge)),
            "name": bridge.mcp_name(tool),
            "annotations": {
                "readOnlyHint": spec.hints.read_only,
                "destructiveHint": spec.hints.destructive,
                "idempotentHint": spec.hints.idempotent,
                "openWorldHint": spec.hints.open_world,
            },
        },
    })
}

/// Every tool of a bridge, in declaration order.
pub fn entries(bridge: &Bridge, template: &EndpointTemplate) -> Vec<Value> {
    bridge
        .tools
        .iter()
        .map(|tool| entry(bridge, tool, template))
        .collect()
}

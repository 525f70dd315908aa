//! What a bridge is: a named value holding its port, configuration, tools and routes.
//!
//! A vendor crate builds one with [`Bridge::builder`]; everything served or generated
//! (REST routes, MCP listing, catalog, readiness, docs) is derived from it.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use serde_json::Value;

use crate::config::{ConfigVar, Settings};
use crate::metrics::Metrics;
use crate::tool::{RegisteredTool, Tool};

/// Which credentials a bridge needs: any one complete set is enough (e.g. `GITHUB_TOKEN`,
/// or the three GitHub App variables).
#[derive(Debug, Clone, Copy)]
pub struct Credentials(pub &'static [&'static [&'static ConfigVar]]);

impl Credentials {
    /// No credentials needed.
    pub const NONE: Credentials = Credentials(&[]);

    /// Names of the variables still missing, or `None` when one set is complete.
    /// The first (simplest) set is reported when none is complete.
    pub fn missing(&self, settings: &Settings) -> Option<Vec<&'static str>> {
        if self.0.is_empty() {
            return None;
        }
        let complete = self
            .0
            .iter()
            .any(|set| set.iter().all(|var| settings.get(var).is_some()));
        if complete {
            return None;
        }
        let first = self.0.first()?;
        Some(
            first
                .iter()
                .filter(|var| settings.get(var).is_none())
                .map(|var| var.name)
                .collect(),
        )
    }

    /// Every variable that appears in some set.
    pub fn vars(&self) -> impl Iterator<Item = &'static ConfigVar> {
        self.0.iter().flat_map(|set| set.iter().copied())
    }
}

/// A vendor bridge, ready to serve.
pub struct Bridge {
    /// Short name: `slack`, `maib`. Used in `bridge serve <name>` and metric labels.
    pub name: &'static str,
    /// The catalog address prefix: `slack`, `openai-chatgpt`, `msteams`.
    pub address_prefix: &'static str,
    /// Default port (DESIGN.md's table).
    pub port: u16,
    pub description: &'static str,
    /// Every variable this bridge reads (shared bridge-kit variables excluded).
    pub vars: &'static [ConfigVar],
    pub credentials: Credentials,
    /// The catalog `authentication` object of tools that need credentials.
    pub authentication: Value,
    pub tools: Vec<RegisteredTool>,
    /// Extra routes (e.g. `POST /webhooks/github`), merged into the bridge's router.
    pub routes: Option<Router>,
    /// The settings the bridge was built from.
    pub settings: Arc<Settings>,
    /// The bridge's own metrics registry (served at its `/metrics`).
    pub metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("name", &self.name)
            .field("port", &self.port)
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

impl Bridge {
    pub fn builder(name: &'static str, address_prefix: &'static str, port: u16) -> BridgeBuilder {
        BridgeBuilder {
            bridge: Bridge {
                name,
                address_prefix,
                port,
                description: "",
                vars: &[],
                credentials: Credentials::NONE,
                authentication: serde_json::json!({ "type": "none" }),
                tools: Vec::new(),
                routes: None,
                settings: Arc::new(Settings::default()),
                metrics: Arc::new(Metrics::new(name)),
            },
        }
    }

    pub fn tool(&self, name: &str) -> Option<&RegisteredTool> {
        self.tools.iter().find(|tool| tool.spec.name == name)
    }

    /// The catalog address of a tool: `maib.get_exchange_rates`.
    pub fn address(&self, tool: &RegisteredTool) -> String {
        format!("{}.{}", self.address_prefix, tool.spec.name)
    }

    /// The MCP name of a tool: the address with `.` and `-` as `_`
    /// (`maib_get_exchange_rates`), because LLM providers reject dots in tool names.
    pub fn mcp_name(&self, tool: &RegisteredTool) -> String {
        self.address(tool).replace(['.', '-'], "_")
    }

    pub fn tool_by_mcp_name(&self, name: &str) -> Option<&RegisteredTool> {
        self.tools.iter().find(|tool| self.mcp_name(tool) == name)
    }

    /// Credential variables still missing, if any.
    pub fn missing_credentials(&self) -> Option<Vec<&'static str>> {
        self.credentials.missing(&self.settings)
    }

    pub fn tool_names(&self) -> Vec<&'static str> {
        self.tools.iter().map(|tool| tool.spec.name).collect()
    }
}

/// Assembles a [`Bridge`].
#[derive(Debug)]
pub struct BridgeBuilder {
    bridge: Bridge,
}

impl BridgeBuilder {
    pub fn description(mut self, description: &'static str) -> Self {
        self.bridge.description = description;
        self
    }

    pub fn vars(mut self, vars: &'static [ConfigVar]) -> Self {
        self.bridge.vars = vars;
        self
    }

    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.bridge.credentials = credentials;
        self
    }

    pub fn authentication(mut self, authentication: Value) -> Self {
        self.bridge.authentication = authentication;
        self
    }

    pub fn settings(mut self, settings: &Settings) -> Self {
        self.bridge.settings = Arc::new(settings.clone());
        self
    }

    pub fn tool<T: Tool>(mut self, tool: T) -> Self {
        self.bridge.tools.push(RegisteredTool::new(tool));
        self
    }

    pub fn routes(mut self, routes: Router) -> Self {
        self.bridge.routes = Some(routes);
        self
    }

    /// Finishes the bridge. Panics on a programming error in the bridge's own
    /// declarations (duplicate tool names, credential variables not declared), which every
    /// bridge's tests exercise.
    pub fn build(self) -> Bridge {
        let bridge = self.bridge;
        let mut seen = BTreeSet::new();
        for tool in &bridge.tools {
            assert!(
                seen.insert(tool.spec.name),
                "bridge {}: duplicate tool {}",
                bridge.name,
                tool.spec.name
            );
        }
        for var in bridge.credentials.vars() {
            assert!(
                bridge.vars.iter().any(|declared| declared.name == var.name),
                "bridge {}: credential {} is not in its declared vars",
                bridge.name,
                var.name
            );
        }
        bridge
    }
}

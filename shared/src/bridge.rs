//! What a bridge is: a named value holding its port, configuration, tools and routes.
//!
//! A vendor crate builds one with [`Bridge::builder`]; everything served or generated
//! (REST routes, MCP listing, catalog, readiness, docs) is derived from it.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use serde_json::Value;

use crate::config::{ConfigError, ConfigVar, Settings};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::tool::{RegisteredTool, Tool};
use crate::upstream::oauth::{Grant, TokenCache};
use crate::upstream::{RateLimit, Upstream, UpstreamConfig};
use crate::vars;
use crate::webhooks::{Source, Webhooks};

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
    pub tools: Vec<Arc<RegisteredTool>>,
    /// Extra routes (e.g. `POST /webhooks/github`), merged into the bridge's router.
    pub routes: Option<Router>,
    /// The settings the bridge was built from.
    pub settings: Arc<Settings>,
    /// The bridge's own metrics registry (served at its `/metrics`).
    pub metrics: Arc<Metrics>,
    /// The shared Redis store, when `REDIS_URL` is set.
    pub store: Option<Arc<Store>>,
    /// The vendor clients, for readiness (circuit breakers).
    pub upstreams: Vec<Upstream>,
    /// Webhook intake and event delivery, when the vendor sends webhooks.
    pub webhooks: Option<Arc<Webhooks>>,
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
    /// Starts a bridge read from `settings` (every later step reads the same settings).
    pub fn builder(
        name: &'static str,
        address_prefix: &'static str,
        port: u16,
        settings: &Settings,
    ) -> BridgeBuilder {
        let store = settings.get(&vars::REDIS_URL).map(Store::shared);
        let (store, problem) = match store {
            None => (None, None),
            Some(Ok(store)) => (Some(store), None),
            Some(Err(reason)) => (None, Some(ConfigError::new(&vars::REDIS_URL, reason))),
        };
        BridgeBuilder {
            problem,
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
                settings: Arc::new(settings.clone()),
                metrics: Arc::new(Metrics::new(name)),
                store,
                upstreams: Vec::new(),
                webhooks: None,
            },
        }
    }

    pub fn tool(&self, name: &str) -> Option<&RegisteredTool> {
        self.tools
            .iter()
            .map(Arc::as_ref)
            .find(|tool| tool.spec.name == name)
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
        self.tools
            .iter()
            .map(Arc::as_ref)
            .find(|tool| self.mcp_name(tool) == name)
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
    /// The first unusable configuration value met while building.
    problem: Option<ConfigError>,
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

    /// The bridge's metrics, for a bridge's own families (registered with
    /// `with_registry`) before the bridge is built.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.bridge.metrics)
    }

    pub fn settings_ref(&self) -> &Settings {
        &self.bridge.settings
    }

    /// The rate limit for an upstream of this bridge: `<BRIDGE>_RATE_LIMIT_REQUESTS` /
    /// `_PERIOD` when set; otherwise the stricter of the vendor's published limit and the
    /// global `RATE_LIMIT_REQUESTS` / `RATE_LIMIT_PERIOD`.
    fn resolve_limit(&self, vendor: Option<RateLimit>) -> Result<Option<RateLimit>, ConfigError> {
        let settings = &self.bridge.settings;
        let prefix = self.bridge.name.to_ascii_uppercase();
        let read =
            |requests_name: &str, period_name: &str| -> Result<Option<RateLimit>, ConfigError> {
                let parse = |name: &str| -> Result<Option<u64>, ConfigError> {
                    settings
                        .get_dynamic(name)
                        .map(|text| {
                            text.trim()
                                .parse::<u64>()
                                .ok()
                                .filter(|n| *n > 0)
                                .ok_or_else(|| ConfigError {
                                    name: vars::leak_name(name),
                                    reason: "must be a whole number above 0".to_owned(),
                                })
                        })
                        .transpose()
                };
                let requests = parse(requests_name)?;
                let period = parse(period_name)?.unwrap_or(60);
                Ok(requests.map(|requests| {
                    RateLimit::new(
                        u32::try_from(requests).unwrap_or(u32::MAX),
                        std::time::Duration::from_secs(period),
                    )
                }))
            };
        if let Some(own) = read(
            &format!("{prefix}_RATE_LIMIT_REQUESTS"),
            &format!("{prefix}_RATE_LIMIT_PERIOD"),
        )? {
            return Ok(Some(own));
        }
        let global = read(vars::RATE_LIMIT_REQUESTS.name, vars::RATE_LIMIT_PERIOD.name)?;
        let rate = |l: &RateLimit| f64::from(l.requests) / l.period.as_secs_f64();
        Ok(match (vendor, global) {
            (Some(v), Some(g)) => Some(if rate(&g) < rate(&v) { g } else { v }),
            (v, g) => v.or(g),
        })
    }

    /// A vendor client registered with this bridge (metrics, readiness, shared Redis).
    pub fn upstream(&mut self, config: UpstreamConfig) -> Result<Upstream, ConfigError> {
        let limit = self.resolve_limit(config.rate_limit)?;
        let upstream = Upstream::new(
            config,
            limit,
            self.bridge.store.clone(),
            Arc::clone(&self.bridge.metrics),
        )
        .map_err(|reason| ConfigError {
            name: "upstream",
            reason,
        })?;
        self.bridge.upstreams.push(upstream.clone());
        Ok(upstream)
    }

    /// An OAuth token cache for `service`, shared through Redis when configured.
    pub fn token_cache(
        &self,
        service: &'static str,
        grant: Grant,
    ) -> Result<Arc<TokenCache>, ConfigError> {
        let metrics = Arc::clone(&self.bridge.metrics);
        let observer =
            Arc::new(move |result: &'static str| metrics.record_token_refresh(service, result));
        TokenCache::new(service, grant, self.bridge.store.clone(), Some(observer))
            .map(Arc::new)
            .map_err(|error| ConfigError {
                name: "oauth",
                reason: error.to_string(),
            })
    }

    pub fn tool<T: Tool>(mut self, tool: T) -> Self {
        self.bridge.tools.push(Arc::new(RegisteredTool::new(tool)));
        self
    }

    /// A `<prefix>.<name>` door running the listed direct tools (already added) through an
    /// `action` field, as the seed's `*.enterprise` tools do.
    pub fn multiplexer(
        mut self,
        name: &'static str,
        title: &'static str,
        description: &'static str,
        actions: &[&str],
    ) -> Self {
        let tools: Vec<Arc<RegisteredTool>> = actions
            .iter()
            .map(|action| {
                self.bridge
                    .tools
                    .iter()
                    .find(|tool| tool.spec.name == *action)
                    .cloned()
                    .unwrap_or_else(|| panic!("{name}: add tool {action} before its multiplexer"))
            })
            .collect();
        let door = crate::multiplex::multiplexer(name, title, description, tools);
        self.bridge.tools.push(Arc::new(door));
        self
    }

    /// `POST /webhooks/{source}`, verified with the secret in `secret_var`, its events
    /// delivered to the orchestrator.
    pub fn webhook(mut self, source: Source, secret_var: &'static ConfigVar) -> Self {
        let hub = match &self.bridge.webhooks {
            Some(hub) => Arc::clone(hub),
            None => match Webhooks::new(
                self.bridge.name,
                &self.bridge.settings,
                self.bridge.store.clone(),
                Arc::clone(&self.bridge.metrics),
            ) {
                Ok(hub) => Arc::new(hub),
                Err(problem) => {
                    self.problem.get_or_insert(problem);
                    return self;
                }
            },
        };
        let route = hub.route(source, secret_var, &self.bridge.settings);
        self.bridge.webhooks = Some(hub);
        self.bridge.routes = Some(match self.bridge.routes.take() {
            Some(routes) => routes.merge(route),
            None => route,
        });
        self
    }

    pub fn routes(mut self, routes: Router) -> Self {
        self.bridge.routes = Some(routes);
        self
    }

    /// Finishes the bridge, or names the first unusable configuration value. Panics on a
    /// programming error in the bridge's own declarations (duplicate tool names,
    /// credential variables not declared), which every bridge's tests exercise.
    pub fn build(self) -> Result<Bridge, ConfigError> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
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
        Ok(bridge)
    }
}

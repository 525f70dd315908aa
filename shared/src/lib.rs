//! bridge-kit: the runtime every Ordinaut bridge stands on.
//!
//! A vendor crate declares its configuration variables and writes one type per tool
//! ([`Tool`]); it assembles them into a [`Bridge`]. bridge-kit derives everything else
//! from that one source: the REST and MCP endpoints, input validation, the catalog,
//! health and readiness, metrics, inbound auth, and the upstream client the tools call
//! their vendor with.
//!
//! # Layout
//! - [`tool`], [`bridge`]: what a tool and a bridge are.
//! - [`error`]: the one error classification and its HTTP/JSON mapping.
//! - [`config`], [`vars`]: declared variables and the settings they are read from.
//! - [`server`]: routes, middleware, auth, the MCP adapter, graceful shutdown.
//! - [`catalog`]: catalog entries in the seed's format.
//! - [`upstream`]: the vendor-facing HTTP client.
//! - [`metrics`], [`telemetry`]: Prometheus metrics, logs and traces.
//! - [`conformance`]: the checks every bridge runs from its own tests.

pub mod bridge;
pub mod catalog;
pub mod config;
pub mod conformance;
pub mod error;
pub mod metrics;
mod multiplex;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tool;
pub mod upstream;
pub mod vars;
pub mod webhooks;

pub use bridge::{Bridge, BridgeBuilder, Credentials};
pub use config::{ConfigError, ConfigVar, Settings};
pub use error::{ErrorCode, ToolError, Violation};
pub use tool::{CostTier, Hints, Tool, ToolContext, ToolSpec};

/// Re-exported so tool crates derive schemas with the same version bridge-kit reads.
pub use schemars;

//! The `bridge` binary's commands, as a library so the fleet tests can drive them.
//!
//! # Layout
//! - [`registry`]: every bridge and its port.
//! - [`commands`]: `serve`, `list`, `config check`, `catalog`, `call`, `healthcheck`.

pub mod commands;
pub mod registry;

//! The fleet: every bridge this binary can serve, with its default port.

use bridge_kit::{Bridge, ConfigError, ConfigVar, Settings};

/// One servable bridge.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub port: u16,
    pub vars: &'static [ConfigVar],
    pub build: fn(&Settings) -> Result<Bridge, ConfigError>,
}

macro_rules! entry {
    ($krate:ident) => {
        Entry {
            name: $krate::NAME,
            port: $krate::PORT,
            vars: $krate::VARS,
            build: $krate::bridge,
        }
    };
}

/// Every bridge, in port order.
pub const BRIDGES: &[Entry] = &[
    entry!(bridge_openai),
    entry!(bridge_claude),
    entry!(bridge_slack),
    entry!(bridge_teams),
    entry!(bridge_github),
    entry!(bridge_jira),
    entry!(bridge_salesforce),
    entry!(bridge_grafana),
    entry!(bridge_maib),
    entry!(bridge_sia),
    entry!(bridge_gitlab),
    entry!(bridge_hubspot),
];

pub fn find(name: &str) -> Option<&'static Entry> {
    BRIDGES.iter().find(|entry| entry.name == name)
}

/// Every bridge name, in port order.
pub fn names() -> Vec<&'static str> {
    BRIDGES.iter().map(|entry| entry.name).collect()
}

/// Every variable the fleet reads: bridge-kit's, then each bridge's.
pub fn all_vars() -> Vec<(&'static str, &'static ConfigVar)> {
    let mut vars: Vec<(&'static str, &'static ConfigVar)> = bridge_kit::vars::KIT_VARS
        .iter()
        .map(|var| ("bridge-kit", var))
        .collect();
    for entry in BRIDGES {
        vars.extend(entry.vars.iter().map(|var| (entry.name, var)));
    }
    vars
}

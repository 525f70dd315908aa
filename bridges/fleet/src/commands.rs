//! What each `bridge` subcommand does. Each returns the process exit code, or an error
//! message for stderr.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use bridge_kit::catalog::{self, EndpointTemplate};
use bridge_kit::config::display_value;
use bridge_kit::server::auth::Caller;
use bridge_kit::server::dispatch::dispatch;
use bridge_kit::server::health::readiness_checks;
use bridge_kit::server::{self, ServerOptions};
use bridge_kit::telemetry::{self, LogTarget};
use bridge_kit::{Bridge, Settings, vars};
use serde_json::Value;

use crate::registry::{self, BRIDGES, Entry};

type CommandResult = Result<ExitCode, String>;

/// Writes a line to stdout; a closed pipe (`bridge list | head`) ends output quietly
/// instead of panicking as `println!` does.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like [`out!`], without the newline.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn load_settings() -> Result<Settings, String> {
    Settings::load()
}

/// Builds every bridge, failing on the first unusable configuration value.
pub fn build_all(settings: &Settings) -> Result<Vec<Bridge>, String> {
    BRIDGES
        .iter()
        .map(|entry| (entry.build)(settings).map_err(|e| format!("bridge {}: {e}", entry.name)))
        .collect()
}

fn resolve(names: &[String]) -> Result<Vec<&'static Entry>, String> {
    names
        .iter()
        .map(|name| {
            registry::find(name).ok_or_else(|| {
                format!(
                    "unknown bridge {name:?}; bridges: {}",
                    registry::names().join(", ")
                )
            })
        })
        .collect()
}

pub async fn serve(names: Vec<String>, all: bool, port: Option<u16>) -> CommandResult {
    let settings = load_settings()?;
    let guard = telemetry::init(&settings, LogTarget::Stdout).map_err(|e| e.to_string())?;
    let names = if all {
        registry::names().into_iter().map(str::to_owned).collect()
    } else if names.is_empty() {
        match settings.get(&vars::BRIDGE_TYPE) {
            Some(name) => vec![name.to_owned()],
            None => return Err("name the bridges to serve, or --all (or set BRIDGE_TYPE)".into()),
        }
    } else {
        names
    };
    let entries = resolve(&names)?;
    let port = match port {
        Some(port) => Some(port),
        None => settings
            .parse::<u16>(&vars::BRIDGE_PORT)
            .map_err(|e| e.to_string())?,
    };
    if port.is_some() && entries.len() != 1 {
        return Err("--port / BRIDGE_PORT apply to a single bridge; each bridge of several uses its own port".into());
    }
    let options = ServerOptions::from_settings(&settings).map_err(|e| e.to_string())?;
    let mut bridges = Vec::new();
    for entry in entries {
        let bridge = (entry.build)(&settings).map_err(|e| format!("bridge {}: {e}", entry.name))?;
        if let Some(missing) = bridge.missing_credentials() {
            tracing::warn!(bridge = bridge.name, missing = %missing.join(", "), "not configured: its credentialed tools answer 503");
        }
        let address = SocketAddr::new(options.bind, port.unwrap_or(entry.port));
        bridges.push((Arc::new(bridge), address));
    }
    let result = server::serve(bridges, options, server::shutdown_signal()).await;
    guard.shutdown().await;
    result
        .map(|()| ExitCode::SUCCESS)
        .map_err(|e| e.to_string())
}

pub fn list() -> CommandResult {
    let settings = load_settings()?;
    out!("{:<11} {:>5}  {:<15} tools", "bridge", "port", "configured");
    for bridge in build_all(&settings)? {
        let configured = match bridge.missing_credentials() {
            None => "yes".to_owned(),
            Some(missing) => format!("no ({})", missing.join(", ")),
        };
        let tools: Vec<String> = bridge.tools.iter().map(|t| bridge.address(t)).collect();
        out!(
            "{:<11} {:>5}  {:<15} {}",
            bridge.name,
            bridge.port,
            configured,
            if tools.is_empty() {
                "-".to_owned()
            } else {
                tools.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn config_check(names: &[String]) -> CommandResult {
    let settings = load_settings()?;
    let entries: Vec<&Entry> = if names.is_empty() {
        BRIDGES.iter().collect()
    } else {
        resolve(names)?
    };
    let mut incomplete = false;
    out!("bridge-kit:");
    for var in bridge_kit::vars::KIT_VARS {
        print_var(&settings, var);
    }
    if let Err(error) = ServerOptions::from_settings(&settings) {
        incomplete = true;
        out!("  ! {error}");
    }
    for entry in entries {
        out!("{} (port {}):", entry.name, entry.port);
        for var in entry.vars {
            print_var(&settings, var);
        }
        match (entry.build)(&settings) {
            Err(error) => {
                incomplete = true;
                out!("  ! {error}");
            }
            Ok(bridge) => {
                for check in readiness_checks(&bridge).await {
                    if check.status == "failing" {
                        incomplete = true;
                    }
                    out!("  = {}: {} ({})", check.name, check.status, check.reason);
                }
            }
        }
    }
    Ok(if incomplete {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_var(settings: &Settings, var: &bridge_kit::ConfigVar) {
    let state = if settings.is_set(var) {
        format!(
            "set: {}",
            display_value(var, settings.get(var).unwrap_or_default())
        )
    } else if let Some(default) = var.default {
        format!("default: {default}")
    } else {
        "unset".to_owned()
    };
    out!("  {:<30} {}", var.name, state);
}

/// The `.env.example` text: every variable the fleet reads, grouped, one comment each.
pub fn env_example_text() -> String {
    let mut text = String::from(
        "# Every variable the Ordinaut bridges read, generated by `bridge config env-example`.\n\
         # Copy to .env and fill in what you use; unset variables fall back to the defaults shown.\n",
    );
    let mut group = "";
    for (owner, var) in registry::all_vars() {
        if owner != group {
            if let Some(previous) = registry::find(group) {
                push_rate_limit_vars(&mut text, previous.name);
            }
            text.push_str(&format!("\n# --- {owner} ---\n"));
            group = owner;
        }
        text.push_str(&format!(
            "# {}{}\n",
            var.description,
            if var.secret { " (secret)" } else { "" }
        ));
        text.push_str(&format!("{}={}\n", var.name, var.default.unwrap_or("")));
    }
    if let Some(last) = registry::find(group) {
        push_rate_limit_vars(&mut text, last.name);
    }
    text
}

fn push_rate_limit_vars(text: &mut String, bridge: &str) {
    let [requests, period] = bridge_kit::vars::rate_limit_var_names(bridge);
    text.push_str(&format!(
        "# Vendor calls allowed per {period} for this bridge, per credential (overrides RATE_LIMIT_REQUESTS and the vendor default)\n{requests}=\n"
    ));
    text.push_str(&format!(
        "# Window of {requests} in seconds (default 60)\n{period}=\n"
    ));
}

pub fn env_example() -> CommandResult {
    out_raw!("{}", env_example_text());
    Ok(ExitCode::SUCCESS)
}

/// Every catalog entry of the fleet, in port order.
pub fn catalog_entries(template: &EndpointTemplate) -> Result<Vec<Value>, String> {
    // Schemas and metadata do not depend on configuration: build from defaults only, so
    // the catalog is the same on every machine.
    let bridges = build_all(&Settings::default())?;
    Ok(bridges
        .iter()
        .flat_map(|bridge| catalog::entries(bridge, template))
        .collect())
}

/// Writes one `<address>.json` per tool and `index.json`, removing stale entries.
pub fn write_catalog(dir: &Path, template: &EndpointTemplate) -> Result<(), String> {
    let entries = catalog_entries(template)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let stale: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    for path in stale {
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut index = Vec::new();
    for entry in &entries {
        let address = entry["address"].as_str().unwrap_or_default();
        let file = format!("{address}.json");
        write_json(&dir.join(&file), entry)?;
        index.push(serde_json::json!({
            "address": address,
            "file": file,
            "endpoint": entry["endpoint"],
            "mcp_name": entry["mcp"]["name"],
            "description": entry["description"],
        }));
    }
    write_json(&dir.join("index.json"), &Value::Array(index))
}

fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn catalog(write: Option<&Path>, endpoint_template: &str) -> CommandResult {
    let template = EndpointTemplate(endpoint_template.to_owned());
    match write {
        Some(dir) => write_catalog(dir, &template)?,
        None => {
            let entries = catalog_entries(&template)?;
            let text = serde_json::to_string_pretty(&entries).map_err(|e| e.to_string())?;
            out!("{text}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn call(address: &str, arguments: &str) -> CommandResult {
    let settings = load_settings()?;
    let _guard = telemetry::init(&settings, LogTarget::Stderr).map_err(|e| e.to_string())?;
    let arguments: Value = serde_json::from_str(arguments)
        .map_err(|e| format!("arguments are not valid JSON: {e}"))?;
    let (prefix, tool_name) = address
        .split_once('.')
        .ok_or_else(|| format!("{address:?} is not an address like maib.get_exchange_rates"))?;
    let bridges = build_all(&settings)?;
    let bridge = bridges
        .iter()
        .find(|bridge| bridge.address_prefix == prefix)
        .ok_or_else(|| format!("no bridge serves addresses starting {prefix:?}"))?;
    let tool = bridge.tool(tool_name).ok_or_else(|| {
        format!(
            "{} has no tool {tool_name:?}; it has: {}",
            bridge.name,
            bridge.tool_names().join(", ")
        )
    })?;
    let request_id = uuid_like();
    match dispatch(bridge, tool, &Caller::Anonymous, arguments, &request_id).await {
        Ok(output) => {
            out!(
                "{}",
                serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            let body = serde_json::json!({ "error": error.to_json(Some(&request_id)) });
            out!(
                "{}",
                serde_json::to_string_pretty(&body).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn uuid_like() -> String {
    bridge_kit::server::request_id::RequestId::generate().0
}

pub async fn healthcheck(url: Option<String>) -> CommandResult {
    let url = match url {
        Some(url) => url,
        None => {
            let settings = load_settings()?;
            let port = match settings
                .parse::<u16>(&vars::BRIDGE_PORT)
                .map_err(|e| e.to_string())?
            {
                Some(port) => port,
                None => settings
                    .get(&vars::BRIDGE_TYPE)
                    .and_then(registry::find)
                    .map(|entry| entry.port)
                    .ok_or("set BRIDGE_PORT or BRIDGE_TYPE, or pass the URL")?,
            };
            format!("http://127.0.0.1:{port}/health")
        }
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .map_err(|e| e.to_string())?;
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => Ok(ExitCode::SUCCESS),
        Ok(response) => {
            eprintln!("{url}: {}", response.status());
            Ok(ExitCode::FAILURE)
        }
        Err(error) => {
            eprintln!("{url}: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The README's bridge table: name, port, catalog addresses and variables, from the code.
pub fn readme_table() -> Result<String, String> {
    let bridges = build_all(&Settings::default())?;
    let mut text = String::from(
        "| bridge | port | tools (catalog address) | variables (secrets marked *) |\n|---|---|---|---|\n",
    );
    for bridge in &bridges {
        let tools: Vec<String> = bridge
            .tools
            .iter()
            .map(|tool| format!("`{}`", bridge.address(tool)))
            .collect();
        let vars: Vec<String> = bridge
            .vars
            .iter()
            .map(|var| format!("`{}`{}", var.name, if var.secret { "*" } else { "" }))
            .collect();
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            bridge.name,
            bridge.port,
            if tools.is_empty() {
                "not built yet".to_owned()
            } else {
                tools.join(", ")
            },
            vars.join(", ")
        ));
    }
    Ok(text)
}

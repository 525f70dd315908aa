//! `bridge`: serve, list, check, catalog and call the Ordinaut integration bridges.

use std::path::PathBuf;
use std::process::ExitCode;

use bridge_fleet::commands;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bridge", version, about = "Ordinaut integration bridges")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve bridges, each on its own port (`serve maib slack`, `serve --all`).
    Serve {
        /// Bridges to serve; default: the one named by BRIDGE_TYPE.
        names: Vec<String>,
        /// Serve every bridge in this process.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Port for a single bridge (default: BRIDGE_PORT, else the bridge's own port).
        #[arg(long)]
        port: Option<u16>,
    },
    /// List bridges, ports, tools and whether each is configured.
    List,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the tool catalog (JSON array), or write one file per tool plus index.json.
    Catalog {
        #[arg(long)]
        write: Option<PathBuf>,
        /// Base URL of each bridge; `{bridge}` and `{port}` are substituted.
        #[arg(long, default_value = "http://{bridge}-bridge:{port}")]
        endpoint_template: String,
    },
    /// Run one tool in-process and print its JSON result (exit 1 on error).
    Call {
        /// Catalog address, e.g. maib.get_exchange_rates
        address: String,
        /// Arguments as a JSON object (default {}).
        #[arg(default_value = "{}")]
        arguments: String,
    },
    /// Print the README's bridge table (Markdown), generated from the code.
    Docs,
    /// Exit 0 when the bridge's /health answers 2xx, 1 otherwise (for container checks).
    Healthcheck {
        /// Default: http://127.0.0.1:<BRIDGE_PORT or BRIDGE_TYPE's port>/health
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Show what each bridge has and misses (secrets masked); exit 1 if one misses something.
    Check { names: Vec<String> },
    /// Print an .env file listing every variable the fleet reads.
    EnvExample,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { names, all, port } => commands::serve(names, all, port).await,
            Command::List => commands::list(),
            Command::Config {
                command: ConfigCommand::Check { names },
            } => commands::config_check(&names).await,
            Command::Config {
                command: ConfigCommand::EnvExample,
            } => commands::env_example(),
            Command::Catalog {
                write,
                endpoint_template,
            } => commands::catalog(write.as_deref(), &endpoint_template),
            Command::Call { address, arguments } => commands::call(&address, &arguments).await,
            Command::Healthcheck { url } => commands::healthcheck(url).await,
            Command::Docs => commands::readme_table().map(|table| {
                use std::io::Write as _;
                let _ = write!(std::io::stdout().lock(), "{table}");
                std::process::ExitCode::SUCCESS
            }),
        }
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

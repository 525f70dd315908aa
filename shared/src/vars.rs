//! The variables bridge-kit itself reads, shared by every bridge.

use crate::config::ConfigVar;

pub const BRIDGES_CONFIG: ConfigVar = ConfigVar::new(
    "BRIDGES_CONFIG",
    "Path of an optional TOML file with the same variable names (default: ./bridges.toml; a path given here must exist)",
);
pub const BRIDGE_TYPE: ConfigVar = ConfigVar::new(
    "BRIDGE_TYPE",
    "Bridge to serve when `bridge serve` is given no name (as the seed's image does)",
);
pub const BRIDGE_PORT: ConfigVar = ConfigVar::new(
    "BRIDGE_PORT",
    "Port override when a single bridge is served",
);
pub const BRIDGE_BIND_ADDRESS: ConfigVar =
    ConfigVar::new("BRIDGE_BIND_ADDRESS", "Address to listen on").with_default("0.0.0.0");
pub const BRIDGE_MAX_BODY_BYTES: ConfigVar = ConfigVar::new(
    "BRIDGE_MAX_BODY_BYTES",
    "Largest accepted request body in bytes; larger bodies get 413",
)
.with_default("1048576");
pub const BRIDGE_DRAIN_TIMEOUT_SECONDS: ConfigVar = ConfigVar::new(
    "BRIDGE_DRAIN_TIMEOUT_SECONDS",
    "On SIGTERM/SIGINT, how long in-flight calls may finish before the process exits",
)
.with_default("25");
pub const BRIDGE_API_KEYS: ConfigVar = ConfigVar::secret(
    "BRIDGE_API_KEYS",
    "Comma-separated API keys accepted as `Authorization: Bearer <key>` or `X-API-Key`; inbound auth is off when neither this nor a JWT key is set",
);
pub const JWT_SECRET_KEY: ConfigVar = ConfigVar::secret(
    "JWT_SECRET_KEY",
    "HS256 secret for caller JWTs; the `scope` claim must cover each tool's scopes",
);
pub const JWT_PUBLIC_KEY_PATH: ConfigVar = ConfigVar::new(
    "JWT_PUBLIC_KEY_PATH",
    "PEM RSA public key file for RS256 caller JWTs",
);
pub const JWT_ISSUER: ConfigVar = ConfigVar::new(
    "JWT_ISSUER",
    "Required `iss` of caller JWTs (unchecked when unset)",
);
pub const JWT_AUDIENCE: ConfigVar = ConfigVar::new(
    "JWT_AUDIENCE",
    "Required `aud` of caller JWTs (unchecked when unset)",
);
pub const MCP_ALLOWED_HOSTS: ConfigVar = ConfigVar::new(
    "MCP_ALLOWED_HOSTS",
    "Comma-separated Host names accepted on /mcp (DNS-rebinding protection), added to loopback and the bridge's service names (`<name>-bridge`, `bridge-<name>`, `<name>`); `*` accepts any host (behind an ingress)",
);
pub const MCP_ALLOWED_ORIGINS: ConfigVar = ConfigVar::new(
    "MCP_ALLOWED_ORIGINS",
    "Comma-separated browser origins accepted on /mcp (e.g. `http://localhost:6274` for the MCP Inspector UI); any other Origin gets 403",
);
pub const LOG_LEVEL: ConfigVar = ConfigVar::new(
    "LOG_LEVEL",
    "trace, debug, info, warn or error (any case), or a tracing filter directive",
)
.with_default("info");
pub const LOG_FORMAT: ConfigVar = ConfigVar::new("LOG_FORMAT", "json or text").with_default("text");
pub const OTEL_EXPORTER_OTLP_ENDPOINT: ConfigVar = ConfigVar::new(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTLP/gRPC collector endpoint (e.g. http://otel-collector:4317); traces are exported when set",
);
pub const OTEL_SERVICE_NAME: ConfigVar = ConfigVar::new(
    "OTEL_SERVICE_NAME",
    "service.name of exported traces (default: ordinaut-bridges)",
);

pub const REDIS_URL: ConfigVar = ConfigVar::secret(
    "REDIS_URL",
    "Redis for the shared cache tier, distributed rate limits and OAuth tokens (e.g. redis://redis:6379/0); everything is in-process when unset or unreachable",
);
pub const RATE_LIMIT_REQUESTS: ConfigVar = ConfigVar::new(
    "RATE_LIMIT_REQUESTS",
    "Global cap on vendor calls per RATE_LIMIT_PERIOD, per upstream and credential (the stricter of this and a vendor's published limit applies; <BRIDGE>_RATE_LIMIT_REQUESTS overrides both)",
);
pub const RATE_LIMIT_PERIOD: ConfigVar = ConfigVar::new(
    "RATE_LIMIT_PERIOD",
    "Window of RATE_LIMIT_REQUESTS in seconds (default 60)",
);

pub const ORDINAUT_EVENTS_URL: ConfigVar = ConfigVar::new(
    "ORDINAUT_EVENTS_URL",
    "Where verified webhook events are delivered (POST, JSON); webhooks answer 503 until it is set",
);
pub const ORDINAUT_EVENTS_SECRET: ConfigVar = ConfigVar::secret(
    "ORDINAUT_EVENTS_SECRET",
    "Signs delivered events: X-Ordinaut-Signature = sha256=HMAC(secret, \"{X-Ordinaut-Timestamp}.{body}\")",
);
pub const WEBHOOK_QUEUE_CAPACITY: ConfigVar = ConfigVar::new(
    "WEBHOOK_QUEUE_CAPACITY",
    "Events held in memory awaiting delivery when Redis is not in use; beyond it webhooks answer 503",
)
.with_default("10000");

/// The per-bridge override names: `GITHUB_RATE_LIMIT_REQUESTS`, `GITHUB_RATE_LIMIT_PERIOD`.
pub fn rate_limit_var_names(bridge: &str) -> [String; 2] {
    let prefix = bridge.to_ascii_uppercase();
    [
        format!("{prefix}_RATE_LIMIT_REQUESTS"),
        format!("{prefix}_RATE_LIMIT_PERIOD"),
    ]
}

/// A `'static` copy of a variable name computed at start-up, for error values.
pub(crate) fn leak_name(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}

/// Every variable bridge-kit reads.
pub const KIT_VARS: &[ConfigVar] = &[
    BRIDGES_CONFIG,
    BRIDGE_TYPE,
    BRIDGE_PORT,
    BRIDGE_BIND_ADDRESS,
    BRIDGE_MAX_BODY_BYTES,
    BRIDGE_DRAIN_TIMEOUT_SECONDS,
    BRIDGE_API_KEYS,
    JWT_SECRET_KEY,
    JWT_PUBLIC_KEY_PATH,
    JWT_ISSUER,
    JWT_AUDIENCE,
    MCP_ALLOWED_HOSTS,
    MCP_ALLOWED_ORIGINS,
    LOG_LEVEL,
    LOG_FORMAT,
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_SERVICE_NAME,
    REDIS_URL,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_PERIOD,
    ORDINAUT_EVENTS_URL,
    ORDINAUT_EVENTS_SECRET,
    WEBHOOK_QUEUE_CAPACITY,
];

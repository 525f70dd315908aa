//! The grafana bridge: Grafana: dashboards, annotations, alerts.
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "grafana";
pub const PORT: u16 = 8098;

pub const GRAFANA_URL: ConfigVar =
    ConfigVar::new("GRAFANA_URL", "Grafana base URL, e.g. http://grafana:3000");
pub const GRAFANA_API_KEY: ConfigVar =
    ConfigVar::secret("GRAFANA_API_KEY", "Service account token");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[GRAFANA_URL, GRAFANA_API_KEY];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[&GRAFANA_URL, &GRAFANA_API_KEY]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "grafana", PORT, settings)
        .description("Grafana: dashboards, annotations, alerts")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "GRAFANA_API_KEY"}))
        .build()
}

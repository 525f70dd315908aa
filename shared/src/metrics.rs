//! Prometheus metrics: one registry per bridge, so `--all` mode never serves one bridge's
//! series from another bridge's `/metrics`.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Tool-duration buckets in seconds: fast reads to the slowest (120 s) banking calls.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolCallLabels {
    bridge: &'static str,
    tool: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    bridge: &'static str,
    tool: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    bridge: &'static str,
    method: String,
    route: String,
    status: u16,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// A bridge's metrics and the registry they render from.
#[derive(Debug)]
pub struct Metrics {
    bridge: &'static str,
    // Registration needs `&mut`; it happens while bridges are built, rendering later.
    registry: Mutex<Registry>,
    tool_calls: Family<ToolCallLabels, Counter>,
    tool_duration: Family<ToolLabels, Histogram, fn() -> Histogram>,
    http_requests: Family<HttpLabels, Counter>,
}

impl Metrics {
    pub fn new(bridge: &'static str) -> Self {
        let mut registry = Registry::default();
        let tool_calls = Family::<ToolCallLabels, Counter>::default();
        registry.register(
            "bridge_tool_calls",
            "Tool calls by bridge, tool and outcome (ok or an error code)",
            tool_calls.clone(),
        );
        let tool_duration =
            Family::<ToolLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        registry.register(
            "bridge_tool_duration_seconds",
            "Tool call duration in seconds, validation to result",
            tool_duration.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "bridge_http_requests",
            "Inbound HTTP requests by method, route and status",
            http_requests.clone(),
        );
        Self {
            bridge,
            registry: Mutex::new(registry),
            tool_calls,
            tool_duration,
            http_requests,
        }
    }

    /// Registers more metrics (the upstream client's, a bridge's own).
    pub fn with_registry<R>(&self, f: impl FnOnce(&mut Registry) -> R) -> R {
        let mut registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut registry)
    }

    pub fn record_tool_call(&self, tool: &'static str, outcome: &'static str, elapsed: Duration) {
        self.tool_calls
            .get_or_create(&ToolCallLabels {
                bridge: self.bridge,
                tool,
                outcome,
            })
            .inc();
        self.tool_duration
            .get_or_create(&ToolLabels {
                bridge: self.bridge,
                tool,
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn record_http_request(&self, method: &str, route: &str, status: u16) {
        self.http_requests
            .get_or_create(&HttpLabels {
                bridge: self.bridge,
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
    }

    /// The Prometheus text exposition of every registered metric.
    pub fn render(&self) -> String {
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &registry).is_err() {
            // Encoding into a String only fails on a formatter bug; serve what we have.
            tracing::error!("metrics encoding failed");
        }
        text
    }
}

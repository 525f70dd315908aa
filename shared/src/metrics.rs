//! Prometheus metrics: one registry per bridge, so `--all` mode never serves one bridge's
//! series from another bridge's `/metrics`.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
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

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    bridge: &'static str,
    service: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceResultLabels {
    bridge: &'static str,
    service: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    bridge: &'static str,
    service: &'static str,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BridgeLabels {
    bridge: &'static str,
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
    rate_limit_remaining: Family<ServiceLabels, Gauge>,
    rate_limit_total: Family<ServiceLabels, Gauge>,
    upstream_requests: Family<UpstreamLabels, Counter>,
    upstream_retries: Family<ServiceLabels, Counter>,
    cache_requests: Family<ServiceResultLabels, Counter>,
    circuit_state: Family<ServiceLabels, Gauge>,
    token_refreshes: Family<ServiceResultLabels, Counter>,
    redis_degraded: Family<BridgeLabels, Gauge>,
    webhooks: Family<WebhookLabels, Counter>,
    event_deliveries: Family<DeliveryLabels, Counter>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    bridge: &'static str,
    source: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    bridge: &'static str,
    result: &'static str,
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
        let rate_limit_remaining = Family::<ServiceLabels, Gauge>::default();
        registry.register(
            "integration_rate_limit_remaining",
            "Calls left in the current rate-limit window (the vendor's count when it reports one)",
            rate_limit_remaining.clone(),
        );
        let rate_limit_total = Family::<ServiceLabels, Gauge>::default();
        registry.register(
            "integration_rate_limit_total",
            "Size of the rate-limit window in calls",
            rate_limit_total.clone(),
        );
        let upstream_requests = Family::<UpstreamLabels, Counter>::default();
        registry.register(
            "bridge_upstream_requests",
            "Requests to vendors by service and HTTP status (error: no answer)",
            upstream_requests.clone(),
        );
        let upstream_retries = Family::<ServiceLabels, Counter>::default();
        registry.register(
            "bridge_upstream_retries",
            "Retried vendor requests",
            upstream_retries.clone(),
        );
        let cache_requests = Family::<ServiceResultLabels, Counter>::default();
        registry.register(
            "bridge_cache_requests",
            "Cached calls by result: hit_l1, hit_l2 (Redis) or miss",
            cache_requests.clone(),
        );
        let circuit_state = Family::<ServiceLabels, Gauge>::default();
        registry.register(
            "bridge_circuit_state",
            "Circuit breaker per vendor: 0 closed, 1 half-open, 2 open",
            circuit_state.clone(),
        );
        let token_refreshes = Family::<ServiceResultLabels, Counter>::default();
        registry.register(
            "bridge_token_refreshes",
            "OAuth token endpoint requests by result",
            token_refreshes.clone(),
        );
        let redis_degraded = Family::<BridgeLabels, Gauge>::default();
        registry.register(
            "bridge_redis_degraded",
            "1 while REDIS_URL is set but Redis is unreachable (in-process fallback in use)",
            redis_degraded.clone(),
        );
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "bridge_webhooks",
            "Inbound webhooks by source and result (accepted, duplicate, rejected, queue_full)",
            webhooks.clone(),
        );
        let event_deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "bridge_event_deliveries",
            "Deliveries of events to the orchestrator by result (ok, retry)",
            event_deliveries.clone(),
        );
        Self {
            bridge,
            registry: Mutex::new(registry),
            webhooks,
            event_deliveries,
            tool_calls,
            tool_duration,
            http_requests,
            rate_limit_remaining,
            rate_limit_total,
            upstream_requests,
            upstream_retries,
            cache_requests,
            circuit_state,
            token_refreshes,
            redis_degraded,
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

    fn service(&self, service: &'static str) -> ServiceLabels {
        ServiceLabels {
            bridge: self.bridge,
            service,
        }
    }

    pub fn set_rate_limit(&self, service: &'static str, remaining: i64, total: i64) {
        self.rate_limit_remaining
            .get_or_create(&self.service(service))
            .set(remaining);
        self.rate_limit_total
            .get_or_create(&self.service(service))
            .set(total);
    }

    pub fn record_upstream(&self, service: &'static str, status: &str) {
        self.upstream_requests
            .get_or_create(&UpstreamLabels {
                bridge: self.bridge,
                service,
                status: status.to_owned(),
            })
            .inc();
    }

    pub fn record_retry(&self, service: &'static str) {
        self.upstream_retries
            .get_or_create(&self.service(service))
            .inc();
    }

    pub fn record_cache(&self, service: &'static str, result: &'static str) {
        self.cache_requests
            .get_or_create(&ServiceResultLabels {
                bridge: self.bridge,
                service,
                result,
            })
            .inc();
    }

    pub fn set_circuit_state(&self, service: &'static str, state: i64) {
        self.circuit_state
            .get_or_create(&self.service(service))
            .set(state);
    }

    pub fn record_token_refresh(&self, service: &'static str, result: &'static str) {
        self.token_refreshes
            .get_or_create(&ServiceResultLabels {
                bridge: self.bridge,
                service,
                result,
            })
            .inc();
    }

    pub fn set_redis_degraded(&self, degraded: bool) {
        self.redis_degraded
            .get_or_create(&BridgeLabels {
                bridge: self.bridge,
            })
            .set(i64::from(degraded));
    }

    pub fn record_webhook(&self, source: &'static str, result: &'static str) {
        self.webhooks
            .get_or_create(&WebhookLabels {
                bridge: self.bridge,
                source,
                result,
            })
            .inc();
    }

    pub fn record_event_delivery(&self, result: &'static str) {
        self.event_deliveries
            .get_or_create(&DeliveryLabels {
                bridge: self.bridge,
                result,
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

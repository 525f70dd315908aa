//! Logging and tracing: `LOG_LEVEL`, `LOG_FORMAT=json|text`, and OTLP trace export when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Every line logged inside a request carries its
//! `request_id` through the request span.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{ConfigError, Settings};
use crate::vars;

/// Keeps the trace exporter alive; call [`TelemetryGuard::shutdown`] before exiting so
/// buffered spans are flushed.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            // The SDK's shutdown blocks on its exporter thread.
            let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        }
    }
}

/// The filter for `LOG_LEVEL`: a bare level (`INFO`, as the seed writes it) or a directive.
fn filter(settings: &Settings) -> Result<EnvFilter, ConfigError> {
    let level = settings.get(&vars::LOG_LEVEL).unwrap_or("info");
    let directive = match level.to_ascii_lowercase().as_str() {
        bare @ ("error" | "off") => bare.to_owned(),
        bare @ ("trace" | "debug" | "info" | "warn") => {
            // Chatty transport crates no louder than warn, whatever the level.
            format!(
                "{bare},h2=warn,hyper=warn,hyper_util=warn,rustls=warn,rmcp=warn,tower_http=warn"
            )
        }
        "warning" => "warn".to_owned(),
        _ => level.to_owned(),
    };
    EnvFilter::try_new(&directive)
        .map_err(|error| ConfigError::new(&vars::LOG_LEVEL, format!("invalid filter: {error}")))
}

/// Where log lines go: stdout for servers (container logs), stderr for commands whose
/// stdout is their result (`bridge call`, `bridge catalog`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    Stdout,
    Stderr,
}

/// Installs the global subscriber. Must run inside a Tokio runtime (the OTLP exporter
/// needs one). Calling it twice is harmless (the second call keeps the first subscriber).
pub fn init(settings: &Settings, target: LogTarget) -> Result<TelemetryGuard, ConfigError> {
    let json = match settings.get(&vars::LOG_FORMAT).unwrap_or("text") {
        f if f.eq_ignore_ascii_case("json") => true,
        f if f.eq_ignore_ascii_case("text") => false,
        _ => return Err(ConfigError::new(&vars::LOG_FORMAT, "must be json or text")),
    };
    let filter = filter(settings)?;
    let (otel_layer, provider) = match settings.get(&vars::OTEL_EXPORTER_OTLP_ENDPOINT) {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()
                .map_err(|error| {
                    ConfigError::new(&vars::OTEL_EXPORTER_OTLP_ENDPOINT, error.to_string())
                })?;
            let service = settings
                .get(&vars::OTEL_SERVICE_NAME)
                .unwrap_or("ordinaut-bridges")
                .to_owned();
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    opentelemetry_sdk::Resource::builder_empty()
                        .with_service_name(service)
                        .build(),
                )
                .build();
            let tracer = provider.tracer("ordinaut-bridges");
            // Exporting must not trace itself (h2/tonic spans feeding back into the exporter).
            let otel_filter = EnvFilter::new(
                "info,h2=off,hyper=off,tonic=off,tower=off,reqwest=off,opentelemetry=off",
            );
            let layer = tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(otel_filter);
            (Some(layer), Some(provider))
        }
        None => (None, None),
    };
    use tracing_subscriber::Layer as _;
    let writer = move || -> Box<dyn std::io::Write> {
        match target {
            LogTarget::Stdout => Box::new(std::io::stdout()),
            LogTarget::Stderr => Box::new(std::io::stderr()),
        }
    };
    let fmt_layer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed()
    } else {
        let ansi = match target {
            LogTarget::Stdout => std::io::IsTerminal::is_terminal(&std::io::stdout()),
            LogTarget::Stderr => std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(ansi)
            .boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(fmt_layer.with_filter(filter))
        .with(otel_layer)
        .try_init();
    Ok(TelemetryGuard { provider })
}

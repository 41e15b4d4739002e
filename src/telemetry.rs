//! Logs, traces and metrics. Logs go to stderr (text or JSON, filtered by `RUST_LOG`),
//! written by a dedicated thread so a slow log consumer never stalls a call;
//! with an OTLP endpoint, spans, metrics (and, when asked, decision records) are exported
//! over OTLP/gRPC too; with a metrics address, Prometheus scrapes the same metrics from
//! `GET /metrics`. Nothing recorded here carries request text or entity values: spans
//! and metrics hold tenants, method names, rule ids, verdicts, counts and timings only.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::decision_log::Decision;

/// How logs are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// What to set up.
#[derive(Debug, Clone)]
pub struct TelemetryOptions {
    pub log_format: LogFormat,
    /// OTLP/gRPC collector, e.g. `http://otel-collector:4317`. None: no export.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of exported telemetry.
    pub service_name: String,
    /// How often metrics are exported.
    pub metrics_interval: Duration,
    /// Also build a logger provider so the decision log can export its records.
    pub export_decisions: bool,
    /// Serve the metrics for Prometheus on this address (`GET /metrics`).
    pub prometheus_listen: Option<std::net::SocketAddr>,
}

/// The installed providers; [`Telemetry::shutdown`] flushes them.
#[derive(Default)]
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
    logs: Option<SdkLoggerProvider>,
    /// Flushes the buffered log lines when dropped (at the end of [`Telemetry::shutdown`]).
    log_writer: Option<tracing_appender::non_blocking::WorkerGuard>,
    prometheus: Option<prometheus::Registry>,
}

/// Telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("telemetry: {0}")]
pub struct TelemetryError(String);

impl Telemetry {
    /// Installs the global tracing subscriber and, with an endpoint, the OTLP exporters and
    /// the W3C trace-context propagator. Must run inside a tokio runtime (the OTLP exporters'
    /// gRPC channels live on it); that runtime must outlive [`Telemetry::shutdown`].
    pub fn init(options: &TelemetryOptions) -> Result<Self, TelemetryError> {
        use tracing_subscriber::EnvFilter;
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let mut telemetry = Telemetry::default();
        let resource = Resource::builder().with_service_name(options.service_name.clone()).build();
        let mut meter = SdkMeterProvider::builder().with_resource(resource.clone());
        let metered = options.otlp_endpoint.is_some() || options.prometheus_listen.is_some();
        if options.prometheus_listen.is_some() {
            let registry = prometheus::Registry::new();
            let exporter = opentelemetry_prometheus::exporter()
                .with_registry(registry.clone())
                .build()
                .map_err(|e| TelemetryError(format!("prometheus exporter: {e}")))?;
            meter = meter.with_reader(exporter);
            telemetry.prometheus = Some(registry);
        }
        let otel_layer = match &options.otlp_endpoint {
            Some(endpoint) => {
                let spans = opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .with_endpoint(endpoint.clone())
                    .build()
                    .map_err(|e| TelemetryError(format!("span exporter: {e}")))?;
                let tracer =
                    SdkTracerProvider::builder().with_batch_exporter(spans).with_resource(resource.clone()).build();
                let metrics = opentelemetry_otlp::MetricExporter::builder()
                    .with_tonic()
                    .with_endpoint(endpoint.clone())
                    .build()
                    .map_err(|e| TelemetryError(format!("metric exporter: {e}")))?;
                meter =
                    meter.with_reader(PeriodicReader::builder(metrics).with_interval(options.metrics_interval).build());
                opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
                if options.export_decisions {
                    let logs = opentelemetry_otlp::LogExporter::builder()
                        .with_tonic()
                        .with_endpoint(endpoint.clone())
                        .build()
                        .map_err(|e| TelemetryError(format!("log exporter: {e}")))?;
                    telemetry.logs =
                        Some(SdkLoggerProvider::builder().with_batch_exporter(logs).with_resource(resource).build());
                }
                let layer = tracing_opentelemetry::layer().with_tracer(tracer.tracer("riserbo"));
                telemetry.tracer = Some(tracer);
                Some(layer)
            }
            None => None,
        };
        if metered {
            let meter = meter.build();
            opentelemetry::global::set_meter_provider(meter.clone());
            telemetry.meter = Some(meter);
        }
        // Lines go through a queue to a writer thread: the async workers never block on
        // stderr. When the consumer stalls and 128k lines are queued, further lines are
        // dropped rather than calls delayed (the decision log, not stderr, is the audit record).
        let (stderr, guard) = tracing_appender::non_blocking(std::io::stderr());
        telemetry.log_writer = Some(guard);
        let (text, json) = match options.log_format {
            LogFormat::Text => (Some(tracing_subscriber::fmt::layer().with_writer(stderr.clone())), None),
            LogFormat::Json => (
                None,
                Some(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .flatten_event(true)
                        .with_current_span(true)
                        .with_span_list(false)
                        .with_writer(stderr),
                ),
            ),
        };
        tracing_subscriber::registry()
            .with(filter)
            .with(text)
            .with(json)
            .with(otel_layer)
            .try_init()
            .map_err(|e| TelemetryError(e.to_string()))?;
        if let Some(endpoint) = &options.otlp_endpoint {
            tracing::info!(endpoint = %endpoint, "exporting traces and metrics over OTLP");
        }
        Ok(telemetry)
    }

    /// Serves `GET /metrics` in the Prometheus text format on `listener` until `shutdown`
    /// completes. Without a Prometheus registry (no metrics address) it returns at once.
    pub async fn serve_prometheus(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Some(registry) = self.prometheus.clone() else {
            return Ok(());
        };
        let scrape = move || {
            let registry = registry.clone();
            async move {
                use prometheus::Encoder;
                let encoder = prometheus::TextEncoder::new();
                let mut body = Vec::new();
                match encoder.encode(&registry.gather(), &mut body) {
                    Ok(()) => ([(http::header::CONTENT_TYPE, encoder.format_type().to_owned())], body).into_response(),
                    Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                }
            }
        };
        use axum::response::IntoResponse;
        let router = axum::Router::new().route("/metrics", axum::routing::get(scrape));
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await
    }

    /// The provider decision records are exported through, when enabled.
    pub fn decision_logs(&self) -> Option<SdkLoggerProvider> {
        self.logs.clone()
    }

    /// Exports what is buffered and stops the exporters. Blocks: call it off the runtime's
    /// worker threads while the runtime is still alive.
    pub fn shutdown(self) {
        if let Some(logs) = self.logs
            && let Err(e) = logs.shutdown()
        {
            eprintln!("riserbo: flushing decision log export: {e}");
        }
        if let Some(tracer) = self.tracer
            && let Err(e) = tracer.shutdown()
        {
            eprintln!("riserbo: flushing traces: {e}");
        }
        if let Some(meter) = self.meter
            && let Err(e) = meter.shutdown()
        {
            eprintln!("riserbo: flushing metrics: {e}");
        }
        drop(self.log_writer);
    }
}

/// The service's metric instruments. Names follow the OpenTelemetry conventions (a
/// Prometheus bridge turns dots into underscores); attributes are bounded sets: method
/// names, status codes, verdicts, rule ids, reasons. Never a tenant-supplied free string.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Instruments>,
}

struct Instruments {
    call_duration: Histogram<f64>,
    calls: Counter<u64>,
    rejected: Counter<u64>,
    decisions: Counter<u64>,
    rule_findings: Counter<u64>,
    policy_reloads: Counter<u64>,
    decision_log_written: Counter<u64>,
    decision_log_failed: Counter<u64>,
    engine_failures: Counter<u64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    /// Instruments of the global meter provider (no-ops until one is installed).
    fn default() -> Self {
        Self::new(&opentelemetry::global::meter("riserbo"))
    }
}

impl Metrics {
    pub fn new(meter: &Meter) -> Self {
        Self {
            inner: Arc::new(Instruments {
                call_duration: meter
                    .f64_histogram("rpc.server.call.duration")
                    .with_unit("s")
                    .with_description("Duration of gRPC calls, by method and status code")
                    .with_boundaries(vec![
                        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                    ])
                    .build(),
                calls: meter
                    .u64_counter("riserbo.rpc.calls")
                    .with_description("gRPC calls answered, by method and status code")
                    .build(),
                rejected: meter
                    .u64_counter("riserbo.rpc.rejected")
                    .with_description("Calls refused before the handler, by reason")
                    .build(),
                decisions: meter
                    .u64_counter("riserbo.decisions")
                    .with_description("Decisions, by kind and verdict")
                    .build(),
                rule_findings: meter
                    .u64_counter("riserbo.rule.findings")
                    .with_description("Findings, by rule and the decision's verdict")
                    .build(),
                policy_reloads: meter
                    .u64_counter("riserbo.policy.reloads")
                    .with_description("Policy reloads, by outcome")
                    .build(),
                decision_log_written: meter
                    .u64_counter("riserbo.decision_log.written")
                    .with_description("Decisions committed to the decision log")
                    .build(),
                decision_log_failed: meter
                    .u64_counter("riserbo.decision_log.failed")
                    .with_description("Decisions that could not be written, by reason")
                    .build(),
                engine_failures: meter
                    .u64_counter("riserbo.engine.failures")
                    .with_description("Engine errors and panics answered fail-safe, by method and kind")
                    .build(),
            }),
        }
    }

    /// One answered call. `method` is a known method's full name.
    pub fn call(&self, method: &'static str, code: tonic::Code, elapsed: Duration) {
        let attributes = [KeyValue::new("rpc.method", method), KeyValue::new("rpc.grpc.status_code", code as i64)];
        self.inner.call_duration.record(elapsed.as_secs_f64(), &attributes);
        self.inner.calls.add(1, &attributes);
    }

    /// A call refused by a layer (`reason` is one of a fixed set).
    pub fn rejected(&self, reason: &'static str) {
        self.inner.rejected.add(1, &[KeyValue::new("reason", reason)]);
    }

    /// A decision: its kind and verdict, and each rule that fired.
    pub fn decision(&self, decision: &Decision) {
        let verdict = decision.verdict.map_or("NONE", |v| v.as_str());
        self.inner
            .decisions
            .add(1, &[KeyValue::new("kind", decision.kind.as_str()), KeyValue::new("verdict", verdict)]);
        for rule in &decision.rules {
            self.inner.rule_findings.add(
                u64::from(rule.count),
                &[KeyValue::new("rule.id", rule.name.clone()), KeyValue::new("verdict", verdict)],
            );
        }
    }

    /// A policy reload attempt (called by the policy reloader).
    pub fn policy_reload(&self, succeeded: bool) {
        let outcome = if succeeded { "success" } else { "failure" };
        self.inner.policy_reloads.add(1, &[KeyValue::new("outcome", outcome)]);
    }

    pub fn decision_log_written(&self, n: u64) {
        self.inner.decision_log_written.add(n, &[]);
    }

    /// An engine error or panic (`kind`: `error` or `panic`) that the service answered
    /// fail-safe (CheckPost: REVIEW) or refused (Anonymise: INTERNAL).
    pub fn engine_failure(&self, method: &'static str, kind: &'static str) {
        self.inner.engine_failures.add(1, &[KeyValue::new("rpc.method", method), KeyValue::new("kind", kind)]);
    }

    pub fn decision_log_failed(&self, reason: &'static str, n: u64) {
        self.inner.decision_log_failed.add(n, &[KeyValue::new("reason", reason)]);
    }
}

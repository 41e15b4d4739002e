//! The outermost layer: one tracing span per call (method, caller, status code; the handler's
//! span with tenant, verdict, rule ids and timings nests inside it), joined to the client's
//! trace when it sent W3C `traceparent` metadata, and the call metrics (duration histogram and
//! count by method and status code). Outermost so calls refused by any later layer are traced
//! and counted too.

use std::time::Instant;

use opentelemetry::propagation::Extractor;
use tower::Layer;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::auth;
use super::{AroundCall, Body, Layered, Reply};
use crate::telemetry::Metrics;

/// Traces and measures each call.
#[derive(Debug, Clone)]
pub struct TelemetryLayer {
    metrics: Metrics,
}

impl TelemetryLayer {
    pub fn new(metrics: Metrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for TelemetryLayer {
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

impl AroundCall for TelemetryLayer {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let started = Instant::now();
        // Only known method names become span names and metric attributes: a client cannot
        // grow the metric cardinality with made-up paths.
        let method = auth::method(request.uri().path()).map_or("unknown", |(path, _)| path.trim_start_matches('/'));
        let span = tracing::info_span!(
            "grpc",
            otel.name = method,
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = method,
            caller = tracing::field::Empty,
            rpc.grpc.status_code = tracing::field::Empty,
            elapsed_us = tracing::field::Empty,
        );
        let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(request.headers())));
        // Fails only when no OpenTelemetry layer is installed: then there is nothing to join.
        let _ = span.set_parent(parent);
        let call = span.in_scope(|| next(request));
        let metrics = self.metrics.clone();
        Box::pin(
            async move {
                let response = call.await?;
                // Errors are trailers-only responses: the status is in the headers. Success
                // puts it in the trailers, after the body: absent here means OK.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .map_or(tonic::Code::Ok, tonic::Code::from_i32);
                let elapsed = started.elapsed();
                let span = tracing::Span::current();
                span.record("rpc.grpc.status_code", code as i32);
                span.record("elapsed_us", elapsed.as_micros() as u64);
                metrics.call(method, code, elapsed);
                Ok(response)
            }
            .instrument(span),
        )
    }
}

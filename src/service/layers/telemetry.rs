//! The outermost layer: one tracing span per call (method, caller, status code; the handler's
//! span with tenant, verdict, rule ids and timings nests inside it), joined to the client's
//! trace when it sent W3C `traceparent` metadata, and the call metrics (duration histogram and
//! count by method and status code). Outermost so calls refused by any later layer are traced
//! and counted too. A call is measured to its end, when its status goes out (for a stream,
//! after its last answer), not when its response headers do.

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
                let call = CallEnd { method, started, metrics, span: tracing::Span::current() };
                // Errors are trailers-only responses: the status is in the headers, and the
                // call ends here. Otherwise the status comes in the trailers, after the body
                // (after every answer of a stream), so the call is measured when they pass.
                if let Some(code) = grpc_status(response.headers()) {
                    call.record(code);
                    return Ok(response);
                }
                Ok(response.map(|body| Body::new(MeasuredBody { inner: body, end: Some(call) })))
            }
            .instrument(span),
        )
    }
}

fn grpc_status(headers: &http::HeaderMap) -> Option<tonic::Code> {
    let code = headers.get("grpc-status")?.to_str().ok()?.parse::<i32>().ok()?;
    Some(tonic::Code::from_i32(code))
}

/// What is recorded when a call ends.
struct CallEnd {
    method: &'static str,
    started: Instant,
    metrics: Metrics,
    span: tracing::Span,
}

impl CallEnd {
    fn record(self, code: tonic::Code) {
        let elapsed = self.started.elapsed();
        self.span.record("rpc.grpc.status_code", code as i32);
        self.span.record("elapsed_us", elapsed.as_micros() as u64);
        self.metrics.call(self.method, code, elapsed);
    }
}

/// A response body that records the call when its trailers pass (with their status), when
/// it ends without them (an error: UNKNOWN), or when it is dropped unfinished: the client
/// cancelled or went away (CANCELLED). The span stays open until then, so a stream's span
/// covers the whole stream.
struct MeasuredBody {
    inner: Body,
    /// `None` once recorded.
    end: Option<CallEnd>,
}

impl http_body::Body for MeasuredBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, tonic::Status>>> {
        let this = &mut *self;
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        if let std::task::Poll::Ready(frame) = &polled {
            let code = match frame {
                Some(Ok(frame)) => frame.trailers_ref().map(|t| grpc_status(t).unwrap_or(tonic::Code::Ok)),
                Some(Err(status)) => Some(status.code()),
                None => Some(tonic::Code::Unknown),
            };
            if let Some(code) = code
                && let Some(end) = this.end.take()
            {
                end.record(code);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for MeasuredBody {
    fn drop(&mut self) {
        if let Some(end) = self.end.take() {
            end.record(tonic::Code::Cancelled);
        }
    }
}

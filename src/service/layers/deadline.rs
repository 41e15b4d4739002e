//! Per-call deadline: the client's `grpc-timeout` when it sent one, capped by the server's
//! call timeout. A call still running at its deadline is answered DEADLINE_EXCEEDED and its
//! work dropped; nothing answers after the client has given up.

use std::time::Duration;

use tower::Layer;

use super::{AroundCall, Body, Layered, Reply, refuse};
use crate::service::status::Refusal;
use crate::telemetry::Metrics;

/// Bounds each call by its deadline.
#[derive(Debug, Clone)]
pub struct DeadlineLayer {
    server_timeout: Duration,
    metrics: Metrics,
}

impl DeadlineLayer {
    pub fn new(server_timeout: Duration, metrics: Metrics) -> Self {
        Self { server_timeout, metrics }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

impl AroundCall for DeadlineLayer {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let timeout =
            match request.headers().get("grpc-timeout").and_then(|v| v.to_str().ok()).and_then(parse_grpc_timeout) {
                Some(client) => client.min(self.server_timeout),
                None => self.server_timeout,
            };
        let metrics = self.metrics.clone();
        let call = next(request);
        Box::pin(async move {
            match tokio::time::timeout(timeout, call).await {
                Ok(response) => response,
                Err(_) => Ok(refuse(Refusal::DeadlineExceeded { timeout }, &metrics)),
            }
        })
    }
}

/// Parses a `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "m", "123456789m", "12x", "-1S", "1.5S"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad}");
        }
    }
}

//! Concurrency limit with load shedding: at most `limit` calls in flight; a call that finds no
//! free slot is refused at once with UNAVAILABLE and a `RetryInfo` (clients retry UNAVAILABLE
//! with back-off), never queued. Bounded work keeps latency bounded under overload.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::Semaphore;
use tower::{Layer, Service};

use super::{Body, BoxFuture, refuse};
use crate::service::status::Refusal;
use crate::telemetry::Metrics;

/// The retry advice given to shed calls: long enough for in-flight calls (milliseconds each)
/// to finish, short enough not to stall an editor.
const RETRY_AFTER: Duration = Duration::from_millis(50);

/// Applies [`ConcurrencyService`]; every service built from one layer shares its slots.
#[derive(Debug, Clone)]
pub struct ConcurrencyLayer {
    slots: Arc<Semaphore>,
    limit: usize,
    metrics: Metrics,
}

impl ConcurrencyLayer {
    pub fn new(limit: usize, metrics: Metrics) -> Self {
        let limit = limit.max(1);
        Self { slots: Arc::new(Semaphore::new(limit)), limit, metrics }
    }
}

impl<S> Layer<S> for ConcurrencyLayer {
    type Service = ConcurrencyService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ConcurrencyService { inner, slots: Arc::clone(&self.slots), limit: self.limit, metrics: self.metrics.clone() }
    }
}

/// Holds a slot for the duration of each call.
#[derive(Debug, Clone)]
pub struct ConcurrencyService<S> {
    inner: S,
    slots: Arc<Semaphore>,
    limit: usize,
    metrics: Metrics,
}

impl<S> Service<http::Request<Body>> for ConcurrencyService<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            let refusal = Refusal::Overloaded { limit: self.limit, retry_after: RETRY_AFTER };
            return Box::pin(std::future::ready(Ok(refuse(refusal, &self.metrics))));
        };
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = call.await;
            drop(slot);
            response
        })
    }
}

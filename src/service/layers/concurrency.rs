//! Concurrency limit with load shedding: at most `limit` calls in flight; a call that finds no
//! free slot is refused at once with UNAVAILABLE and a `RetryInfo` (clients retry UNAVAILABLE
//! with back-off), never queued. Bounded work keeps latency bounded under overload.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tower::Layer;

use super::{AroundCall, Body, Layered, Reply, refuse};
use crate::service::status::Refusal;
use crate::telemetry::Metrics;

/// The retry advice given to shed calls: long enough for in-flight calls (milliseconds each)
/// to finish, short enough not to stall an editor.
const RETRY_AFTER: Duration = Duration::from_millis(50);

/// Holds a slot for the duration of each call; every service built from one layer shares
/// its slots.
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
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

impl AroundCall for ConcurrencyLayer {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            let refusal = Refusal::Overloaded { limit: self.limit, retry_after: RETRY_AFTER };
            return Box::pin(std::future::ready(Ok(refuse(refusal, &self.metrics))));
        };
        let call = next(request);
        Box::pin(async move {
            let response = call.await;
            drop(slot);
            response
        })
    }
}

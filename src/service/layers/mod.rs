//! The tower layers in front of `PolicyService`, one file per layer. They wrap that service
//! only: health and reflection stay open to probes and tools. gRPC-Web and CORS are not here:
//! they translate the protocol for the whole server, before routing (see `server.rs`).
//!
//! Outermost first:
//!
//! 1. [`telemetry`]: span and metrics per call, so refusals below are traced and counted too.
//! 2. [`deadline`]: the client's `grpc-timeout`, capped by the server's call timeout, bounds
//!    everything after it (reading the body, the check, writing the decision).
//! 3. [`concurrency`]: at most N calls in flight; the rest are shed with UNAVAILABLE and
//!    retry advice, never queued. Before auth, so overload sheds unauthenticated floods too.
//! 4. [`auth`]: who is calling (API key, bearer token or client certificate) and whether
//!    they hold the method's role; the principal goes into the request extensions.
//! 5. [`message_size`]: each request message's declared length against the limit, before
//!    it is buffered.
//!
//! Then the handler calls [`access::Access::admit`]: the tenant named in the decoded message
//! must be one the principal holds, and within its rate ([`rate_limit`]).

pub mod access;
pub mod auth;
pub mod concurrency;
pub mod deadline;
pub mod message_size;
pub mod rate_limit;
pub mod telemetry;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::server::NamedService;
use tower::{Service, ServiceBuilder};

use crate::service::status::{Refusal, refusal_status};
use crate::telemetry::Metrics;

pub(crate) type Body = tonic::body::Body;
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
/// What every layer answers: a complete HTTP response (refusals are gRPC statuses, never
/// transport errors).
pub(crate) type Reply = BoxFuture<Result<http::Response<Body>, Infallible>>;

/// What a layer does with one call; `next` passes the request on to the rest of the stack.
/// The `Service` plumbing (readiness, boxing) is shared in [`Layered`].
pub trait AroundCall {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply;
}

/// A service wrapped by one [`AroundCall`] layer.
#[derive(Debug, Clone)]
pub struct Layered<A, S> {
    around: A,
    inner: S,
}

impl<A, S> Layered<A, S> {
    pub(crate) fn new(around: A, inner: S) -> Self {
        Self { around, inner }
    }
}

impl<A, S> Service<http::Request<Body>> for Layered<A, S>
where
    A: AroundCall,
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Reply;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Reply {
        let inner = &mut self.inner;
        self.around.around(request, &mut |request| Box::pin(inner.call(request)))
    }
}

/// A refusal as a complete (trailers-only) gRPC response, counted by reason.
pub(crate) fn refuse(refusal: Refusal, metrics: &Metrics) -> http::Response<Body> {
    metrics.rejected(refusal.reason());
    refusal_status(refusal).into_http()
}

/// What the layers need.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub authenticator: Arc<auth::Authenticator>,
    pub call_timeout: Duration,
    pub max_concurrent_calls: usize,
    pub max_message_bytes: usize,
    pub metrics: Metrics,
}

/// Wraps `service` in the stack described above.
pub fn stack<S>(service: S, options: &StackOptions) -> Stacked<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + NamedService
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let metrics = options.metrics.clone();
    let inner = ServiceBuilder::new()
        .layer(telemetry::TelemetryLayer::new(metrics.clone()))
        .layer(deadline::DeadlineLayer::new(options.call_timeout, metrics.clone()))
        .layer(concurrency::ConcurrencyLayer::new(options.max_concurrent_calls, metrics.clone()))
        .layer(auth::AuthLayer::new(Arc::clone(&options.authenticator), metrics.clone()))
        .layer(message_size::MessageSizeLayer::new(options.max_message_bytes, metrics))
        .service(service);
    Stacked { inner, name: std::marker::PhantomData }
}

type Layers<S> = Layered<
    telemetry::TelemetryLayer,
    Layered<
        deadline::DeadlineLayer,
        Layered<concurrency::ConcurrencyLayer, Layered<auth::AuthLayer, Layered<message_size::MessageSizeLayer, S>>>,
    >,
>;

/// The layered service, still routed by the wrapped service's name.
pub struct Stacked<S> {
    inner: Layers<S>,
    name: std::marker::PhantomData<fn() -> S>,
}

impl<S: Clone> Clone for Stacked<S> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), name: std::marker::PhantomData }
    }
}

impl<S: NamedService> NamedService for Stacked<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for Stacked<S>
where
    Layers<S>: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = <Layers<S> as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        self.inner.call(request)
    }
}

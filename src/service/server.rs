//! Server wiring: which services are mounted behind which layers, and how the server starts,
//! drains and flushes.
//!
//! - `PolicyService` sits behind the layer stack in `layers/` (telemetry, deadline, load
//!   shedding, auth, message size); health and reflection are mounted bare so probes and
//!   tools never need credentials.
//! - gRPC-Web (HTTP/1.1, tonic-web) and CORS wrap the whole server: they translate the
//!   protocol before routing, so every service answers browsers on the same port.
//! - Shutdown: health goes NOT_SERVING, the listener closes, in-flight calls finish (up to the
//!   drain timeout), then the decision log writer commits everything queued.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tower::util::option_layer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::RiserboService;
use super::layers::{self, access::Access, auth, rate_limit::RateLimitOptions};
use super::proto;
use super::proto::policy_service_server::PolicyServiceServer;
use crate::anonymise::Keyring;
use crate::decision_log::{DecisionLog, DecisionLogError, DecisionLogOptions};
use crate::error::Limits;
use crate::policy::PolicyStore;
use crate::telemetry::Metrics;

/// What the server needs besides the policies. Every field has a local-use default; the
/// configuration loader (`crate::config`) fills them from the file, environment and flags.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub limits: Limits,
    /// After the shutdown signal, how long in-flight calls and idle connections get before
    /// the server stops regardless (a client that never closes its connection must not keep
    /// a pod from terminating).
    pub drain_timeout: Duration,
    /// Tenant keys for hash, pseudonymise, encrypt and Deanonymise (none by default).
    pub keys: Arc<Keyring>,
    /// Whether Deanonymise answers (off by default).
    pub enable_deanonymise: bool,
    /// The longest a call may take; a client's shorter `grpc-timeout` wins.
    pub call_timeout: Duration,
    /// Calls in flight at once; more are shed with UNAVAILABLE.
    pub max_concurrent_calls: usize,
    /// Largest request message, in bytes.
    pub max_message_bytes: usize,
    pub rate_limits: RateLimitOptions,
    pub auth: auth::AuthOptions,
    pub tls: Option<TlsOptions>,
    pub grpc_web: GrpcWebOptions,
    /// None: no decision log (decisions are still counted in the metrics).
    pub decision_log: Option<DecisionLogOptions>,
    pub metrics: Metrics,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            drain_timeout: Duration::from_secs(30),
            keys: Arc::new(Keyring::empty()),
            enable_deanonymise: false,
            call_timeout: Duration::from_secs(10),
            max_concurrent_calls: 256,
            max_message_bytes: 1024 * 1024,
            rate_limits: RateLimitOptions::default(),
            auth: auth::AuthOptions::default(),
            tls: None,
            grpc_web: GrpcWebOptions::default(),
            decision_log: None,
            metrics: Metrics::default(),
        }
    }
}

/// TLS for the listener, PEM-encoded. With `client_ca_pem`, client certificates signed by
/// that CA are verified when presented and identify the caller to the auth layer (which
/// answers UNAUTHENTICATED when a call brings neither a certificate nor a key).
#[derive(Clone)]
pub struct TlsOptions {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub client_ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions").field("client_ca", &self.client_ca_pem.is_some()).finish_non_exhaustive()
    }
}

/// gRPC-Web on the gRPC port.
#[derive(Debug, Clone)]
pub struct GrpcWebOptions {
    pub enabled: bool,
    /// Origins a browser may call from ("*": any). Empty: no cross-origin calls (same origin
    /// or through a gateway).
    pub allowed_origins: Vec<String>,
}

impl Default for GrpcWebOptions {
    fn default() -> Self {
        Self { enabled: true, allowed_origins: Vec::new() }
    }
}

/// The server failed to start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error(transparent)]
    DecisionLog(#[from] DecisionLogError),
}

/// CORS for browser dashboards: the gRPC-Web request headers, and the response headers a
/// client must read (status, message, rich details).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| http::HeaderValue::from_str(o).ok()))
    };
    let header = http::HeaderName::from_static;
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([http::Method::POST, http::Method::OPTIONS])
            .allow_headers([
                http::header::CONTENT_TYPE,
                http::header::AUTHORIZATION,
                header("x-grpc-web"),
                header("x-user-agent"),
                header("grpc-timeout"),
                header("traceparent"),
                header("tracestate"),
            ])
            .expose_headers([header("grpc-status"), header("grpc-message"), header("grpc-status-details-bin")])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Serves `PolicyService`, `grpc.health.v1.Health` and server reflection (including the
/// `google.rpc` error-detail types, so clients can decode them) on `listener` until
/// `shutdown` completes; then reports NOT_SERVING, stops accepting, lets in-flight calls
/// finish and flushes the decision log before returning.
pub async fn serve(
    listener: TcpListener,
    store: Arc<PolicyStore>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let metrics = options.metrics.clone();
    let decision_log = match options.decision_log.clone() {
        Some(log_options) => {
            let log_options = log_options.clone();
            let metrics = metrics.clone();
            // Opening may apply retention to a large file: off the runtime.
            Some(
                tokio::task::spawn_blocking(move || DecisionLog::open(log_options, metrics))
                    .await
                    .map_err(|e| DecisionLogError::Query(e.to_string()))??,
            )
        }
        None => None,
    };
    let result = run(listener, store, options, decision_log.clone(), shutdown).await;
    if let Some(log) = decision_log {
        // Every call that was answered has queued its decision by now: commit them.
        log.shutdown().await;
        tracing::info!("decision log flushed");
    }
    result
}

async fn run(
    listener: TcpListener,
    store: Arc<PolicyStore>,
    options: ServeOptions,
    decision_log: Option<DecisionLog>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<PolicyServiceServer<RiserboService>>().await;

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    if options.auth.enabled {
        tracing::info!(keys = options.auth.keys.len(), clients = options.auth.clients.len(), "authentication on");
    } else {
        tracing::warn!(
            "AUTHENTICATION IS OFF: every caller may call every method for every tenant; enable [auth] in the configuration before exposing this server"
        );
    }
    let metrics = options.metrics.clone();
    let access = Access::new(&options.rate_limits, metrics.clone());
    let service = RiserboService::new(store, options.limits)
        .with_access(access.clone())
        .with_decision_log(decision_log.clone())
        .with_metrics(metrics.clone())
        .with_keys(options.keys.clone(), options.enable_deanonymise);
    let policy_service = layers::stack(
        // tonic's own codec limit stays as a backstop behind the message-size layer.
        PolicyServiceServer::new(service).max_decoding_message_size(options.max_message_bytes),
        &layers::StackOptions {
            authenticator: Arc::new(auth::Authenticator::new(&options.auth)),
            call_timeout: options.call_timeout,
            max_concurrent_calls: options.max_concurrent_calls,
            max_message_bytes: options.max_message_bytes,
            metrics,
        },
    );

    // Housekeeping: forget idle tenants' rate state; apply decision log retention hourly.
    let housekeeping = tokio::spawn(async move {
        let mut minute = tokio::time::interval(Duration::from_secs(60));
        let mut minutes = 0u64;
        loop {
            minute.tick().await;
            access.forget_idle();
            minutes += 1;
            if minutes.is_multiple_of(60)
                && let Some(log) = &decision_log
            {
                log.prune().await;
            }
        }
    });

    let (draining_tx, draining_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight calls");
        health.set_not_serving::<PolicyServiceServer<RiserboService>>().await;
        health.set_service_status("", tonic_health::ServingStatus::NotServing).await;
        let _ = draining_tx.send(());
    };

    let mut builder = Server::builder();
    if let Some(tls) = &options.tls {
        let mut config = ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
        if let Some(ca) = &tls.client_ca_pem {
            config = config.client_ca_root(Certificate::from_pem(ca)).client_auth_optional(true);
        }
        builder = builder.tls_config(config)?;
    }
    let grpc_web = options.grpc_web.enabled;
    if grpc_web {
        tracing::info!(origins = ?options.grpc_web.allowed_origins, "gRPC-Web enabled on the gRPC port");
    }
    let server = builder
        .accept_http1(grpc_web)
        .layer(option_layer(cors(&options.grpc_web.allowed_origins).filter(|_| grpc_web)))
        .layer(option_layer(grpc_web.then(tonic_web::GrpcWebLayer::new)))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(policy_service)
        // TCP_NODELAY: without it, Nagle's algorithm holds small responses until the client's
        // delayed ACK (40 ms on Linux), capping a connection at ~25 round trips a second.
        .serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), shutdown);
    let drain_deadline = async move {
        if draining_rx.await.is_ok() {
            tokio::time::sleep(options.drain_timeout).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let result = tokio::select! {
        result = server => result.map_err(ServeError::from),
        () = drain_deadline => {
            tracing::warn!(timeout_s = options.drain_timeout.as_secs(), "drain timeout: stopping with connections still open");
            Ok(())
        }
    };
    housekeeping.abort();
    tracing::info!("stopped");
    result
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

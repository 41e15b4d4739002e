//! Server wiring: which services are mounted, and how the server starts and drains.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use super::RiserboService;
use super::proto;
use super::proto::policy_service_server::PolicyServiceServer;
use crate::anonymise::Keyring;
use crate::error::Limits;
use crate::policy::PolicyStore;

/// What the server needs besides the policies.
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
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            drain_timeout: Duration::from_secs(30),
            keys: Arc::new(Keyring::empty()),
            enable_deanonymise: false,
        }
    }
}

/// The server failed to start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves `PolicyService`, `grpc.health.v1.Health` and server reflection (including the
/// `google.rpc` error-detail types, so clients can decode them) on `listener` until
/// `shutdown` completes; then reports NOT_SERVING, stops accepting and lets in-flight calls
/// finish before returning.
pub async fn serve(
    listener: TcpListener,
    store: Arc<PolicyStore>,
    options: ServeOptions,
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

    let service =
        RiserboService::new(store, options.limits).with_keys(options.keys.clone(), options.enable_deanonymise);
    let (draining_tx, draining_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight calls");
        health.set_not_serving::<PolicyServiceServer<RiserboService>>().await;
        health.set_service_status("", tonic_health::ServingStatus::NotServing).await;
        let _ = draining_tx.send(());
    };

    let server = Server::builder()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(PolicyServiceServer::new(service))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), shutdown);
    let drain_deadline = async move {
        if draining_rx.await.is_ok() {
            tokio::time::sleep(options.drain_timeout).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result?,
        () = drain_deadline => tracing::warn!(timeout_s = options.drain_timeout.as_secs(), "drain timeout: stopping with connections still open"),
    }
    tracing::info!("stopped");
    Ok(())
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

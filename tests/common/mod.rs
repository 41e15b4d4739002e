//! Starts the real server on an ephemeral port and hands out real gRPC clients.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::net::SocketAddr;
use std::sync::Arc;

use riserbo::policy::PolicyStore;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::{self, ServeError, ServeOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Arc::new(PolicyStore::with_default()), ServeOptions::default()).await
    }

    pub async fn start_with(store: Arc<PolicyStore>, options: ServeOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(service::serve(listener, store, options, async {
            let _ = rx.await;
        }));
        Self { addr, shutdown: Some(tx), handle: Some(handle) }
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .expect("connect to the test server")
    }

    pub async fn client(&self) -> PolicyServiceClient<Channel> {
        PolicyServiceClient::new(self.channel().await)
    }

    /// Signals shutdown and waits for the server to drain and stop.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.take().unwrap().await.expect("server task")
    }

    /// Signals shutdown without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub async fn wait(mut self) -> Result<(), ServeError> {
        self.handle.take().unwrap().await.expect("server task")
    }
}

/// The byte range of `needle` in `haystack` (first occurrence).
pub fn byte_range(haystack: &str, needle: &str) -> (u32, u32) {
    let start = haystack.find(needle).unwrap_or_else(|| panic!("{needle:?} not in text"));
    (start as u32, (start + needle.len()) as u32)
}

/// The UTF-16 range of `needle` in `haystack` (first occurrence), computed independently of
/// the server's offset index.
pub fn utf16_range(haystack: &str, needle: &str) -> (u32, u32) {
    let start = haystack.find(needle).unwrap();
    let s16 = haystack[..start].encode_utf16().count();
    let e16 = s16 + needle.encode_utf16().count();
    (s16 as u32, e16 as u32)
}

/// A store serving the default policy for the default tenant and for each of `tenants`.
pub fn store_with_tenants(tenants: &[&str]) -> Arc<PolicyStore> {
    use riserbo::policy::{TenantSet, default_policy};
    let policy = Arc::new(default_policy());
    Arc::new(PolicyStore::new(TenantSet {
        default: Arc::clone(&policy),
        tenants: tenants.iter().map(|t| ((*t).to_owned(), Arc::clone(&policy))).collect(),
    }))
}

/// A request carrying `authorization: Bearer <key>`.
pub fn with_key<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {key}").parse().unwrap());
    request
}

/// A CheckPost request for `tenant` with a post that names a patient and a treatment.
pub fn post(tenant: &str) -> riserbo::service::proto::CheckPostRequest {
    riserbo::service::proto::CheckPostRequest {
        tenant: tenant.to_owned(),
        text: "Oggi la sig.ra Lucia Fontana ha fatto l'impianto".to_owned(),
        ..Default::default()
    }
}

/// The `ErrorInfo.reason` of a status.
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

/// Polls GetPolicyStatus until `done` holds (reloads are asynchronous), failing after 20 s.
pub async fn wait_for_policy_status(
    client: &mut PolicyServiceClient<Channel>,
    mut done: impl FnMut(&riserbo::service::proto::GetPolicyStatusResponse) -> bool,
) -> riserbo::service::proto::GetPolicyStatusResponse {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status =
            client.get_policy_status(riserbo::service::proto::GetPolicyStatusRequest {}).await.unwrap().into_inner();
        if done(&status) {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "timed out; status: {status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

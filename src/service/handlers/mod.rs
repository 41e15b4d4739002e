//! The `PolicyService` handlers: convert, call the policy, convert back. One file per RPC;
//! this file holds the shared state and the trait impl that delegates to them. Handlers
//! never log request bodies; their tracing spans carry only tenant, verdict, rule ids, sizes
//! and timings.

mod anonymise;
mod check;
mod check_stream;
mod deanonymise;

use std::sync::Arc;

use tonic::{Request, Response, Status, Streaming};

use super::proto::{self as pb, policy_service_server::PolicyService};
use crate::anonymise::Keyring;
use crate::error::Limits;
use crate::policy::PolicyStore;

/// The service state shared by every call.
#[derive(Debug, Clone)]
pub struct RiserboService {
    pub(crate) store: Arc<PolicyStore>,
    pub(crate) limits: Limits,
    /// Tenant keys for the keyed operators and Deanonymise (Debug prints key ids only).
    pub(crate) keys: Arc<Keyring>,
    /// Whether Deanonymise answers (off until callers are authenticated).
    pub(crate) deanonymise_enabled: bool,
}

impl RiserboService {
    /// A service without keys and with Deanonymise off.
    pub fn new(store: Arc<PolicyStore>, limits: Limits) -> Self {
        Self { store, limits, keys: Arc::new(Keyring::empty()), deanonymise_enabled: false }
    }

    /// Uses `keys` for keyed operators and switches Deanonymise on or off.
    pub fn with_keys(mut self, keys: Arc<Keyring>, deanonymise_enabled: bool) -> Self {
        self.keys = keys;
        self.deanonymise_enabled = deanonymise_enabled;
        self
    }
}

/// A new decision id: UUIDv7, so ids sort by time.
pub(crate) fn decision_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tonic::async_trait]
impl PolicyService for RiserboService {
    async fn check_post(
        &self,
        request: Request<pb::CheckPostRequest>,
    ) -> Result<Response<pb::CheckPostResponse>, Status> {
        check::check_post(self, request).await
    }

    async fn anonymise(
        &self,
        request: Request<pb::AnonymiseRequest>,
    ) -> Result<Response<pb::AnonymiseResponse>, Status> {
        anonymise::anonymise(self, request).await
    }

    async fn deanonymise(
        &self,
        request: Request<pb::DeanonymiseRequest>,
    ) -> Result<Response<pb::DeanonymiseResponse>, Status> {
        deanonymise::deanonymise(self, request).await
    }

    type CheckPostStreamStream = check_stream::CheckPostStreamAnswers;

    async fn check_post_stream(
        &self,
        request: Request<Streaming<pb::CheckPostStreamRequest>>,
    ) -> Result<Response<Self::CheckPostStreamStream>, Status> {
        check_stream::check_post_stream(self, request).await
    }
}

//! The `PolicyService` handlers: convert, admit, call the policy, record, convert back. One
//! file per RPC; this file holds the shared state and the trait impl that delegates to them.
//! Handlers never log request bodies; their tracing spans carry only tenant, verdict, rule
//! ids, sizes and timings.

mod anonymise;
mod check;
mod check_stream;
mod deanonymise;
mod decision_stats;
mod list_decisions;
mod policy;

use std::sync::Arc;

use tonic::{Request, Response, Status, Streaming};

use super::layers::access::Access;
use super::proto::{self as pb, policy_service_server::PolicyService};
use crate::anonymise::Keyring;
use crate::decision_log::{Decision, DecisionLog};
use crate::error::Limits;
use crate::policy::PolicyStore;
use crate::telemetry::Metrics;

/// The service state shared by every call.
#[derive(Debug, Clone)]
pub struct RiserboService {
    pub(crate) store: Arc<PolicyStore>,
    pub(crate) limits: Limits,
    /// Tenant keys for the keyed operators and Deanonymise (Debug prints key ids only).
    pub(crate) keys: Arc<Keyring>,
    /// Whether Deanonymise answers (off until callers are authenticated).
    pub(crate) deanonymise_enabled: bool,
    /// Tenant authorisation and per-tenant rate limits for decoded calls.
    pub(crate) access: Access,
    /// Where decisions are recorded; None when the server runs without a decision log.
    pub(crate) decisions: Option<DecisionLog>,
    pub(crate) metrics: Metrics,
}

impl RiserboService {
    /// A service without keys and with Deanonymise off.
    pub fn new(store: Arc<PolicyStore>, limits: Limits) -> Self {
        Self {
            store,
            limits,
            keys: Arc::new(Keyring::empty()),
            deanonymise_enabled: false,
            access: Access::default(),
            decisions: None,
            metrics: Metrics::default(),
        }
    }

    /// Uses `keys` for keyed operators and switches Deanonymise on or off.
    pub fn with_keys(mut self, keys: Arc<Keyring>, deanonymise_enabled: bool) -> Self {
        self.keys = keys;
        self.deanonymise_enabled = deanonymise_enabled;
        self
    }

    pub fn with_access(self, access: Access) -> Self {
        Self { access, ..self }
    }

    pub fn with_decision_log(self, decisions: Option<DecisionLog>) -> Self {
        Self { decisions, ..self }
    }

    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Self { metrics, ..self }
    }

    /// The keyed HMAC of a request's text, when the decision log has a key.
    pub(crate) fn text_hmac(&self, text: &str) -> Option<String> {
        self.decisions.as_ref().and_then(|log| log.text_hmac(text))
    }

    /// Counts the decision in the metrics and queues it for the decision log.
    pub(crate) async fn record(&self, decision: Decision) {
        self.metrics.decision(&decision);
        if let Some(log) = &self.decisions {
            log.record(decision).await;
        }
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

    async fn list_decisions(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        list_decisions::list_decisions(self, request).await
    }

    async fn get_decision_stats(
        &self,
        request: Request<pb::GetDecisionStatsRequest>,
    ) -> Result<Response<pb::GetDecisionStatsResponse>, Status> {
        decision_stats::get_decision_stats(self, request).await
    }

    async fn get_policy(
        &self,
        request: Request<pb::GetPolicyRequest>,
    ) -> Result<Response<pb::GetPolicyResponse>, Status> {
        policy::get_policy(self, request).await
    }

    async fn get_policy_status(
        &self,
        request: Request<pb::GetPolicyStatusRequest>,
    ) -> Result<Response<pb::GetPolicyStatusResponse>, Status> {
        policy::get_policy_status(self, request).await
    }

    type CheckPostStreamStream = check_stream::CheckPostStreamAnswers;

    async fn check_post_stream(
        &self,
        request: Request<Streaming<pb::CheckPostStreamRequest>>,
    ) -> Result<Response<Self::CheckPostStreamStream>, Status> {
        check_stream::check_post_stream(self, request).await
    }
}

//! The `PolicyService` handlers: convert, call the policy, convert back. They never log
//! request bodies; the tracing span carries only the tenant, verdict, rule ids and sizes.

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::convert::{self, AnonymiseCall, CheckCall};
use super::proto::{self as pb, policy_service_server::PolicyService};
use super::status::to_status;
use crate::engine::text::Utf16Index;
use crate::error::{Error, Limits};
use crate::policy::PolicyStore;

/// The service state shared by every call.
#[derive(Debug, Clone)]
pub struct RiserboService {
    store: Arc<PolicyStore>,
    limits: Limits,
}

impl RiserboService {
    pub fn new(store: Arc<PolicyStore>, limits: Limits) -> Self {
        Self { store, limits }
    }
}

/// A new decision id: UUIDv7, so ids sort by time.
fn decision_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tonic::async_trait]
impl PolicyService for RiserboService {
    #[tracing::instrument(
        name = "CheckPost",
        skip_all,
        fields(tenant, decision_id, verdict, rules, text_bytes, elapsed_us)
    )]
    async fn check_post(
        &self,
        request: Request<pb::CheckPostRequest>,
    ) -> Result<Response<pb::CheckPostResponse>, Status> {
        let started = Instant::now();
        let span = Span::current();
        let call = CheckCall::try_from(request.into_inner()).map_err(|e| to_status(e.into()))?;
        span.record("tenant", field::display(&call.tenant));
        span.record("text_bytes", call.text.len());
        let policy = self.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
        let report = policy.check(&call.text, &call.context, &self.limits).map_err(to_status)?;

        let id = decision_id();
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
        span.record("decision_id", field::display(&id));
        span.record("verdict", report.verdict.as_str());
        span.record("rules", field::debug(&rules));
        let response = convert::check_response(&call.text, report, &policy.reference, id);
        span.record("elapsed_us", started.elapsed().as_micros() as u64);
        tracing::info!("decision");
        Ok(Response::new(response))
    }

    #[tracing::instrument(name = "Anonymise", skip_all, fields(tenant, items, text_bytes, elapsed_us))]
    async fn anonymise(
        &self,
        request: Request<pb::AnonymiseRequest>,
    ) -> Result<Response<pb::AnonymiseResponse>, Status> {
        let started = Instant::now();
        let span = Span::current();
        let call = AnonymiseCall::try_from(request.into_inner()).map_err(|e| to_status(Error::from(e)))?;
        span.record("tenant", field::display(&call.tenant));
        span.record("text_bytes", call.text.len());
        let policy = self.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
        let report = policy.anonymise(&call.text, &call.input, &self.limits).map_err(to_status)?;

        let original = Utf16Index::new(&call.text);
        let output = Utf16Index::new(&report.anonymised.text);
        let items =
            report.anonymised.items.iter().map(|i| convert::anonymised_item(&original, &output, i)).collect::<Vec<_>>();
        span.record("items", items.len());
        span.record("elapsed_us", started.elapsed().as_micros() as u64);
        tracing::info!("anonymised");
        Ok(Response::new(pb::AnonymiseResponse {
            text: report.anonymised.text,
            items,
            policy: Some(convert::policy_ref(&policy.reference)),
        }))
    }
}

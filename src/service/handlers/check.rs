//! CheckPost.

use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::{RiserboService, decision_id};
use crate::decision_log::{Decision, DecisionKind};
use crate::service::convert::{self, CheckCall};
use crate::service::failsafe::{self, Guarded};
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(
    name = "CheckPost",
    skip_all,
    fields(tenant, decision_id, verdict, rules, text_bytes, elapsed_us)
)]
pub(super) async fn check_post(
    service: &RiserboService,
    request: Request<pb::CheckPostRequest>,
) -> Result<Response<pb::CheckPostResponse>, Status> {
    let started = Instant::now();
    let span = Span::current();
    let (_, extensions, message) = request.into_parts();
    let call = CheckCall::try_from(message).map_err(|e| to_status(e.into()))?;
    span.record("tenant", field::display(&call.tenant));
    span.record("text_bytes", call.text.len());
    let caller = service.access.admit(&extensions, &call.tenant)?;
    let policy = service.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
    // The fail-safe boundary: an engine error or panic answers REVIEW, never ALLOW.
    let report = match failsafe::guard(|| {
        failsafe::inject_fault(&call.text);
        policy.check(&call.text, &call.context, &service.limits)
    }) {
        Guarded::Answered(report) => report,
        Guarded::Refused(error) => return Err(to_status(error)),
        Guarded::Fault(fault) => {
            service.metrics.engine_failure("CheckPost", fault.kind());
            tracing::error!(fault = fault.kind(), detail = ?fault, "engine failed; answering REVIEW (fail-safe)");
            failsafe::review_report(call.context.locale, call.context.language)
        }
    };

    let id = decision_id();
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    span.record("decision_id", field::display(&id));
    span.record("verdict", report.verdict.as_str());
    span.record("rules", field::debug(&rules));
    let decision = Decision {
        verdict: Some(report.verdict),
        rules: Decision::count_rules(rules),
        entities: Decision::count_entities(&report.entity_counts),
        labels: call.context.labels.clone(),
        text_hmac: service.text_hmac(&call.text),
        ..Decision::new(DecisionKind::CheckPost, &id, &call.tenant, &caller.id, &policy.reference, started)
    };
    let response = convert::check_response(&call.text, report, &policy.reference, id);
    service.record(decision).await;
    span.record("elapsed_us", started.elapsed().as_micros() as u64);
    tracing::info!("decision");
    Ok(Response::new(response))
}

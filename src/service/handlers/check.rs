//! CheckPost.

use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::{RiserboService, decision_id};
use crate::service::convert::{self, CheckCall};
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
    let call = CheckCall::try_from(request.into_inner()).map_err(|e| to_status(e.into()))?;
    span.record("tenant", field::display(&call.tenant));
    span.record("text_bytes", call.text.len());
    let policy = service.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
    let report = policy.check(&call.text, &call.context, &service.limits).map_err(to_status)?;

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

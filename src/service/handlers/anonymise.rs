//! Anonymise.

use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::{RiserboService, decision_id};
use crate::decision_log::{Decision, DecisionKind};
use crate::engine::text::Utf16Index;
use crate::error::Error;
use crate::service::convert::{self, AnonymiseCall};
use crate::service::failsafe;
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "Anonymise", skip_all, fields(tenant, decision_id, items, text_bytes, elapsed_us))]
pub(super) async fn anonymise(
    service: &RiserboService,
    request: Request<pb::AnonymiseRequest>,
) -> Result<Response<pb::AnonymiseResponse>, Status> {
    let started = Instant::now();
    let span = Span::current();
    let (_, extensions, message) = request.into_parts();
    let call = AnonymiseCall::try_from(message).map_err(|e| to_status(Error::from(e)))?;
    span.record("tenant", field::display(&call.tenant));
    span.record("text_bytes", call.text.len());
    let caller = service.access.admit(&extensions, &call.tenant)?;
    let policy = service.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
    let keys = service.keys.context(&call.tenant);
    // An engine panic is counted and answered INTERNAL with no detail (the panic's message
    // could quote the text); errors keep their own statuses.
    let report = failsafe::catch_panic(|| {
        failsafe::inject_fault(&call.text);
        policy.anonymise(&call.text, &call.input, &service.limits, &keys)
    })
    .map_err(|fault| {
        service.metrics.engine_failure("Anonymise", fault.kind());
        tracing::error!(fault = fault.kind(), "engine panicked in Anonymise");
        Status::internal("anonymise failed: nothing was anonymised; the failure is logged")
    })?
    .map_err(to_status)?;

    let id = decision_id();
    span.record("decision_id", field::display(&id));
    let decision = Decision {
        entities: Decision::count_entities(&report.entity_counts),
        text_hmac: service.text_hmac(&call.text),
        ..Decision::new(DecisionKind::Anonymise, &id, &call.tenant, &caller.id, &policy.reference, started)
    };
    let original = Utf16Index::new(&call.text);
    let output = Utf16Index::new(&report.anonymised.text);
    let items =
        report.anonymised.items.iter().map(|i| convert::anonymised_item(&original, &output, i)).collect::<Vec<_>>();
    service.record(decision).await;
    span.record("items", items.len());
    span.record("elapsed_us", started.elapsed().as_micros() as u64);
    tracing::info!("anonymised");
    Ok(Response::new(pb::AnonymiseResponse {
        text: report.anonymised.text,
        items,
        policy: Some(convert::policy_ref(&policy.reference)),
        decision_id: id,
    }))
}

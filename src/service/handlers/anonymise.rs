//! Anonymise.

use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::RiserboService;
use crate::engine::text::Utf16Index;
use crate::error::Error;
use crate::service::convert::{self, AnonymiseCall};
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "Anonymise", skip_all, fields(tenant, items, text_bytes, elapsed_us))]
pub(super) async fn anonymise(
    service: &RiserboService,
    request: Request<pb::AnonymiseRequest>,
) -> Result<Response<pb::AnonymiseResponse>, Status> {
    let started = Instant::now();
    let span = Span::current();
    let call = AnonymiseCall::try_from(request.into_inner()).map_err(|e| to_status(Error::from(e)))?;
    span.record("tenant", field::display(&call.tenant));
    span.record("text_bytes", call.text.len());
    let policy = service.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
    let keys = service.keys.context(&call.tenant);
    let report = policy.anonymise(&call.text, &call.input, &service.limits, &keys).map_err(to_status)?;

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

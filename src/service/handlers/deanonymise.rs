//! Deanonymise: restores `encrypt` tokens. Off unless the server enables it; the tracing span
//! records tenant, sizes, token count and timing, never the text or the restored values.

use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::RiserboService;
use crate::anonymise::{self, AnonymiseError};
use crate::engine::text::Utf16Index;
use crate::error::Error;
use crate::service::convert::{self, DeanonymiseCall};
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "Deanonymise", skip_all, fields(tenant, items, text_bytes, elapsed_us))]
pub(super) async fn deanonymise(
    service: &RiserboService,
    request: Request<pb::DeanonymiseRequest>,
) -> Result<Response<pb::DeanonymiseResponse>, Status> {
    let started = Instant::now();
    let span = Span::current();
    if !service.deanonymise_enabled {
        return Err(to_status(AnonymiseError::DeanonymiseDisabled.into()));
    }
    let call = DeanonymiseCall::from(request.into_inner());
    span.record("tenant", field::display(&call.tenant));
    span.record("text_bytes", call.text.len());
    // The tenant must be one the service serves, as for every other call.
    service.store.get(&call.tenant).map_err(|e| to_status(e.into()))?;
    service.limits.check_text("text", &call.text).map_err(|e| to_status(Error::from(e)))?;
    let keys = service.keys.context(&call.tenant);
    let restored = anonymise::deanonymise(&call.text, &keys).map_err(|e| to_status(e.into()))?;

    let original = Utf16Index::new(&call.text);
    let output = Utf16Index::new(&restored.text);
    let items = restored.items.iter().map(|i| convert::restored_item(&original, &output, i)).collect::<Vec<_>>();
    span.record("items", items.len());
    span.record("elapsed_us", started.elapsed().as_micros() as u64);
    tracing::info!("deanonymised");
    Ok(Response::new(pb::DeanonymiseResponse { text: restored.text, items }))
}

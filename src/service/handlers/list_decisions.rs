//! ListDecisions.

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::RiserboService;
use crate::decision_log::DecisionLogError;
use crate::error::Error;
use crate::service::convert;
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "ListDecisions", skip_all, fields(tenant, decisions))]
pub(super) async fn list_decisions(
    service: &RiserboService,
    request: Request<pb::ListDecisionsRequest>,
) -> Result<Response<pb::ListDecisionsResponse>, Status> {
    let (_, extensions, message) = request.into_parts();
    let query = convert::decision_query(message).map_err(|e| to_status(e.into()))?;
    Span::current().record("tenant", field::display(&query.tenant));
    service.access.admit(&extensions, &query.tenant)?;
    let log = service.decisions.as_ref().ok_or_else(|| to_status(Error::from(DecisionLogError::Disabled)))?;
    let page = log.list(query).await.map_err(|e| to_status(e.into()))?;
    Span::current().record("decisions", page.decisions.len());
    Ok(Response::new(convert::decision_page(page)))
}

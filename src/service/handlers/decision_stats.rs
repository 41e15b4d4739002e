//! GetDecisionStats.

use tonic::{Request, Response, Status};
use tracing::{Span, field};

use super::RiserboService;
use crate::decision_log::DecisionLogError;
use crate::error::Error;
use crate::service::convert;
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "GetDecisionStats", skip_all, fields(tenant, total))]
pub(super) async fn get_decision_stats(
    service: &RiserboService,
    request: Request<pb::GetDecisionStatsRequest>,
) -> Result<Response<pb::GetDecisionStatsResponse>, Status> {
    let (_, extensions, message) = request.into_parts();
    let query = convert::stats_query(message).map_err(|e| to_status(e.into()))?;
    Span::current().record("tenant", field::display(&query.tenant));
    service.access.admit(&extensions, &query.tenant)?;
    let log = service.decisions.as_ref().ok_or_else(|| to_status(Error::from(DecisionLogError::Disabled)))?;
    let stats = log.stats(query).await.map_err(|e| to_status(e.into()))?;
    Span::current().record("total", stats.total);
    Ok(Response::new(convert::decision_stats(stats)))
}

//! GetPolicy and GetPolicyStatus: what dashboards and operators read about the active
//! policies. No request text is involved.

use tonic::{Request, Response, Status};

use super::RiserboService;
use crate::service::convert;
use crate::service::proto as pb;
use crate::service::status::to_status;

#[tracing::instrument(name = "GetPolicy", skip_all, fields(tenant))]
pub(super) async fn get_policy(
    service: &RiserboService,
    request: Request<pb::GetPolicyRequest>,
) -> Result<Response<pb::GetPolicyResponse>, Status> {
    let (_, extensions, message) = request.into_parts();
    let pb::GetPolicyRequest { tenant } = message;
    tracing::Span::current().record("tenant", tracing::field::display(&tenant));
    service.access.admit(&extensions, &tenant)?;
    let policy = service.store.get(&tenant).map_err(|e| to_status(e.into()))?;
    let status = service.store.status();
    let effective = &policy.effective;
    Ok(Response::new(pb::GetPolicyResponse {
        policy: Some(convert::policy_ref(&policy.reference)),
        tenant,
        description: effective.description.clone(),
        rules: effective.rule_views().iter().map(convert::policy_rule).collect(),
        effective_toml: effective.to_toml(),
        revision: status.revision,
        activated_at: Some(convert::timestamp(status.activated_at)),
    }))
}

#[tracing::instrument(name = "GetPolicyStatus", skip_all)]
pub(super) async fn get_policy_status(
    service: &RiserboService,
    request: Request<pb::GetPolicyStatusRequest>,
) -> Result<Response<pb::GetPolicyStatusResponse>, Status> {
    let (_, extensions, message) = request.into_parts();
    let pb::GetPolicyStatusRequest {} = message;
    // The status spans tenants: it lists only those the caller may act for.
    let caller = service.access.principal(&extensions)?;
    let status = service.store.status();
    let set = service.store.snapshot();
    let mut tenants = Vec::new();
    if caller.may_act_for("") {
        tenants.push(pb::TenantPolicy {
            tenant: String::new(),
            policy: Some(convert::policy_ref(&set.default.reference)),
        });
    }
    let mut names: Vec<&String> = set.tenants.keys().filter(|name| caller.may_act_for(name)).collect();
    names.sort();
    tenants.extend(names.into_iter().map(|name| pb::TenantPolicy {
        tenant: name.clone(),
        policy: Some(convert::policy_ref(&set.tenants[name].reference)),
    }));
    Ok(Response::new(pb::GetPolicyStatusResponse {
        source: status.source.map(|p| p.display().to_string()).unwrap_or_default(),
        revision: status.revision,
        activated_at: Some(convert::timestamp(status.activated_at)),
        last_reload_at: status.last_attempt_at.map(convert::timestamp),
        last_reload_error: status.last_error.unwrap_or_default(),
        failed_reloads: status.failed_reloads,
        files_sha256: status.fingerprint,
        tenants,
    }))
}

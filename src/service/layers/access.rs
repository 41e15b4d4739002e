//! Admission of a decoded call: may this principal act for the tenant named in the message,
//! and does the tenant have budget left? The tenant is a field of the protobuf message, so
//! this cannot run in an HTTP layer without decoding every message twice; instead every
//! handler calls [`Access::admit`] first thing, and this is the one place the check lives.
//! Authentication and the method's role were already checked by the auth layer.

use std::sync::Arc;

use tonic::Status;

use super::auth::Principal;
use super::rate_limit::{RateLimitOptions, TenantRateLimiter};
use crate::service::status::{Refusal, refusal_status};
use crate::telemetry::Metrics;

/// Tenant authorisation and per-tenant rate limits.
#[derive(Debug, Clone)]
pub struct Access {
    rates: Arc<TenantRateLimiter>,
    metrics: Metrics,
}

impl Default for Access {
    fn default() -> Self {
        Self::new(&RateLimitOptions::default(), Metrics::default())
    }
}

impl Access {
    pub fn new(rates: &RateLimitOptions, metrics: Metrics) -> Self {
        Self { rates: Arc::new(TenantRateLimiter::new(rates)), metrics }
    }

    /// The caller, if it may act for `tenant` and the tenant is within its rate.
    ///
    /// A call that reached a handler without passing the auth layer has no principal and is
    /// refused: admission fails closed.
    pub fn admit(&self, extensions: &http::Extensions, tenant: &str) -> Result<Arc<Principal>, Status> {
        let refuse = |refusal: Refusal| {
            self.metrics.rejected(refusal.reason());
            refusal_status(refusal)
        };
        let principal =
            extensions.get::<Arc<Principal>>().cloned().ok_or_else(|| refuse(Refusal::MissingCredentials))?;
        if !principal.may_act_for(tenant) {
            return Err(refuse(Refusal::TenantNotGranted { tenant: tenant.to_owned() }));
        }
        self.rates
            .check(tenant)
            .map_err(|retry_after| refuse(Refusal::RateLimited { tenant: tenant.to_owned(), retry_after }))?;
        Ok(principal)
    }

    /// The caller that passed the auth layer, without a tenant check (for calls that span
    /// tenants and filter what they show by [`Principal::may_act_for`]).
    pub fn principal(&self, extensions: &http::Extensions) -> Result<Arc<Principal>, Status> {
        extensions.get::<Arc<Principal>>().cloned().ok_or_else(|| {
            self.metrics.rejected(Refusal::MissingCredentials.reason());
            refusal_status(Refusal::MissingCredentials)
        })
    }

    /// Drops rate state of idle tenants (called periodically by the server).
    pub fn forget_idle(&self) {
        self.rates.forget_idle();
    }
}

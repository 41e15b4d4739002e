//! Per-tenant request rates (GCRA token buckets from `governor`). A tenant over its rate is
//! refused at once with RESOURCE_EXHAUSTED and the time until its next request would be
//! allowed (a `RetryInfo` detail); nothing waits in a queue.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

/// A sustained rate with a burst allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    fn quota(self) -> Quota {
        Quota::per_second(self.per_second).allow_burst(self.burst)
    }
}

/// Rate limits: one default for every tenant, and per-tenant overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitOptions {
    /// Every tenant without an override; None: unlimited.
    pub default: Option<Rate>,
    pub tenants: HashMap<String, Rate>,
}

/// The limiter state for every tenant.
#[derive(Debug)]
pub struct TenantRateLimiter {
    default: Option<DefaultKeyedRateLimiter<String>>,
    tenants: HashMap<String, DefaultDirectRateLimiter>,
    clock: DefaultClock,
}

impl TenantRateLimiter {
    pub fn new(options: &RateLimitOptions) -> Self {
        Self {
            default: options.default.map(|r| governor::RateLimiter::keyed(r.quota())),
            tenants: options
                .tenants
                .iter()
                .map(|(t, r)| (t.clone(), governor::RateLimiter::direct(r.quota())))
                .collect(),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `tenant`'s budget, or says how long until one is available.
    pub fn check(&self, tenant: &str) -> Result<(), Duration> {
        let outcome = match self.tenants.get(tenant) {
            Some(limiter) => limiter.check(),
            None => match &self.default {
                Some(limiter) => limiter.check_key(&tenant.to_owned()),
                None => return Ok(()),
            },
        };
        outcome.map_err(|not_until| not_until.wait_time_from(self.clock.now()).max(Duration::from_millis(1)))
    }

    /// Forgets tenants whose budget is full again, so the keyed state stays as small as the
    /// set of recently active tenants.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.default {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_second: u32, burst: u32) -> Rate {
        Rate { per_second: NonZeroU32::new(per_second).unwrap(), burst: NonZeroU32::new(burst).unwrap() }
    }

    #[test]
    fn each_tenant_has_its_own_budget() {
        let options = RateLimitOptions {
            default: Some(rate(1, 2)),
            tenants: [("big".to_owned(), rate(1, 5))].into_iter().collect(),
        };
        let limiter = TenantRateLimiter::new(&options);
        assert!(limiter.check("a").is_ok() && limiter.check("a").is_ok());
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check("b").is_ok(), "another tenant is unaffected");
        for _ in 0..5 {
            assert!(limiter.check("big").is_ok());
        }
        assert!(limiter.check("big").is_err());
    }

    #[test]
    fn no_default_means_unlimited() {
        let limiter = TenantRateLimiter::new(&RateLimitOptions::default());
        assert!((0..1000).all(|_| limiter.check("a").is_ok()));
    }
}

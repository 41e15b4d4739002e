//! The tenant store: which compiled policy serves which tenant. Readers take an `Arc`
//! snapshot without locking; a reload swaps the whole set atomically, so a request sees
//! either the old policies or the new ones, never a mix.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::{CompiledPolicy, PolicyError};

/// Compiled policies by tenant. The empty tenant is the default policy.
#[derive(Debug)]
pub struct TenantSet {
    pub default: Arc<CompiledPolicy>,
    pub tenants: HashMap<String, Arc<CompiledPolicy>>,
}

/// Shared, hot-swappable tenant policies.
#[derive(Debug)]
pub struct PolicyStore {
    current: ArcSwap<TenantSet>,
}

impl PolicyStore {
    pub fn new(set: TenantSet) -> Self {
        Self { current: ArcSwap::from_pointee(set) }
    }

    /// A store serving only the embedded default policy.
    pub fn with_default() -> Self {
        Self::new(TenantSet { default: Arc::new(super::default_policy()), tenants: HashMap::new() })
    }

    /// The policy for `tenant` ("" is the default policy).
    pub fn get(&self, tenant: &str) -> Result<Arc<CompiledPolicy>, PolicyError> {
        let set = self.current.load();
        if tenant.is_empty() {
            return Ok(Arc::clone(&set.default));
        }
        set.tenants.get(tenant).cloned().ok_or_else(|| PolicyError::UnknownTenant(tenant.to_owned()))
    }

    /// Replaces every tenant's policy at once.
    pub fn replace(&self, set: TenantSet) {
        self.current.store(Arc::new(set));
    }

    /// The current tenant set.
    pub fn snapshot(&self) -> Arc<TenantSet> {
        self.current.load_full()
    }
}

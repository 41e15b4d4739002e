//! The tenant store: which compiled policy serves which tenant. Readers take an `Arc`
//! snapshot without locking; a reload swaps the whole set atomically, so a request sees
//! either the old policies or the new ones, never a mix. The store also keeps the status a
//! reload leaves behind (active revision, last attempt, last error) for the status RPC.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;

use super::{CompiledPolicy, PolicyError};

/// Compiled policies by tenant. The empty tenant is the default policy.
#[derive(Debug)]
pub struct TenantSet {
    pub default: Arc<CompiledPolicy>,
    pub tenants: HashMap<String, Arc<CompiledPolicy>>,
}

/// What the last loads did: for operators (the status RPC) and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Where policies are loaded from; `None`: the embedded default only.
    pub source: Option<PathBuf>,
    /// Counts successful activations, starting at 1 for the policies the process started with.
    pub revision: u64,
    /// When the active set was activated.
    pub activated_at: SystemTime,
    /// SHA-256 over the policy files of the active set (empty for the embedded default).
    pub fingerprint: String,
    /// When a reload was last attempted, successful or not.
    pub last_attempt_at: Option<SystemTime>,
    /// The error of the last attempt, if it failed (file, line and field; no patient data).
    pub last_error: Option<String>,
    /// Reloads that failed since the process started.
    pub failed_reloads: u64,
}

/// Shared, hot-swappable tenant policies.
#[derive(Debug)]
pub struct PolicyStore {
    current: ArcSwap<TenantSet>,
    status: Mutex<PolicyStatus>,
}

impl PolicyStore {
    pub fn new(set: TenantSet) -> Self {
        Self::with_status(set, None, String::new())
    }

    /// A store whose set was loaded from `source` (file fingerprint `fingerprint`).
    pub fn with_status(set: TenantSet, source: Option<PathBuf>, fingerprint: String) -> Self {
        let status = PolicyStatus {
            source,
            revision: 1,
            activated_at: SystemTime::now(),
            fingerprint,
            last_attempt_at: None,
            last_error: None,
            failed_reloads: 0,
        };
        Self { current: ArcSwap::from_pointee(set), status: Mutex::new(status) }
    }

    /// A store serving only the embedded default policy.
    pub fn with_default() -> Self {
        Self::new(TenantSet { default: Arc::new(super::default_policy()), tenants: HashMap::new() })
    }

    /// Loads and compiles the policies under `path` (the embedded default when `None`).
    pub fn load(path: Option<PathBuf>) -> Result<Self, PolicyError> {
        let (set, fingerprint) = super::load::load_tenants(path.as_deref())?;
        Ok(Self::with_status(set, path, fingerprint))
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
        self.activate(set, String::new());
    }

    /// Replaces every tenant's policy at once and records the activation.
    pub fn activate(&self, set: TenantSet, fingerprint: String) {
        let mut status = self.lock_status();
        self.current.store(Arc::new(set));
        let now = SystemTime::now();
        status.revision += 1;
        status.activated_at = now;
        status.fingerprint = fingerprint;
        status.last_attempt_at = Some(now);
        status.last_error = None;
    }

    /// Records a failed reload: the active set stays.
    pub fn record_failure(&self, error: &PolicyError) {
        let mut status = self.lock_status();
        status.last_attempt_at = Some(SystemTime::now());
        status.last_error = Some(error.to_string());
        status.failed_reloads += 1;
    }

    /// The current tenant set.
    pub fn snapshot(&self) -> Arc<TenantSet> {
        self.current.load_full()
    }

    /// The load status.
    pub fn status(&self) -> PolicyStatus {
        self.lock_status().clone()
    }

    fn lock_status(&self) -> std::sync::MutexGuard<'_, PolicyStatus> {
        self.status.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

//! Hot reload: on SIGHUP or when a policy file changes, the policies are loaded and compiled
//! again on a blocking thread; only a set that is valid as a whole replaces the active one
//! (one `ArcSwap` store). A failed reload leaves the old set serving, logs the error and
//! keeps it for the status RPC. Requests never wait for a reload.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::{PolicyError, PolicyStore, load};

/// File events are collected for this long before one reload runs (editors write a file in
/// several steps).
const DEBOUNCE: Duration = Duration::from_millis(200);

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// A new set is active.
    Activated { revision: u64 },
    /// The files are as they were: nothing to do.
    Unchanged,
}

/// Called after each reload attempt with whether it succeeded (for metrics).
type ReloadObserver = Arc<dyn Fn(bool) + Send + Sync>;

/// Reloads one store from one path.
#[derive(Clone)]
pub struct Reloader {
    store: Arc<PolicyStore>,
    path: PathBuf,
    observer: Option<ReloadObserver>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Reloader {
    pub fn new(store: Arc<PolicyStore>, path: PathBuf) -> Self {
        Self { store, path, observer: None }
    }

    /// Calls `observer(ok)` after every reload that ran (not for unchanged files).
    pub fn on_reload(mut self, observer: impl Fn(bool) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    fn observe(&self, ok: bool) {
        if let Some(observer) = &self.observer {
            observer(ok);
        }
    }

    /// Loads, validates and compiles every policy, then activates them all at once. Blocking:
    /// call it from a blocking thread. Unless `force`, files whose contents did not change are
    /// not reloaded.
    pub fn reload(&self, force: bool) -> Result<ReloadOutcome, PolicyError> {
        if !force && load::fingerprint(&self.path).is_some_and(|f| f == self.store.status().fingerprint) {
            return Ok(ReloadOutcome::Unchanged);
        }
        match load::load_tenants(Some(&self.path)) {
            Ok((set, fingerprint)) => {
                let tenants = set.tenants.len();
                let default = set.default.reference.clone();
                self.store.activate(set, fingerprint);
                let revision = self.store.status().revision;
                tracing::info!(
                    revision,
                    tenants,
                    default_policy = %default.id,
                    version = %default.version,
                    sha256 = %default.sha256,
                    "policy reloaded"
                );
                self.observe(true);
                Ok(ReloadOutcome::Activated { revision })
            }
            Err(error) => {
                self.store.record_failure(&error);
                tracing::error!(error = %error, "policy reload failed: the previous policies keep serving");
                self.observe(false);
                Err(error)
            }
        }
    }

    /// Starts reloading on SIGHUP and, when `watch_files`, on changes under the policy path,
    /// until the runtime stops. Must be called inside a tokio runtime.
    pub fn spawn(self, watch_files: bool) -> Result<tokio::task::JoinHandle<()>, notify::Error> {
        let (tx, mut rx) = mpsc::unbounded_channel::<bool>();
        let watcher = if watch_files { Some(watch(&self.path, tx.clone())?) } else { None };
        spawn_sighup(tx);
        Ok(tokio::spawn(async move {
            let _watcher = watcher; // dropping it stops the events
            while let Some(mut force) = rx.recv().await {
                tokio::time::sleep(DEBOUNCE).await;
                while let Ok(more) = rx.try_recv() {
                    force |= more;
                }
                let reloader = self.clone();
                let _ = tokio::task::spawn_blocking(move || reloader.reload(force)).await;
            }
        }))
    }
}

/// Watches the policy directory (or the directory of a policy file: editors replace files by
/// renaming, which a watch on the file itself would miss) and sends `false` on each change.
/// Every change counts, not only `.toml` paths: a Kubernetes ConfigMap volume swaps a `..data`
/// symlink; the reload compares the files' fingerprint and does nothing if they are the same.
fn watch(path: &Path, tx: mpsc::UnboundedSender<bool>) -> Result<notify::RecommendedWatcher, notify::Error> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)) {
            let _ = tx.send(false);
        }
    })?;
    if path.is_dir() {
        watcher.watch(path, RecursiveMode::Recursive)?;
    } else {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        watcher.watch(parent, RecursiveMode::NonRecursive)?;
    }
    Ok(watcher)
}

#[cfg(unix)]
fn spawn_sighup(tx: mpsc::UnboundedSender<bool>) {
    tokio::spawn(async move {
        let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: reload on file change only");
            return;
        };
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading policies");
            if tx.send(true).is_err() {
                return;
            }
        }
    });
}

#[cfg(not(unix))]
fn spawn_sighup(_tx: mpsc::UnboundedSender<bool>) {}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[policy]\nid = \"acme\"\nversion = \"1\"\n";

    #[test]
    fn a_bad_reload_keeps_the_old_set_and_records_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("acme.toml");
        std::fs::write(&file, GOOD).unwrap();
        let store = Arc::new(PolicyStore::load(Some(dir.path().to_owned())).unwrap());
        let reloader = Reloader::new(store.clone(), dir.path().to_owned());
        assert_eq!(reloader.reload(false).unwrap(), ReloadOutcome::Unchanged);

        std::fs::write(&file, "[policy]\nid = \"acme\"\nversion = \"2\"\n[rules.NOPE-1]\nenabled = false\n").unwrap();
        let error = reloader.reload(false).unwrap_err().to_string();
        assert!(error.contains("acme.toml:4"), "{error}");
        assert_eq!(store.get("acme").unwrap().reference.version, "1");
        let status = store.status();
        assert_eq!(status.revision, 1);
        assert_eq!(status.failed_reloads, 1);
        assert!(status.last_error.unwrap().contains("NOPE-1"));

        std::fs::write(&file, GOOD.replace("\"1\"", "\"2\"")).unwrap();
        assert_eq!(reloader.reload(false).unwrap(), ReloadOutcome::Activated { revision: 2 });
        assert_eq!(store.get("acme").unwrap().reference.version, "2");
        assert_eq!(store.status().last_error, None);
    }
}

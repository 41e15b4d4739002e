//! The decision log: every CheckPost and Anonymise decision, for audits and dashboards,
//! without the text. Records are the allow-list in [`Decision`]; the text is represented only
//! by a keyed HMAC.
//!
//! Storage is an embedded SQLite database (WAL) in the data directory. Writes never run on
//! the async runtime: handlers enqueue records on a bounded queue (a full queue makes the
//! caller wait, so a burst slows down rather than losing audit records or growing without
//! bound) and one writer thread commits them in batches. Dashboard queries run on the blocking
//! pool over a read-only connection. On shutdown the writer drains the queue and commits
//! before the process exits, so every answered call has its decision on disk.

mod record;
mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use tokio::sync::{mpsc, oneshot};

pub use record::{Count, Decision, DecisionKind, MIN_HMAC_KEY_BYTES, TextHmacKey};

use crate::engine::verdict::Verdict;
use crate::telemetry::Metrics;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "decisions.sqlite";

/// Records written per transaction at most.
const BATCH: usize = 512;

/// How long the writer lets records gather after the first one arrives before it commits.
/// One transaction per call cost the writer thread a wake-up, a WAL append and a commit per
/// decision: about a sixth of the server's CPU under load. Records wait in memory for this
/// long at most, which is no weaker than before (a queued record was never on disk either),
/// and shutdown still drains and commits everything.
const LINGER: Duration = Duration::from_millis(10);

/// How the decision log is set up.
#[derive(Debug, Clone)]
pub struct DecisionLogOptions {
    /// Directory holding the database (created if missing).
    pub data_dir: PathBuf,
    /// Decisions older than this are deleted.
    pub retention: Duration,
    /// Records waiting for the writer at most; further callers wait for room.
    pub queue_capacity: usize,
    /// Key of the text HMAC; without one no HMAC is stored.
    pub hmac_key: Option<TextHmacKey>,
    /// Also export every record as an OTLP log record (needs an OTLP endpoint).
    pub export_otlp: bool,
    /// The provider records are exported through; set by the server from its telemetry.
    pub otlp_logs: Option<opentelemetry_sdk::logs::SdkLoggerProvider>,
}

impl DecisionLogOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            retention: Duration::from_secs(90 * 24 * 3600),
            queue_capacity: 4096,
            hmac_key: None,
            export_otlp: false,
            otlp_logs: None,
        }
    }
}

/// The decision log failed.
#[derive(Debug, thiserror::Error)]
pub enum DecisionLogError {
    #[error("decision log {path}: {message}")]
    Open { path: String, message: String },
    #[error("decision log: {0}")]
    Query(String),
    #[error("decision log is not enabled on this server")]
    Disabled,
    #[error("decision log is shut down")]
    Closed,
}

impl DecisionLogError {
    fn open(path: &Path, e: impl std::fmt::Display) -> Self {
        DecisionLogError::Open { path: path.display().to_string(), message: e.to_string() }
    }
}

impl From<rusqlite::Error> for DecisionLogError {
    fn from(e: rusqlite::Error) -> Self {
        DecisionLogError::Query(e.to_string())
    }
}

/// A listing filter. `tenant` always applies ("" is the default tenant).
#[derive(Debug, Clone, Default)]
pub struct DecisionQuery {
    pub tenant: String,
    /// Inclusive.
    pub start: Option<SystemTime>,
    /// Exclusive.
    pub end: Option<SystemTime>,
    pub verdict: Option<Verdict>,
    pub kind: Option<DecisionKind>,
    pub rule_id: Option<String>,
    pub text_hmac: Option<String>,
    pub page_size: usize,
    /// Decisions strictly older (smaller id) than this one: the page token.
    pub after_id: Option<String>,
}

/// One page of decisions, newest first.
#[derive(Debug, Clone, Default)]
pub struct DecisionPage {
    pub decisions: Vec<Decision>,
    /// The last id of this page when more follow.
    pub next_after_id: Option<String>,
}

/// A statistics window.
#[derive(Debug, Clone, Default)]
pub struct StatsQuery {
    pub tenant: String,
    pub start: Option<SystemTime>,
    pub end: Option<SystemTime>,
}

/// Decisions of one rule in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStat {
    pub rule_id: String,
    /// Decisions with at least one finding of the rule.
    pub decisions: u64,
    /// Findings of the rule.
    pub findings: u64,
}

/// Counts over a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionStats {
    pub total: u64,
    pub check_post: u64,
    pub anonymise: u64,
    /// CheckPost decisions per verdict, least severe first.
    pub verdicts: Vec<(Verdict, u64)>,
    pub rules: Vec<RuleStat>,
    /// Entities per type.
    pub entities: Vec<(String, u64)>,
}

enum Message {
    Record(Box<Decision>),
    Prune,
    /// Commit everything queued before this message, then answer.
    Flush(oneshot::Sender<()>),
    /// Commit everything queued before this message, answer, and stop.
    Stop(oneshot::Sender<()>),
}

/// A handle to the decision log; cheap to clone.
#[derive(Clone)]
pub struct DecisionLog {
    inner: Arc<Inner>,
}

struct Inner {
    tx: mpsc::Sender<Message>,
    path: PathBuf,
    hmac_key: Option<TextHmacKey>,
    metrics: Metrics,
    reader: Mutex<Option<rusqlite::Connection>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

impl DecisionLog {
    /// Opens (or creates) the database, applies retention once, and starts the writer thread.
    pub fn open(options: DecisionLogOptions, metrics: Metrics) -> Result<Self, DecisionLogError> {
        std::fs::create_dir_all(&options.data_dir).map_err(|e| DecisionLogError::open(&options.data_dir, e))?;
        let path = options.data_dir.join(DATABASE_FILE);
        let conn = store::open_writer(&path)?;
        let retention = options.retention;
        let pruned = store::prune(&conn, SystemTime::now() - retention)?;
        let (tx, rx) = mpsc::channel(options.queue_capacity.max(1));
        let logger = options.otlp_logs.as_ref().map(|p| p.logger("riserbo.decision_log"));
        let writer_metrics = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || write_loop(conn, rx, retention, logger, writer_metrics))
            .map_err(|e| DecisionLogError::open(&path, e))?;
        tracing::info!(path = %path.display(), retention_days = retention.as_secs() / 86_400, pruned, hmac = options.hmac_key.is_some(), "decision log open");
        if options.hmac_key.is_none() {
            tracing::warn!("decision log: no HMAC key configured, decisions cannot be matched to a text later");
        }
        Ok(Self {
            inner: Arc::new(Inner {
                tx,
                path,
                hmac_key: options.hmac_key,
                metrics,
                reader: Mutex::new(None),
                writer: Mutex::new(Some(writer)),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The HMAC of `text` under the configured key.
    pub fn text_hmac(&self, text: &str) -> Option<String> {
        self.inner.hmac_key.as_ref().map(|k| k.digest(text))
    }

    /// Queues a decision for writing, waiting for room when the queue is full. A decision
    /// that cannot be queued (the log is shut down) is counted and reported, never silently
    /// dropped.
    pub async fn record(&self, decision: Decision) {
        if self.inner.tx.send(Message::Record(Box::new(decision))).await.is_err() {
            self.inner.metrics.decision_log_failed("closed", 1);
            tracing::error!("decision log: writer stopped, decision not recorded");
        }
    }

    /// Waits until every decision queued so far is committed.
    pub async fn flush(&self) -> Result<(), DecisionLogError> {
        let (ack, done) = oneshot::channel();
        self.inner.tx.send(Message::Flush(ack)).await.map_err(|_| DecisionLogError::Closed)?;
        done.await.map_err(|_| DecisionLogError::Closed)
    }

    /// Asks the writer to apply retention now.
    pub async fn prune(&self) {
        let _ = self.inner.tx.send(Message::Prune).await;
    }

    /// Commits everything queued and stops the writer thread. Later `record` calls are
    /// counted as failed.
    pub async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.inner.tx.send(Message::Stop(ack)).await.is_ok() {
            let _ = done.await;
        }
        let handle = self.inner.writer.lock().expect("writer lock").take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    /// One page of decisions.
    pub async fn list(&self, query: DecisionQuery) -> Result<DecisionPage, DecisionLogError> {
        let page_size = query.page_size;
        let (decisions, more) = self.read(move |conn| store::list(conn, &query)).await?;
        let next_after_id = if more { decisions.last().map(|d| d.id.clone()) } else { None };
        debug_assert!(decisions.len() <= page_size);
        Ok(DecisionPage { decisions, next_after_id })
    }

    /// Counts over a window.
    pub async fn stats(&self, query: StatsQuery) -> Result<DecisionStats, DecisionLogError> {
        self.read(move |conn| store::stats(conn, &query)).await
    }

    /// Whether the decision `id` is stored.
    pub async fn contains(&self, id: &str) -> Result<bool, DecisionLogError> {
        let id = id.to_owned();
        self.read(move |conn| store::contains(conn, &id)).await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, DecisionLogError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut reader = inner.reader.lock().expect("reader lock");
            if reader.is_none() {
                *reader = Some(store::open_reader(&inner.path)?);
            }
            Ok(f(reader.as_ref().expect("opened above"))?)
        })
        .await
        .map_err(|e| DecisionLogError::Query(e.to_string()))?
    }
}

fn write_loop(
    mut conn: rusqlite::Connection,
    mut rx: mpsc::Receiver<Message>,
    retention: Duration,
    logger: Option<opentelemetry_sdk::logs::SdkLogger>,
    metrics: Metrics,
) {
    let mut batch: Vec<Decision> = Vec::with_capacity(BATCH);
    let mut acks: Vec<oneshot::Sender<()>> = Vec::new();
    let mut prune = false;
    let mut stop = false;
    let mut last_batch_full = false;
    while !stop {
        let Some(first) = rx.blocking_recv() else { break };
        // A full last batch means a backlog: commit at once. Flushes and stops don't wait either.
        if matches!(first, Message::Record(_)) && !last_batch_full {
            std::thread::sleep(LINGER);
        }
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Record(d) => batch.push(*d),
                Message::Flush(ack) => acks.push(ack),
                Message::Prune => prune = true,
                Message::Stop(ack) => {
                    acks.push(ack);
                    stop = true;
                }
            }
            if batch.len() < BATCH && !stop {
                next = rx.try_recv().ok();
            }
        }
        last_batch_full = batch.len() >= BATCH;
        if !batch.is_empty() {
            match store::insert(&mut conn, &batch) {
                Ok(()) => {
                    metrics.decision_log_written(batch.len() as u64);
                    if let Some(logger) = &logger {
                        for d in &batch {
                            export(logger, d);
                        }
                    }
                }
                Err(e) => {
                    metrics.decision_log_failed("write", batch.len() as u64);
                    tracing::error!(error = %e, decisions = batch.len(), "decision log: write failed");
                }
            }
            batch.clear();
        }
        if prune {
            prune = false;
            match store::prune(&conn, SystemTime::now() - retention) {
                Ok(n) => tracing::debug!(pruned = n, "decision log retention applied"),
                Err(e) => tracing::error!(error = %e, "decision log: retention failed"),
            }
        }
        if stop {
            // Fold the WAL into the database so the file stands alone after exit.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
    }
}

/// The same allow-listed fields as the database row, as one OTLP log record.
fn export(logger: &opentelemetry_sdk::logs::SdkLogger, d: &Decision) {
    let mut record = logger.create_log_record();
    record.set_event_name("riserbo.decision");
    record.set_timestamp(d.time);
    record.set_severity_number(Severity::Info);
    record.set_severity_text("INFO");
    record.set_body(AnyValue::from("decision"));
    record.add_attribute("decision.id", d.id.clone());
    record.add_attribute("decision.kind", d.kind.as_str());
    record.add_attribute("tenant", d.tenant.clone());
    record.add_attribute("caller", d.caller.clone());
    record.add_attribute("policy.id", d.policy.id.clone());
    record.add_attribute("policy.version", d.policy.version.clone());
    record.add_attribute("policy.sha256", d.policy.sha256.clone());
    if let Some(v) = d.verdict {
        record.add_attribute("verdict", v.as_str());
    }
    record.add_attribute("latency_us", i64::try_from(d.latency.as_micros()).unwrap_or(i64::MAX));
    if let Some(h) = &d.text_hmac {
        record.add_attribute("text_hmac", h.clone());
    }
    for (k, v) in &d.labels {
        record.add_attribute(format!("label.{k}"), v.clone());
    }
    for c in &d.rules {
        record.add_attribute(format!("rule.{}", c.name), i64::from(c.count));
    }
    for c in &d.entities {
        record.add_attribute(format!("entity.{}", c.name), i64::from(c.count));
    }
    logger.emit(record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyRef;

    fn decision(id: &str, age: Duration) -> Decision {
        let policy = PolicyRef { id: "p".into(), version: "1".into(), sha256: "0".repeat(64) };
        let mut d = Decision::new(DecisionKind::CheckPost, id, "", "anonymous", &policy, std::time::Instant::now());
        d.time = SystemTime::now() - age;
        d.verdict = Some(Verdict::Allow);
        d
    }

    #[tokio::test]
    async fn retention_deletes_old_decisions_with_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = DecisionLogOptions::new(dir.path());
        options.retention = Duration::from_secs(30 * 86_400);
        let log = DecisionLog::open(options.clone(), Metrics::default()).unwrap();
        let mut old = decision("0190b6a0-0000-7000-8000-000000000001", Duration::from_secs(40 * 86_400));
        old.rules = vec![Count { name: "HID-01".into(), count: 1 }];
        log.record(old).await;
        log.record(decision("0190b6a0-0000-7000-8000-000000000002", Duration::ZERO)).await;
        log.flush().await.unwrap();
        assert!(log.contains("0190b6a0-0000-7000-8000-000000000001").await.unwrap());
        log.prune().await;
        log.flush().await.unwrap();
        assert!(!log.contains("0190b6a0-0000-7000-8000-000000000001").await.unwrap());
        assert!(log.contains("0190b6a0-0000-7000-8000-000000000002").await.unwrap());
        log.shutdown().await;

        // Reopening applies retention too, and the orphaned rule counts went with the row.
        let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        let rules: i64 = conn.query_row("SELECT COUNT(*) FROM decision_rules", [], |r| r.get(0)).unwrap();
        assert_eq!(rules, 0);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn records_after_shutdown_are_counted_not_lost_silently() {
        let dir = tempfile::tempdir().unwrap();
        let log = DecisionLog::open(DecisionLogOptions::new(dir.path()), Metrics::default()).unwrap();
        log.shutdown().await;
        log.record(decision("0190b6a0-0000-7000-8000-000000000003", Duration::ZERO)).await;
        assert!(log.flush().await.is_err());
    }
}

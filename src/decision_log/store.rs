//! The SQLite schema and every statement the decision log runs. Used from the writer thread
//! (inserts, retention) and from the blocking pool (dashboard queries); never from an async
//! task.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};

use super::record::{Count, Decision, DecisionKind};
use super::{DecisionLogError, DecisionQuery, DecisionStats, RuleStat, StatsQuery};
use crate::engine::verdict::Verdict;
use crate::policy::PolicyRef;

/// Bumped when the schema changes; a database from a newer Riserbo is refused.
const SCHEMA_VERSION: i64 = 1;

// Rules and entity counts get their own tables so dashboards can filter and group by them
// with an index; `time_ms` and `tenant` stay on the parent row, and the children go with
// it (ON DELETE CASCADE) when retention removes it.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS decisions (
    id             TEXT PRIMARY KEY,   -- UUIDv7: sorts by time
    time_ms        INTEGER NOT NULL,   -- Unix milliseconds
    kind           TEXT NOT NULL,      -- CheckPost | Anonymise
    tenant         TEXT NOT NULL,
    caller         TEXT NOT NULL,
    labels         TEXT NOT NULL,      -- JSON object of the caller's labels
    policy_id      TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_sha256  TEXT NOT NULL,
    verdict        TEXT,               -- ALLOW | WARN | REVIEW | BLOCK; NULL for Anonymise
    latency_us     INTEGER NOT NULL,
    text_hmac      TEXT                -- hex HMAC-SHA256 of the text; NULL without a key
);
CREATE INDEX IF NOT EXISTS decisions_tenant_time ON decisions (tenant, time_ms);
CREATE INDEX IF NOT EXISTS decisions_tenant_id ON decisions (tenant, id);   -- listing: newest first
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time_ms);
CREATE INDEX IF NOT EXISTS decisions_text_hmac ON decisions (text_hmac) WHERE text_hmac IS NOT NULL;
CREATE TABLE IF NOT EXISTS decision_rules (
    decision_id TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    rule_id     TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (decision_id, rule_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS decision_rules_rule ON decision_rules (rule_id, decision_id);
CREATE TABLE IF NOT EXISTS decision_entities (
    decision_id TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    entity_type TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (decision_id, entity_type)
) WITHOUT ROWID;
";

/// Opens (creating if needed) the database for writing: WAL, so dashboard reads never block
/// the writer; `synchronous = NORMAL`, durable across a process crash (a power cut may lose
/// the last commits, never corrupt the file).
pub(super) fn open_writer(path: &Path) -> Result<Connection, DecisionLogError> {
    let conn = Connection::open(path).map_err(|e| DecisionLogError::open(path, e))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(|e| DecisionLogError::open(path, e))?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| DecisionLogError::open(path, e))?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| DecisionLogError::open(path, e))?;
    conn.pragma_update(None, "foreign_keys", true).map_err(|e| DecisionLogError::open(path, e))?;
    let version: i64 =
        conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(|e| DecisionLogError::open(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(DecisionLogError::Open {
            path: path.display().to_string(),
            message: format!("schema version {version} is newer than this build's {SCHEMA_VERSION}"),
        });
    }
    conn.execute_batch(SCHEMA).map_err(|e| DecisionLogError::open(path, e))?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| DecisionLogError::open(path, e))?;
    Ok(conn)
}

/// Opens the database read-only, for queries.
pub(super) fn open_reader(path: &Path) -> Result<Connection, DecisionLogError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| DecisionLogError::open(path, e))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(|e| DecisionLogError::open(path, e))?;
    Ok(conn)
}

/// Writes `decisions` in one transaction: all or none.
pub(super) fn insert(conn: &mut Connection, decisions: &[Decision]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut row = tx.prepare_cached(
            "INSERT INTO decisions (id, time_ms, kind, tenant, caller, labels, policy_id, policy_version,
                                    policy_sha256, verdict, latency_us, text_hmac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut rule =
            tx.prepare_cached("INSERT INTO decision_rules (decision_id, rule_id, count) VALUES (?1, ?2, ?3)")?;
        let mut entity =
            tx.prepare_cached("INSERT INTO decision_entities (decision_id, entity_type, count) VALUES (?1, ?2, ?3)")?;
        for d in decisions {
            let labels = serde_json::to_string(&d.labels).expect("string map serialises");
            row.execute(params![
                d.id,
                unix_ms(d.time),
                d.kind.as_str(),
                d.tenant,
                d.caller,
                labels,
                d.policy.id,
                d.policy.version,
                d.policy.sha256,
                d.verdict.map(Verdict::as_str),
                i64::try_from(d.latency.as_micros()).unwrap_or(i64::MAX),
                d.text_hmac,
            ])?;
            for c in &d.rules {
                rule.execute(params![d.id, c.name, c.count])?;
            }
            for c in &d.entities {
                entity.execute(params![d.id, c.name, c.count])?;
            }
        }
    }
    tx.commit()
}

/// Deletes decisions older than `cutoff`; returns how many.
pub(super) fn prune(conn: &Connection, cutoff: SystemTime) -> Result<usize, rusqlite::Error> {
    conn.execute("DELETE FROM decisions WHERE time_ms < ?1", params![unix_ms(cutoff)])
}

/// The filter shared by listing and statistics, as SQL over `decisions d`.
struct Filter {
    sql: String,
    params: Vec<rusqlite::types::Value>,
}

impl Filter {
    fn new(tenant: &str, start: Option<SystemTime>, end: Option<SystemTime>) -> Self {
        let mut f = Filter { sql: "d.tenant = ?".to_owned(), params: vec![tenant.to_owned().into()] };
        if let Some(start) = start {
            f.and("d.time_ms >= ?", unix_ms(start).into());
        }
        if let Some(end) = end {
            f.and("d.time_ms < ?", unix_ms(end).into());
        }
        f
    }

    fn and(&mut self, clause: &str, value: rusqlite::types::Value) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
        self.params.push(value);
    }
}

/// One page of decisions matching `query`, newest first, and whether more follow.
pub(super) fn list(conn: &Connection, query: &DecisionQuery) -> Result<(Vec<Decision>, bool), rusqlite::Error> {
    let mut filter = Filter::new(&query.tenant, query.start, query.end);
    if let Some(verdict) = query.verdict {
        filter.and("d.verdict = ?", verdict.as_str().to_owned().into());
    }
    if let Some(kind) = query.kind {
        filter.and("d.kind = ?", kind.as_str().to_owned().into());
    }
    if let Some(rule) = &query.rule_id {
        filter.and(
            "EXISTS (SELECT 1 FROM decision_rules r WHERE r.decision_id = d.id AND r.rule_id = ?)",
            rule.clone().into(),
        );
    }
    if let Some(hmac) = &query.text_hmac {
        filter.and("d.text_hmac = ?", hmac.clone().into());
    }
    if let Some(after) = &query.after_id {
        filter.and("d.id < ?", after.clone().into());
    }
    // One row more than the page tells whether there is a next page.
    let sql = format!(
        "SELECT d.id, d.time_ms, d.kind, d.tenant, d.caller, d.labels, d.policy_id, d.policy_version,
                d.policy_sha256, d.verdict, d.latency_us, d.text_hmac
         FROM decisions d WHERE {} ORDER BY d.id DESC LIMIT {}",
        filter.sql,
        query.page_size + 1
    );
    let mut statement = conn.prepare(&sql)?;
    let mut decisions = statement
        .query_map(params_from_iter(filter.params), |row| {
            let labels: String = row.get(5)?;
            let verdict: Option<String> = row.get(9)?;
            let kind: String = row.get(2)?;
            Ok(Decision {
                id: row.get(0)?,
                time: from_unix_ms(row.get(1)?),
                kind: DecisionKind::parse(&kind).unwrap_or(DecisionKind::CheckPost),
                tenant: row.get(3)?,
                caller: row.get(4)?,
                labels: serde_json::from_str::<BTreeMap<String, String>>(&labels).unwrap_or_default(),
                policy: PolicyRef { id: row.get(6)?, version: row.get(7)?, sha256: row.get(8)? },
                verdict: verdict.and_then(|v| v.parse().ok()),
                rules: Vec::new(),
                entities: Vec::new(),
                latency: Duration::from_micros(row.get::<_, i64>(10)?.max(0) as u64),
                text_hmac: row.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = decisions.len() > query.page_size;
    decisions.truncate(query.page_size);
    let mut rules =
        conn.prepare_cached("SELECT rule_id, count FROM decision_rules WHERE decision_id = ?1 ORDER BY rule_id")?;
    let mut entities = conn.prepare_cached(
        "SELECT entity_type, count FROM decision_entities WHERE decision_id = ?1 ORDER BY entity_type",
    )?;
    for d in &mut decisions {
        let count = |row: &rusqlite::Row<'_>| Ok(Count { name: row.get(0)?, count: row.get(1)? });
        d.rules = rules.query_map([&d.id], count)?.collect::<Result<_, _>>()?;
        d.entities = entities.query_map([&d.id], count)?.collect::<Result<_, _>>()?;
    }
    Ok((decisions, more))
}

/// Counts per kind, verdict, rule and entity type over a window.
pub(super) fn stats(conn: &Connection, query: &StatsQuery) -> Result<DecisionStats, rusqlite::Error> {
    let filter = Filter::new(&query.tenant, query.start, query.end);
    let mut stats = DecisionStats::default();

    let sql =
        format!("SELECT d.kind, d.verdict, COUNT(*) FROM decisions d WHERE {} GROUP BY d.kind, d.verdict", filter.sql);
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query(params_from_iter(filter.params.iter()))?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        let verdict: Option<String> = row.get(1)?;
        let n: i64 = row.get(2)?;
        let n = n.max(0) as u64;
        stats.total += n;
        match DecisionKind::parse(&kind) {
            Some(DecisionKind::CheckPost) => stats.check_post += n,
            Some(DecisionKind::Anonymise) => stats.anonymise += n,
            None => {}
        }
        if let Some(verdict) = verdict.and_then(|v| v.parse::<Verdict>().ok()) {
            match stats.verdicts.iter_mut().find(|(v, _)| *v == verdict) {
                Some((_, count)) => *count += n,
                None => stats.verdicts.push((verdict, n)),
            }
        }
    }
    stats.verdicts.sort_by_key(|(v, _)| *v);

    let sql = format!(
        "SELECT r.rule_id, COUNT(*), SUM(r.count) FROM decision_rules r JOIN decisions d ON d.id = r.decision_id
         WHERE {} GROUP BY r.rule_id ORDER BY r.rule_id",
        filter.sql
    );
    let mut statement = conn.prepare(&sql)?;
    stats.rules = statement
        .query_map(params_from_iter(filter.params.iter()), |row| {
            Ok(RuleStat {
                rule_id: row.get(0)?,
                decisions: row.get::<_, i64>(1)?.max(0) as u64,
                findings: row.get::<_, i64>(2)?.max(0) as u64,
            })
        })?
        .collect::<Result<_, _>>()?;

    let sql = format!(
        "SELECT e.entity_type, SUM(e.count) FROM decision_entities e JOIN decisions d ON d.id = e.decision_id
         WHERE {} GROUP BY e.entity_type ORDER BY e.entity_type",
        filter.sql
    );
    let mut statement = conn.prepare(&sql)?;
    stats.entities = statement
        .query_map(params_from_iter(filter.params.iter()), |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?.max(0) as u64))
        })?
        .collect::<Result<_, _>>()?;
    Ok(stats)
}

/// Whether a decision with this id is stored (tests and tools).
pub(super) fn contains(conn: &Connection, id: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row("SELECT 1 FROM decisions WHERE id = ?1", [id], |_| Ok(())).optional().map(|r| r.is_some())
}

fn unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

fn from_unix_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

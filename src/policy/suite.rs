//! Policy unit tests, as a clinic writes them (like `opa test`): a post, its context, and
//! what the policy must decide. `riserbo policy test DIR` runs every `*.toml` file in DIR;
//! the default policy ships with its own suite in `src/policy/default/tests/`.
//!
//! ```toml
//! tenant = "acme/milano"          # optional: the tenant every test of the file uses
//!
//! [[test]]
//! name = "a patient named with a treatment is blocked"
//! text = "Oggi la sig.ra Rossi ha fatto l'impianto"
//! account = "PERSONAL"             # context: account, channel, platform, language, locale,
//! channel = "PUBLIC_POST"          # author_name, consent_reference, attachments
//! verdict = "BLOCK"                # the exact verdict (or min_verdict / max_verdict)
//! rules = ["HID-01"]               # rules that must fire
//! absent_rules = ["PID-02"]        # rules that must not fire
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{PolicyError, PolicyStore};
use crate::engine::context::{AccountKind, Attachment, AttachmentKind, Channel, Language, Platform, PostContext};
use crate::engine::verdict::Verdict;
use crate::error::Limits;

/// One file of policy tests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Tenant for every test in the file ("" or absent: the default policy).
    #[serde(default)]
    pub tenant: String,
    #[serde(rename = "test", default)]
    pub tests: Vec<PolicyTest>,
}

/// One policy test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyTest {
    pub name: String,
    pub text: String,
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub account: AccountKind,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub platform: Platform,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub consent_reference: Option<String>,
    #[serde(default)]
    pub attachments: Vec<TestAttachment>,
    /// The exact verdict expected.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The verdict must be at least this.
    #[serde(default)]
    pub min_verdict: Option<Verdict>,
    /// The verdict must be at most this.
    #[serde(default)]
    pub max_verdict: Option<Verdict>,
    /// Rules that must fire.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Rules that must not fire.
    #[serde(default)]
    pub absent_rules: Vec<String>,
    /// Text the anonymised rewrite must not contain.
    #[serde(default)]
    pub anonymised_excludes: Vec<String>,
}

/// An attachment of a test post.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestAttachment {
    pub kind: AttachmentKind,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub alt_text: String,
}

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub file: String,
    pub name: String,
    /// Why it failed; empty when it passed.
    pub failures: Vec<String>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Test files in `dir` (or `dir` itself when it is a file), sorted.
pub fn test_files(dir: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    if dir.is_file() {
        return Ok(vec![dir.to_owned()]);
    }
    let io = |e: std::io::Error| PolicyError::Io { file: dir.display().to_string(), message: e.to_string() };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs the tests of one file against `store`.
pub fn run_file(store: &PolicyStore, path: &Path) -> Result<Vec<TestResult>, PolicyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PolicyError::Io { file: path.display().to_string(), message: e.to_string() })?;
    let source = super::source::Source::new(path.display().to_string(), text);
    let file: TestFile = toml::from_str(&source.text).map_err(|e| {
        let line = e.span().map(|s| super::source::line_col(&source.text, s.start).0);
        PolicyError::Parse {
            location: super::Location { file: source.name.clone(), line, column: None },
            field: String::new(),
            message: e.message().trim().to_owned(),
        }
    })?;
    Ok(file.tests.iter().map(|t| run_test(store, &source.name, &file.tenant, t)).collect())
}

fn run_test(store: &PolicyStore, file: &str, file_tenant: &str, test: &PolicyTest) -> TestResult {
    let mut failures = Vec::new();
    let tenant = test.tenant.as_deref().unwrap_or(file_tenant);
    let result = store.get(tenant).map_err(|e| e.to_string()).and_then(|policy| {
        let language = |v: &Option<String>| -> Result<Option<Language>, String> {
            v.as_deref().map(|c| Language::from_code(c).ok_or_else(|| format!("unknown language {c:?}"))).transpose()
        };
        let context = PostContext {
            account: test.account,
            channel: test.channel,
            platform: test.platform,
            attachments: test
                .attachments
                .iter()
                .map(|a| Attachment { kind: a.kind, caption: a.caption.clone(), alt_text: a.alt_text.clone() })
                .collect(),
            consent_reference: test.consent_reference.clone(),
            author_name: test.author_name.clone(),
            language: language(&test.language)?,
            locale: language(&test.locale)?,
            labels: Default::default(),
        };
        policy.check(&test.text, &context, &Limits::default()).map_err(|e| e.to_string())
    });
    match result {
        Err(error) => failures.push(error),
        Ok(report) => {
            let fired: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
            let got = format!("got {} {:?}", report.verdict, fired);
            if let Some(want) = test.verdict
                && report.verdict != want
            {
                failures.push(format!("expected verdict {want}, {got}"));
            }
            if let Some(min) = test.min_verdict
                && report.verdict < min
            {
                failures.push(format!("expected at least {min}, {got}"));
            }
            if let Some(max) = test.max_verdict
                && report.verdict > max
            {
                failures.push(format!("expected at most {max}, {got}"));
            }
            for rule in &test.rules {
                if !fired.contains(&rule.as_str()) {
                    failures.push(format!("expected rule {rule} to fire, {got}"));
                }
            }
            for rule in &test.absent_rules {
                if fired.contains(&rule.as_str()) {
                    failures.push(format!("expected rule {rule} not to fire, {got}"));
                }
            }
            for excluded in &test.anonymised_excludes {
                if report.anonymised_text.contains(excluded.as_str()) {
                    failures.push(format!("anonymised text still contains {excluded:?}"));
                }
            }
        }
    }
    TestResult { file: file.to_owned(), name: test.name.clone(), failures }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default policy's own suite: `riserbo policy test src/policy/default/tests` in CI
    /// runs the same files through the binary.
    #[test]
    fn the_default_policy_passes_its_own_tests() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/policy/default/tests");
        let store = PolicyStore::with_default();
        let mut failed = Vec::new();
        let mut count = 0;
        for file in test_files(&dir).unwrap() {
            for result in run_file(&store, &file).unwrap() {
                count += 1;
                if !result.passed() {
                    failed.push(format!("{}: {}: {}", result.file, result.name, result.failures.join("; ")));
                }
            }
        }
        assert!(count >= 40, "only {count} default policy tests");
        assert!(failed.is_empty(), "{} of {count} failed:\n{}", failed.len(), failed.join("\n"));
    }

    #[test]
    fn failures_say_what_was_expected_and_what_happened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(
            &path,
            "[[test]]\nname = \"wrong on purpose\"\ntext = \"Cinque consigli per un alito fresco.\"\nverdict = \"BLOCK\"\nrules = [\"HID-01\"]\n",
        )
        .unwrap();
        let results = run_file(&PolicyStore::with_default(), &path).unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].failures.len(), 2, "{:?}", results[0].failures);
        assert!(results[0].failures[0].contains("expected verdict BLOCK, got ALLOW"));
    }
}

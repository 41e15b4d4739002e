//! Policies: the file format ([`model`]), loading and validation ([`compile`]), the
//! compiled form that answers checks ([`CompiledPolicy`]) and the tenant store.

pub mod compile;
mod compiled;
pub mod model;
mod store;

pub use compiled::{AnonymiseInput, AnonymiseReport, CheckReport, CompiledPolicy, EntityCount};
pub use store::{PolicyStore, TenantSet};

/// The embedded default policy.
pub const DEFAULT_POLICY: &str = include_str!("default/policy.toml");

/// Which policy decided an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
    /// Hex SHA-256 of the effective policy.
    pub sha256: String,
}

/// A policy cannot be loaded or found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown tenant {0:?}")]
    UnknownTenant(String),
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {field}: {reason}")]
    Invalid { file: String, field: String, reason: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}

/// Parses and compiles a policy from TOML text; `source` names it in errors (a path, or
/// "<default>").
pub fn load_str(text: &str, source: &str) -> Result<CompiledPolicy, PolicyError> {
    let file: model::PolicyFile = toml::from_str(text)
        .map_err(|e| PolicyError::Parse { file: source.to_owned(), message: describe_toml_error(text, &e) })?;
    compile::compile(&file, source)
}

/// The embedded default policy, compiled.
pub fn default_policy() -> CompiledPolicy {
    load_str(DEFAULT_POLICY, "<default>").expect("the embedded default policy compiles (tested)")
}

/// "line L, column C: message" for a TOML error.
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", error.message())
        }
        None => error.message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_compiles() {
        let policy = default_policy();
        assert_eq!(policy.reference.id, "riserbo-default");
        assert_eq!(policy.reference.sha256.len(), 64);
        assert!(!policy.engine.rules().rules.is_empty());
    }

    #[test]
    fn errors_point_at_line_and_field() {
        let text = "[policy]\nid = \"x\"\nversion = \"1\"\n\n[[rule]]\nid = \"R\"\ntitle = \"t\"\ncategory = \"NOT_A_CATEGORY\"\n";
        let err = load_str(text, "clinic.toml").unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml: line 8"), "{err}");
        assert!(err.contains("NOT_A_CATEGORY"), "{err}");

        let text = "[policy]\nid = \"x\"\nversion = \"1\"\nsurprise = true\n";
        let err = load_str(text, "clinic.toml").unwrap_err().to_string();
        assert!(err.contains("line 4") && err.contains("surprise"), "{err}");
    }

    #[test]
    fn digest_ignores_formatting() {
        let a = load_str("[policy]\nid = \"x\"\nversion = \"1\"\n", "a").unwrap();
        let b = load_str("[policy]\n  id = 'x'   # comment\nversion='1'\n", "b").unwrap();
        assert_eq!(a.reference.sha256, b.reference.sha256);
    }
}

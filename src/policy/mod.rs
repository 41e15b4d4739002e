//! Policies: the file format ([`model`]), layering of files, includes and clinic overlays
//! ([`layer`]), loading a file or a directory of tenants ([`load`]), validation and
//! compilation ([`compile`]), the compiled form that answers checks ([`CompiledPolicy`]), the
//! tenant store and hot reload ([`reload`]).

pub mod compile;
mod compiled;
pub mod describe;
pub mod document;
pub mod layer;
pub mod load;
pub mod model;
pub mod reload;
pub mod source;
mod store;
pub mod suite;

pub use compiled::{AnonymiseInput, AnonymiseReport, CheckReport, CompiledPolicy, EntityCount};
pub use source::Location;
pub use store::{PolicyStatus, PolicyStore, TenantSet};

/// The embedded default policy: its rules.
pub const DEFAULT_POLICY: &str = include_str!("default/policy.toml");
/// The embedded default policy: the cue lexicons and patterns its rules use (included by
/// `policy.toml`).
pub const DEFAULT_LEXICONS: &str = include_str!("default/lexicons.toml");

/// Which policy decided an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
    /// Hex SHA-256 of the effective policy.
    pub sha256: String,
}

/// A policy cannot be loaded or found. Load errors name the file, the line and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown tenant {0:?}")]
    UnknownTenant(String),
    #[error("{location}: {}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
    Parse { location: Location, field: String, message: String },
    #[error("{location}: {field}: {reason}")]
    Invalid { location: Location, field: String, reason: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}

/// Parses and compiles one self-contained policy text (no includes, no base); `source` names
/// it in errors.
pub fn load_str(text: &str, source: &str) -> Result<CompiledPolicy, PolicyError> {
    let source = source::Source::new(source, text);
    let file = source.parse()?;
    let effective = load::single(&file, source, None)?;
    compile::compile(&effective)
}

/// The embedded default policy, compiled.
pub fn default_policy() -> CompiledPolicy {
    compile::compile(&load::builtin().expect("the embedded default policy loads (tested)"))
        .expect("the embedded default policy compiles (tested)")
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
    fn errors_point_at_file_line_and_field() {
        let text = "[policy]\nid = \"x\"\nversion = \"1\"\n\n[[rule]]\nid = \"R\"\ntitle = \"t\"\ncategory = \"NOT_A_CATEGORY\"\n";
        let err = load_str(text, "clinic.toml").unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml:8:"), "{err}");
        assert!(err.contains("rule[0].category") && err.contains("NOT_A_CATEGORY"), "{err}");

        let text = "[policy]\nid = \"x\"\nversion = \"1\"\nsurprise = true\n";
        let err = load_str(text, "clinic.toml").unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml:4:") && err.contains("surprise"), "{err}");
    }

    #[test]
    fn digest_ignores_formatting() {
        let a = load_str("[policy]\nid = \"x\"\nversion = \"1\"\n", "a").unwrap();
        let b = load_str("[policy]\n  id = 'x'   # comment\nversion='1'\n", "b").unwrap();
        assert_eq!(a.reference.sha256, b.reference.sha256);
    }
}

//! Policy texts and where their errors are: every error names the file, the line and the
//! field (`clinic.toml:42: rules.ADV-02.severity.default: …`). Lines come from the spans of a
//! second, span-keeping parse of the TOML text, done only when an error is reported.

use std::fmt;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::PolicyError;
use super::model::PolicyFile;

/// A policy text and the name it is reported under (a path, or `<builtin>/policy.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<Self> {
        Arc::new(Self { name: name.into(), text: text.into() })
    }

    /// Parses the text as a policy layer; syntax errors and unknown or misspelt keys are
    /// reported with their line, column and field.
    pub fn parse(&self) -> Result<PolicyFile, PolicyError> {
        toml::from_str(&self.text).map_err(|e| {
            let (line, column) = e.span().map_or((None, None), |span| {
                let (l, c) = line_col(&self.text, span.start);
                (Some(l), Some(c))
            });
            let field = e.span().and_then(|span| field_at(&self.text, span.start)).unwrap_or_default();
            PolicyError::Parse {
                location: Location { file: self.name.clone(), line, column },
                field,
                message: e.message().trim().to_owned(),
            }
        })
    }
}

/// Where in a policy file something is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(key: &str) -> Self {
        Seg::Key(key.to_owned())
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Self {
        Seg::Index(index)
    }
}

/// A field path written as in the docs: `rule[3].params.window`.
pub fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line of the value at `path` in `text`, if the path exists there.
pub fn line_of(text: &str, path: &[Seg]) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
    for seg in path {
        let current = match (seg, value.map(|v| v.get_ref())) {
            (Seg::Key(k), None) => table.get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => {
                table = t;
                table.get(k.as_str())
            }
            (Seg::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        }?;
        value = Some(current);
    }
    let span = value?.span();
    Some(line_col(text, span.start).0)
}

/// The index of the entry of array `array_path` whose `key` equals `value`
/// (`rule` entries by `id`, `recogniser` entries by `name`).
pub fn index_where(text: &str, array_path: &[Seg], key: &str, wanted: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
    for seg in array_path {
        let current = match (seg, value.map(|v| v.get_ref())) {
            (Seg::Key(k), None) => table.get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => {
                table = t;
                table.get(k.as_str())
            }
            _ => None,
        }?;
        value = Some(current);
    }
    let DeValue::Array(items) = value?.get_ref() else {
        return None;
    };
    items.iter().position(|item| match item.get_ref() {
        DeValue::Table(t) => t.get(key).is_some_and(|v| matches!(v.get_ref(), DeValue::String(s) if s == wanted)),
        _ => false,
    })
}

/// The dotted path of the key whose value (or key) contains byte `offset`. Searches every
/// leaf: a table's own span does not always cover its sub-tables (`[a.b]` headers).
fn field_at(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find_in_table(doc.get_ref(), offset, &mut path).then(|| display_path(&path))
}

fn contains(span: std::ops::Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

fn find_in_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<Seg>) -> bool {
    for (key, value) in table.iter() {
        path.push(Seg::Key(key.get_ref().to_string()));
        if contains(key.span(), offset) || find_in_value(value, offset, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(value: &toml::Spanned<DeValue<'_>>, offset: usize, path: &mut Vec<Seg>) -> bool {
    match value.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset, path) || (t.is_empty() && contains(value.span(), offset)),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if find_in_value(item, offset, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => contains(value.span(), offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[policy]\nid = \"x\"\nversion = \"1\"\n\n[[rule]]\nid = \"A\"\nparams.window = 3\n\n[[rule]]\nid = \"B\"\nparams.window = 4\n\n[rules.C.severity]\ndefault = \"BLOCK\"\n";

    #[test]
    fn finds_lines_of_paths() {
        assert_eq!(line_of(TEXT, &["policy".into(), "version".into()]), Some(3));
        assert_eq!(line_of(TEXT, &["rule".into(), 1.into(), "params".into(), "window".into()]), Some(11));
        assert_eq!(line_of(TEXT, &["rules".into(), "C".into(), "severity".into(), "default".into()]), Some(14));
        assert_eq!(line_of(TEXT, &["rule".into(), 5.into()]), None);
        assert_eq!(index_where(TEXT, &["rule".into()], "id", "B"), Some(1));
    }

    #[test]
    fn parse_errors_name_line_and_field() {
        let source = Source::new(
            "clinic.toml",
            "[policy]\nid = \"x\"\nversion = \"1\"\n\n[rules.A.severity]\ndefault = \"BLOKC\"\n",
        );
        let err = source.parse().unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml:6:"), "{err}");
        assert!(err.contains("rules.A.severity.default") && err.contains("BLOKC"), "{err}");
    }

    #[test]
    fn paths_display_like_the_docs() {
        assert_eq!(display_path(&["rule".into(), 3.into(), "params".into()]), "rule[3].params");
    }
}

//! Anonymise operators: turn detected entities into replaced, redacted, masked, hashed,
//! pseudonymised, encrypted or generalised text, and report where each item was and is;
//! and Deanonymise, which reverses `encrypt`.
//!
//! Guarantee: every occurrence of a detected value is transformed, not only the one a
//! recogniser matched ("la signora Benedetti … Benedetti è tornata"), so the output never
//! contains a detected value unless its operator is `keep`.
//!
//! Keyed operators (`hash`, `pseudonymise`, `encrypt`) use the tenant's keys ([`keys`]),
//! never a built-in or unkeyed fallback: without keys they fail with
//! [`AnonymiseError::MissingKey`].

mod crypto;
pub mod generalise;
pub mod keys;
mod mask;
mod mentions;
mod operators;
mod pseudonym;

pub use crypto::{Deanonymised, RestoredItem, TOKEN_MARKER, TokenProblem, deanonymise};
pub use generalise::DateGranularity;
pub use keys::{KeyContext, KeyError, Keyring, TenantKeys};
pub use mentions::expand_mentions;
pub use operators::{HASH_TRUNCATE, Operator};
pub use pseudonym::{DEFAULT_LETTERS as DEFAULT_PSEUDONYM_LETTERS, LETTERS as PSEUDONYM_LETTERS};

use std::collections::HashMap;

use crate::engine::context::Language;
use crate::engine::entity::{ByteSpan, Entity, EntityType};

/// An operator cannot be applied, or a token cannot be restored. Messages name the field
/// and never contain text, values or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnonymiseError {
    /// A malformed operator (INVALID_ARGUMENT).
    #[error("{field}: {reason}")]
    InvalidOperator { field: String, reason: String },
    /// A keyed operator, or Deanonymise, for a tenant without keys (FAILED_PRECONDITION).
    #[error(
        "{field}: {operator} needs a key, and tenant {tenant:?} has none configured (load a key file with --keys; see docs/keys.md)"
    )]
    MissingKey { field: String, tenant: String, operator: &'static str },
    /// `encrypt.key_id` names a key the tenant does not have (FAILED_PRECONDITION).
    #[error("{field}: tenant {tenant:?} has no key id {key_id:?}")]
    UnknownKeyId { field: String, tenant: String, key_id: String },
    /// A token in a Deanonymise text cannot be restored (INVALID_ARGUMENT); `index` counts
    /// tokens from 1, `span` is in UTF-8 bytes of the request text.
    #[error("text: token {index} at bytes {}..{}: {}", span.start, span.end, problem.describe())]
    Token { index: usize, span: ByteSpan, problem: TokenProblem },
    /// Deanonymise is switched off on this server (FAILED_PRECONDITION).
    #[error(
        "Deanonymise is disabled on this server: start it with --enable-deanonymise (RISERBO_ENABLE_DEANONYMISE=true) once only authorised callers can reach it"
    )]
    DeanonymiseDisabled,
}

/// Which operator applies to which entity type.
#[derive(Debug, Clone, Default)]
pub struct OperatorConfig {
    pub default: Operator,
    pub per_type: HashMap<EntityType, Operator>,
}

impl OperatorConfig {
    pub fn for_type(&self, entity_type: EntityType) -> &Operator {
        self.per_type.get(&entity_type).unwrap_or(&self.default)
    }
}

/// What keyed operators and pseudonyms need besides the text: the tenant's keys, the
/// pseudonym scope, and the language pseudonym words are written in.
#[derive(Debug, Clone, Copy)]
pub struct AnonymiseContext<'a> {
    pub keys: KeyContext<'a>,
    /// The same value in the same tenant and scope gets the same pseudonym.
    pub pseudonym_scope: &'a str,
    pub language: Language,
}

impl AnonymiseContext<'_> {
    /// No keys, default scope, English: enough for `replace`, `redact`, `mask`, `keep` and
    /// `generalise`.
    pub fn unkeyed() -> AnonymiseContext<'static> {
        AnonymiseContext { keys: KeyContext::none(""), pseudonym_scope: "", language: Language::English }
    }
}

/// One transformed value.
#[derive(Debug, Clone, PartialEq)]
pub struct AnonymisedItem {
    pub entity_type: EntityType,
    /// Where the value was in the input text.
    pub original: ByteSpan,
    /// Where its replacement is in the output text (empty for `redact`).
    pub anonymised: ByteSpan,
    /// The operator applied, e.g. "replace" (`generalise` reports "replace" for a value it
    /// could not parse and replaced with `<ENTITY_TYPE>`).
    pub operator: &'static str,
    /// The detection's confidence.
    pub score: f32,
}

/// The output of [`anonymise`].
#[derive(Debug, Clone, PartialEq)]
pub struct Anonymised {
    pub text: String,
    /// In text order.
    pub items: Vec<AnonymisedItem>,
}

/// Applies `operators` to `entities` without keys (see [`anonymise_with`]).
pub fn anonymise(text: &str, entities: &[Entity], operators: &OperatorConfig) -> Result<Anonymised, AnonymiseError> {
    anonymise_with(text, entities, operators, &AnonymiseContext::unkeyed())
}

/// Applies `operators` to `entities` (non-overlapping, any order) in `text`. Other
/// occurrences of the same values are transformed too (see the module docs).
pub fn anonymise_with(
    text: &str,
    entities: &[Entity],
    operators: &OperatorConfig,
    ctx: &AnonymiseContext<'_>,
) -> Result<Anonymised, AnonymiseError> {
    let mut entities = expand_mentions(text, entities);
    entities.sort_by_key(|e| e.span.start);

    let mut out = String::with_capacity(text.len());
    let mut items = Vec::with_capacity(entities.len());
    let mut cursor = 0;
    for entity in &entities {
        let span = entity.span;
        debug_assert!(span.start >= cursor, "entities must not overlap");
        if span.start < cursor {
            continue;
        }
        let operator = operators.for_type(entity.entity_type);
        let value = &text[span.start..span.end];
        let mut start = span.start;
        if matches!(operator, Operator::Redact) {
            start = operators::redaction_start(text, cursor, span);
        }
        out.push_str(&text[cursor..start]);
        let replaced_at = out.len();
        let applied = operator.apply(entity.entity_type, value, ctx, &mut out)?;
        items.push(AnonymisedItem {
            entity_type: entity.entity_type,
            original: span,
            anonymised: ByteSpan::new(replaced_at, out.len()),
            operator: applied,
            score: entity.score,
        });
        cursor = span.end;
    }
    out.push_str(&text[cursor..]);
    Ok(Anonymised { text: out, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entity::Role;

    fn entity(text: &str, value: &str, entity_type: EntityType) -> Entity {
        let start = text.find(value).unwrap();
        Entity {
            span: ByteSpan::new(start, start + value.len()),
            entity_type,
            score: 1.0,
            role: Role::Unknown,
            recogniser: "test",
        }
    }

    #[test]
    fn replaces_with_entity_type_and_reports_both_spans() {
        let text = "Scrivi a mario@example.com 😀 o chiama +39 328 445 1290.";
        let entities = [
            entity(text, "mario@example.com", EntityType::EmailAddress),
            entity(text, "+39 328 445 1290", EntityType::PhoneNumber),
        ];
        let out = anonymise(text, &entities, &OperatorConfig::default()).unwrap();
        assert_eq!(out.text, "Scrivi a <EMAIL_ADDRESS> 😀 o chiama <PHONE_NUMBER>.");
        for item in &out.items {
            let replacement = &out.text[item.anonymised.start..item.anonymised.end];
            assert_eq!(replacement, format!("<{}>", item.entity_type));
        }
    }

    #[test]
    fn every_mention_of_a_value_is_replaced() {
        let text = "La signora Benedetti è tornata. Benedetti sta bene.";
        let out =
            anonymise(text, &[entity(text, "Benedetti", EntityType::Person)], &OperatorConfig::default()).unwrap();
        assert_eq!(out.text, "La signora <PERSON> è tornata. <PERSON> sta bene.");
        assert_eq!(out.items.len(), 2);
    }

    #[test]
    fn redact_tidies_spaces() {
        let text = "Chiama Mario Rossi domani";
        let ops = OperatorConfig { default: Operator::Redact, ..Default::default() };
        let out = anonymise(text, &[entity(text, "Mario Rossi", EntityType::Person)], &ops).unwrap();
        assert_eq!(out.text, "Chiama domani");
        assert!(out.items[0].anonymised.is_empty());
    }
}

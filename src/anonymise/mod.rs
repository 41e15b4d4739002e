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

impl Anonymised {
    /// Maps a span of the output back to the input, when it lies in text no operator touched
    /// (not overlapping a replacement, not across a redaction); `None` otherwise.
    pub fn original_span(&self, span: ByteSpan) -> Option<ByteSpan> {
        // (end in the input, end in the output) of the last item before `span`.
        let mut base = (0, 0);
        for item in &self.items {
            if item.anonymised.end <= span.start {
                base = (item.original.end, item.anonymised.end);
            } else if item.anonymised.start >= span.end {
                break;
            } else {
                return None;
            }
        }
        Some(ByteSpan::new(base.0 + (span.start - base.1), base.0 + (span.end - base.1)))
    }
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

    // Each operator on an Italian and an English text with accents, emoji and a repeated
    // name, so the mention expansion, byte offsets after multi-byte characters and the
    // language of pseudonyms are all exercised.

    const IT: &str = "La sig.ra Zoë Müller 😀 è tornata: chiamala al +39 328 445 4567 o scrivi a zoë.müller@esempio.it. Zoë Müller ringrazia!";
    const EN: &str =
        "Mrs. Zoë O’Brien 🦷 called from +44 7700 900456; email zoe.obrien@example.co.uk. Thanks, Zoë O’Brien!";

    fn entities(text: &str) -> Vec<Entity> {
        let (name, phone, email) = if text == IT {
            ("Zoë Müller", "+39 328 445 4567", "zoë.müller@esempio.it")
        } else {
            ("Zoë O’Brien", "+44 7700 900456", "zoe.obrien@example.co.uk")
        };
        vec![
            entity(text, name, EntityType::Person),
            entity(text, phone, EntityType::PhoneNumber),
            entity(text, email, EntityType::EmailAddress),
        ]
    }

    fn run(text: &str, operator: Operator, ring: &Keyring, scope: &str) -> Anonymised {
        let language = if text == IT { Language::Italian } else { Language::English };
        let ctx = AnonymiseContext { keys: ring.context(""), pseudonym_scope: scope, language };
        let ops = OperatorConfig { default: operator, ..Default::default() };
        anonymise_with(text, &entities(text), &ops, &ctx).unwrap()
    }

    /// The replacement each item's output span points at.
    fn replacements(out: &Anonymised) -> Vec<&str> {
        out.items.iter().map(|i| &out.text[i.anonymised.start..i.anonymised.end]).collect()
    }

    fn originals<'t>(text: &'t str, out: &Anonymised) -> Vec<&'t str> {
        out.items.iter().map(|i| &text[i.original.start..i.original.end]).collect()
    }

    #[test]
    fn each_operator_in_italian_and_english() {
        let ring = keys::tests::keyring();
        for text in [IT, EN] {
            let values = originals(text, &run(text, Operator::Keep, &ring, ""))
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            assert_eq!(values.len(), 4, "name, phone, e-mail, name again: {values:?}");

            let out = run(text, Operator::default(), &ring, "");
            assert_eq!(replacements(&out), ["<PERSON>", "<PHONE_NUMBER>", "<EMAIL_ADDRESS>", "<PERSON>"]);

            let out = run(text, Operator::Redact, &ring, "");
            assert!(replacements(&out).iter().all(|r| r.is_empty()));
            assert!(!out.text.contains("  "), "{}", out.text);

            let out = run(text, Operator::Mask { masking_char: '#', chars_to_mask: 0, from_end: false }, &ring, "");
            let masked = replacements(&out);
            assert!(masked[1] == "+39 ### ### ####" || masked[1] == "+44 #### ######", "{masked:?}");
            assert!(masked[0].starts_with("### ") && masked[2].contains('@') && masked[2].contains('.'), "{masked:?}");

            let out = run(text, Operator::Hash { truncate: 16 }, &ring, "");
            let hashes = replacements(&out);
            assert!(hashes.iter().all(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit())));
            assert_eq!(hashes[0], hashes[3], "the same name hashes the same");
            assert_ne!(hashes[0], hashes[1]);

            let out = run(text, Operator::Pseudonymise { letters: 0 }, &ring, "thread-9");
            let labels = replacements(&out);
            let word = if text == IT { "Paziente " } else { "Patient " };
            assert!(labels[0].starts_with(word), "{labels:?}");
            assert_eq!(labels[0], labels[3], "the same name gets the same pseudonym");
            assert_eq!(out, run(text, Operator::Pseudonymise { letters: 0 }, &ring, "thread-9"), "stable");

            let out = run(text, Operator::Encrypt { key_id: None }, &ring, "");
            assert!(replacements(&out).iter().all(|t| t.starts_with("[ENC:") && t.contains(":k2:")));
            let restored = deanonymise(&out.text, &ring.context("")).unwrap();
            assert_eq!(restored.text, text, "encrypt round-trips exactly");
            assert_eq!(restored.items.len(), 4);

            let out = run(text, Operator::Keep, &ring, "");
            assert_eq!(out.text, text);
            assert_eq!(replacements(&out), values.iter().map(String::as_str).collect::<Vec<_>>());

            for operator in [
                Operator::default(),
                Operator::Redact,
                Operator::Mask { masking_char: '*', chars_to_mask: 0, from_end: true },
                Operator::Hash { truncate: 0 },
                Operator::Pseudonymise { letters: 4 },
                Operator::Encrypt { key_id: Some("k1".into()) },
            ] {
                let out = run(text, operator.clone(), &ring, "");
                assert_eq!(originals(text, &out), values, "{operator:?}: original spans");
                assert!(out.items.iter().all(|i| i.operator == operator.name()));
                for value in &values {
                    assert!(!out.text.contains(value.as_str()), "{operator:?} left {value:?} in {:?}", out.text);
                }
            }
        }
    }

    #[test]
    fn generalise_in_italian_and_english() {
        let it = "Il 12 marzo 2024 😀 la paziente di 45 anni di Via Roma 12, 20121 Milano (MI) è tornata.";
        let en = "On 3rd March 2024 🦷 a 45-year-old from 221B Baker Street, London NW1 6XE came back.";
        let cases = [
            (it, "12 marzo 2024", "45 anni", "Via Roma 12, 20121 Milano (MI)", Language::Italian),
            (en, "3rd March 2024", "45-year-old", "221B Baker Street, London NW1 6XE", Language::English),
        ];
        for (text, date, age, address, language) in cases {
            let entities = [
                entity(text, date, EntityType::DateTime),
                entity(text, age, EntityType::Age),
                entity(text, address, EntityType::Address),
            ];
            let ctx = AnonymiseContext { language, ..AnonymiseContext::unkeyed() };
            let year =
                OperatorConfig { default: Operator::Generalise { dates: DateGranularity::Year }, ..Default::default() };
            let month = OperatorConfig {
                default: Operator::Generalise { dates: DateGranularity::Month },
                ..Default::default()
            };
            let out = anonymise_with(text, &entities, &month, &ctx).unwrap();
            let expected_month = if language == Language::Italian {
                "Il marzo 2024 😀 la paziente di 40-49 anni di Milano è tornata."
            } else {
                "On March 2024 🦷 a 40-49-year-old from London came back."
            };
            assert_eq!(out.text, expected_month);
            assert!(out.items.iter().all(|i| i.operator == "generalise"));
            let out = anonymise_with(text, &entities, &year, &ctx).unwrap();
            assert_eq!(replacements(&out)[0], "2024");
        }
        // A value it cannot parse is replaced, never kept, and the item says so.
        let text = "Visita ieri 😀";
        let ops =
            OperatorConfig { default: Operator::Generalise { dates: DateGranularity::Month }, ..Default::default() };
        let out =
            anonymise_with(text, &[entity(text, "ieri", EntityType::DateTime)], &ops, &AnonymiseContext::unkeyed())
                .unwrap();
        assert_eq!(out.text, "Visita <DATE_TIME> 😀");
        assert_eq!(out.items[0].operator, "replace");
    }

    #[test]
    fn keyed_operators_without_keys_fail_instead_of_falling_back() {
        for operator in
            [Operator::Hash { truncate: 0 }, Operator::Pseudonymise { letters: 0 }, Operator::Encrypt { key_id: None }]
        {
            let ops = OperatorConfig { default: operator, ..Default::default() };
            let err = anonymise(IT, &entities(IT), &ops).unwrap_err();
            assert!(matches!(err, AnonymiseError::MissingKey { .. }), "{err}");
        }
    }

    #[test]
    fn output_spans_in_untouched_text_map_back_to_the_input() {
        let text = "Chiama Mario Rossi 😀 domani, scrivi a mario@example.com o al 333";
        let entities = [
            entity(text, "Mario Rossi", EntityType::Person),
            entity(text, "mario@example.com", EntityType::EmailAddress),
        ];
        let mut ops = OperatorConfig::default();
        ops.per_type.insert(EntityType::Person, Operator::Redact);
        let out = anonymise(text, &entities, &ops).unwrap();
        assert_eq!(out.text, "Chiama 😀 domani, scrivi a <EMAIL_ADDRESS> o al 333");
        let find = |s: &str| {
            let at = out.text.find(s).unwrap();
            out.original_span(ByteSpan::new(at, at + s.len())).map(|span| &text[span.start..span.end])
        };
        assert_eq!(find("Chiama"), Some("Chiama"));
        assert_eq!(find("domani"), Some("domani"));
        assert_eq!(find("333"), Some("333"));
        assert_eq!(find("Chiama 😀"), None, "across the redaction");
        assert_eq!(find("EMAIL"), None, "inside a replacement");
    }
}

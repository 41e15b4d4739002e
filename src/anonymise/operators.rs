//! The operators and how each rewrites one value.

use super::crypto::{self, TOKEN_MARKER};
use super::generalise::{self, DateGranularity};
use super::keys::{KeyContext, TenantKeys, is_valid_key_id};
use super::{AnonymiseContext, AnonymiseError, mask, pseudonym};
use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::text::char_before;

/// Accepted `hash` truncations besides 0 (all 64 hex characters): shorter than 8 would make
/// distinct values collide often.
pub const HASH_TRUNCATE: std::ops::RangeInclusive<usize> = 8..=64;

/// How to transform one detected value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Replace with `new_value`, or `<ENTITY_TYPE>` when `None`.
    Replace { new_value: Option<String> },
    /// Remove the value and the space before it.
    Redact,
    /// Replace letters and digits with `masking_char`; separators and a phone number's
    /// country code stay (see `mask.rs`).
    Mask {
        masking_char: char,
        /// How many letters and digits to mask; 0 masks all.
        chars_to_mask: usize,
        from_end: bool,
    },
    /// Keyed HMAC-SHA256 of the value's canonical form, hex; `truncate` hex characters (0: 64).
    Hash { truncate: usize },
    /// A readable pseudonym ("Paziente KBT"), stable within a tenant and scope; `letters` in
    /// the label (0: 3).
    Pseudonymise { letters: usize },
    /// A reversible, authenticated, deterministic token; `key_id` or the tenant's current key.
    Encrypt { key_id: Option<String> },
    /// A coarser value: dates to month or year, ages to ten-year bands, addresses to town.
    Generalise { dates: DateGranularity },
    /// Leave the value unchanged.
    Keep,
}

impl Default for Operator {
    fn default() -> Self {
        Operator::Replace { new_value: None }
    }
}

impl Operator {
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Replace { .. } => "replace",
            Operator::Redact => "redact",
            Operator::Mask { .. } => "mask",
            Operator::Hash { .. } => "hash",
            Operator::Pseudonymise { .. } => "pseudonymise",
            Operator::Encrypt { .. } => "encrypt",
            Operator::Generalise { .. } => "generalise",
            Operator::Keep => "keep",
        }
    }

    /// Whether the operator needs the tenant's keys.
    pub fn needs_key(&self) -> bool {
        matches!(self, Operator::Hash { .. } | Operator::Pseudonymise { .. } | Operator::Encrypt { .. })
    }

    /// Checks the operator's own parameters (INVALID_ARGUMENT when wrong) and that the keys
    /// it needs exist (FAILED_PRECONDITION when not). `field` names it in errors, e.g.
    /// `operators["PERSON"]`. Done before any text is touched, so a misconfigured request
    /// fails the same way whatever the text contains.
    pub fn check(&self, field: &str, keys: &KeyContext<'_>) -> Result<(), AnonymiseError> {
        let invalid = |reason: String| AnonymiseError::InvalidOperator { field: field.to_owned(), reason };
        match self {
            Operator::Replace { new_value: Some(v) } if v.contains(TOKEN_MARKER) => {
                return Err(invalid(format!(
                    "replace.new_value must not contain {TOKEN_MARKER:?} (reserved for encrypt tokens)"
                )));
            }
            Operator::Hash { truncate } if *truncate != 0 && !HASH_TRUNCATE.contains(truncate) => {
                return Err(invalid(format!(
                    "hash.truncate must be 0 (all 64) or {} to {}",
                    HASH_TRUNCATE.start(),
                    HASH_TRUNCATE.end()
                )));
            }
            Operator::Pseudonymise { letters } if *letters != 0 && !pseudonym::LETTERS.contains(letters) => {
                return Err(invalid(format!(
                    "pseudonymise.letters must be 0 (default {}) or {} to {}",
                    pseudonym::DEFAULT_LETTERS,
                    pseudonym::LETTERS.start(),
                    pseudonym::LETTERS.end()
                )));
            }
            Operator::Encrypt { key_id: Some(id) } if !is_valid_key_id(id) => {
                return Err(invalid("encrypt.key_id must be 1 to 32 of A-Z a-z 0-9 . _ -".to_owned()));
            }
            _ => {}
        }
        if !self.needs_key() {
            return Ok(());
        }
        let tenant_keys = tenant_keys(field, self.name(), keys)?;
        if let Operator::Encrypt { key_id: Some(id) } = self
            && tenant_keys.key(id).is_none()
        {
            return Err(AnonymiseError::UnknownKeyId {
                field: field.to_owned(),
                tenant: keys.tenant.to_owned(),
                key_id: id.clone(),
            });
        }
        Ok(())
    }

    /// Appends the transformed `value` to `out` and returns the name of the operator that was
    /// applied (`generalise` falls back to `replace` for a value it cannot parse).
    pub(super) fn apply(
        &self,
        entity_type: EntityType,
        value: &str,
        ctx: &AnonymiseContext<'_>,
        out: &mut String,
    ) -> Result<&'static str, AnonymiseError> {
        match self {
            Operator::Replace { new_value: Some(v) } => out.push_str(v),
            Operator::Replace { new_value: None } => replace_with_type(entity_type, out),
            Operator::Redact => {}
            Operator::Mask { masking_char, chars_to_mask, from_end } => {
                mask::mask(entity_type, value, *masking_char, *chars_to_mask, *from_end, out)
            }
            Operator::Hash { truncate } => {
                let keys = tenant_keys("operators", "hash", &ctx.keys)?;
                crypto::write_hash(keys.hash_key(), entity_type, value, *truncate, out);
            }
            Operator::Pseudonymise { letters } => {
                let keys = tenant_keys("operators", "pseudonymise", &ctx.keys)?;
                let letters = if *letters == 0 { pseudonym::DEFAULT_LETTERS } else { *letters };
                let scope =
                    pseudonym::Scope { tenant: ctx.keys.tenant, scope: ctx.pseudonym_scope, language: ctx.language };
                let canonical = crypto::canonical(entity_type, value);
                pseudonym::write_label(keys.hash_key(), &scope, entity_type, &canonical, letters, out);
            }
            Operator::Encrypt { key_id } => {
                let keys = tenant_keys("operators", "encrypt", &ctx.keys)?;
                let key = match key_id {
                    None => keys.current(),
                    Some(id) => keys.key(id).ok_or_else(|| AnonymiseError::UnknownKeyId {
                        field: "operators".to_owned(),
                        tenant: ctx.keys.tenant.to_owned(),
                        key_id: id.clone(),
                    })?,
                };
                crypto::write_token(ctx.keys.tenant, key, entity_type.as_str(), value, out);
            }
            Operator::Generalise { dates } => match generalise::generalise(entity_type, value, *dates, ctx.language) {
                Some(coarser) => out.push_str(&coarser),
                None => {
                    replace_with_type(entity_type, out);
                    return Ok("replace");
                }
            },
            Operator::Keep => out.push_str(value),
        }
        Ok(self.name())
    }
}

fn replace_with_type(entity_type: EntityType, out: &mut String) {
    out.push('<');
    out.push_str(entity_type.as_str());
    out.push('>');
}

fn tenant_keys<'k>(
    field: &str,
    operator: &'static str,
    keys: &KeyContext<'k>,
) -> Result<&'k TenantKeys, AnonymiseError> {
    keys.keys.ok_or_else(|| AnonymiseError::MissingKey {
        field: field.to_owned(),
        tenant: keys.tenant.to_owned(),
        operator,
    })
}

/// Where a redaction starts: the value, plus one space before it when the value is followed
/// by a space or punctuation (so "a X b" becomes "a b", not "a  b").
pub(super) fn redaction_start(text: &str, cursor: usize, span: ByteSpan) -> usize {
    let after = text[span.end..].chars().next();
    let before = char_before(text, span.start);
    let followed_by_break = after.is_none_or(|c| c == ' ' || c.is_ascii_punctuation());
    if before == Some(' ') && followed_by_break && span.start > cursor { span.start - 1 } else { span.start }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymise::keys::tests::keyring;

    #[test]
    fn parameters_are_checked_naming_the_field() {
        let ring = keyring();
        let keys = ring.context("");
        let err = |op: Operator| op.check("operators[\"PERSON\"]", &keys).unwrap_err().to_string();
        assert_eq!(
            err(Operator::Hash { truncate: 4 }),
            "operators[\"PERSON\"]: hash.truncate must be 0 (all 64) or 8 to 64"
        );
        assert!(err(Operator::Pseudonymise { letters: 1 }).contains("pseudonymise.letters"));
        assert!(err(Operator::Encrypt { key_id: Some("a:b".into()) }).contains("encrypt.key_id"));
        assert!(err(Operator::Replace { new_value: Some("[ENC:X".into()) }).contains("reserved"));
        assert!(Operator::Hash { truncate: 16 }.check("f", &keys).is_ok());
        assert!(Operator::Encrypt { key_id: Some("k1".into()) }.check("f", &keys).is_ok());
    }

    #[test]
    fn keyed_operators_need_keys() {
        let ring = keyring();
        for op in
            [Operator::Hash { truncate: 0 }, Operator::Pseudonymise { letters: 0 }, Operator::Encrypt { key_id: None }]
        {
            let err = op.check("default_operator", &KeyContext::none("acme")).unwrap_err();
            assert!(matches!(err, AnonymiseError::MissingKey { .. }));
            assert!(err.to_string().starts_with(&format!("default_operator: {} needs a key", op.name())), "{err}");
            assert!(op.check("default_operator", &ring.context("")).is_ok());
        }
        let err = Operator::Encrypt { key_id: Some("k9".into()) }.check("f", &ring.context("")).unwrap_err();
        assert_eq!(err.to_string(), "f: tenant \"\" has no key id \"k9\"");
        for op in [Operator::Redact, Operator::Keep, Operator::default()] {
            assert!(op.check("f", &KeyContext::none("acme")).is_ok());
        }
    }
}

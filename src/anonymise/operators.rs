//! The operators and how each rewrites one value.

use super::AnonymiseError;
use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::text::char_before;

/// How to transform one detected value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Replace with `new_value`, or `<ENTITY_TYPE>` when `None`.
    Replace { new_value: Option<String> },
    /// Remove the value and the space before it.
    Redact,
    /// Replace letters and digits with `masking_char`; separators stay so the shape is kept.
    Mask {
        masking_char: char,
        /// How many letters and digits to mask; 0 masks all.
        chars_to_mask: usize,
        from_end: bool,
    },
    /// Keyed HMAC-SHA256 of the value, hex, optionally truncated.
    Hash { truncate: usize },
    /// A readable pseudonym, stable within a tenant and scope.
    Pseudonymise,
    /// Reversible authenticated encryption with a tenant key.
    Encrypt { key_id: Option<String> },
    /// A coarser value.
    Generalise,
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
            Operator::Pseudonymise => "pseudonymise",
            Operator::Encrypt { .. } => "encrypt",
            Operator::Generalise => "generalise",
            Operator::Keep => "keep",
        }
    }

    /// Appends the transformed `value` to `out`.
    pub(super) fn apply(&self, entity_type: EntityType, value: &str, out: &mut String) -> Result<(), AnonymiseError> {
        match self {
            Operator::Replace { new_value: Some(v) } => out.push_str(v),
            Operator::Replace { new_value: None } => {
                out.push('<');
                out.push_str(entity_type.as_str());
                out.push('>');
            }
            Operator::Redact => {}
            Operator::Mask { masking_char, chars_to_mask, from_end } => {
                mask(value, *masking_char, *chars_to_mask, *from_end, out)
            }
            Operator::Keep => out.push_str(value),
            Operator::Hash { .. } | Operator::Pseudonymise | Operator::Encrypt { .. } | Operator::Generalise => {
                return Err(AnonymiseError::Unavailable { operator: self.name() });
            }
        }
        Ok(())
    }
}

fn mask(value: &str, masking_char: char, count: usize, from_end: bool, out: &mut String) {
    let maskable = value.chars().filter(|c| c.is_alphanumeric()).count();
    let count = if count == 0 { maskable } else { count.min(maskable) };
    // Index (among maskable characters) of the first and one-past-last masked character.
    let (first, last) = if from_end { (maskable - count, maskable) } else { (0, count) };
    let mut seen = 0;
    for c in value.chars() {
        if c.is_alphanumeric() {
            out.push(if (first..last).contains(&seen) { masking_char } else { c });
            seen += 1;
        } else {
            out.push(c);
        }
    }
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

    fn masked(value: &str, count: usize, from_end: bool) -> String {
        let mut out = String::new();
        mask(value, '*', count, from_end, &mut out);
        out
    }

    #[test]
    fn mask_keeps_separators() {
        assert_eq!(masked("+39 328 445 4567", 0, false), "+** *** *** ****");
        assert_eq!(masked("+39 328 445 4567", 4, true), "+39 328 445 ****");
        assert_eq!(masked("RSSMRA80A01H501U", 6, false), "******80A01H501U");
        assert_eq!(masked("ab", 10, false), "**");
    }
}

//! `UK_NHS`: the ten-digit NHS number (and the Scottish CHI and Northern Irish H&C numbers,
//! which use the same check digit), validated with the modulus 11 check.
//!
//! Any ten digits pass modulus 11 about one time in eleven (Presidio reports a page id
//! `4010232137` at full confidence), so the check alone is not evidence. A number is
//! reported when NHS context is near ("NHS number", "NHS no.", "CHI number", "nhs"), or when
//! it is written the way NHS numbers are printed, 3-3-4 with spaces or hyphens
//! ("943 476 5919"); a 3-3-4 number labelled as something else (a phone number) is not.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{Compact, LEAD, skip_lead};
use super::labels::{IdentifierLabels, WORDS_AFTER, WORDS_BEFORE, context_lexicon};

const PATTERN: &str = r"[0-9]{3}[ \-]?[0-9]{3}[ \-]?[0-9]{4}(?-u:\b)";

/// Score of a printed 3-3-4 number without context: a phone reading of the same digits
/// (0.75) wins; NHS context adds the analyzer's boost.
const PRINTED_SCORE: f32 = 0.6;

pub struct NhsNumberRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl NhsNumberRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(&format!("{LEAD}{PATTERN}")),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(
                builder,
                "context.uk_nhs",
                &[EntityType::UkNhs],
                &["nhs", "national health service"],
            ),
        }
    }
}

/// The NHS modulus 11 check over ten ASCII digits: weights 10 down to 2 on the first nine,
/// check digit 11 minus the remainder (11 becomes 0; 10 means no valid number).
pub fn is_valid_digits(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits[..9].iter().enumerate().map(|(i, &d)| u32::from(d - b'0') * (10 - i as u32)).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(digits[9] - b'0')
}

/// Whether `value` is a valid NHS number (separators ignored).
pub fn is_valid(value: &str) -> bool {
    Compact::new(value, &[' ', '-']).is_some_and(|c| is_valid_digits(c.as_bytes()))
}

/// 3-3-4 with one kind of separator: "943 476 5919", "943-476-5919".
fn is_printed_form(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 12 && b[3] == b[7] && matches!(b[3], b' ' | b'-')
}

impl Recogniser for NhsNumberRecogniser {
    fn name(&self) -> &'static str {
        "uk_nhs"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::UkNhs]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let (start, end) = (skip_lead(&m, &[]), m.end());
            let value = &scan.text[start..end];
            let compact = value.len() == 10;
            if !(compact || is_printed_form(value)) || !is_isolated(scan.text, start, end) || !is_valid(value) {
                continue;
            }
            let span = ByteSpan::new(start, end);
            if self.labels.names_other(scan, span, &[EntityType::UkNhs]) {
                continue;
            }
            if compact && !scan.has_context(self.context, span, WORDS_BEFORE, WORDS_AFTER) {
                continue;
            }
            out.push(Candidate::new(span, EntityType::UkNhs, PRINTED_SCORE, self.name()).with_context(self.context));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn nhs(text: &str) -> Vec<String> {
        found(|b| Box::new(NhsNumberRecogniser::new(b)), text)
    }

    #[test]
    fn modulus_11_worked_example() {
        // NHS Data Dictionary example 943 476 5919: weighted sum 299, 299 mod 11 = 2, 11 - 2 = 9.
        assert!(is_valid("9434765919"));
        assert!(!is_valid("9434765918"));
        // 1·10 + 1·2 = 12, remainder 1: the check digit would be 10, so no number starts so.
        assert!((0..10).all(|d| !is_valid(&format!("100000001{d}"))));
    }

    #[test]
    fn printed_form_or_context() {
        assert_eq!(nhs("Reminder for Olivia, 943 476 5919, Tuesday"), ["943 476 5919"]);
        assert_eq!(nhs("ref 943-476-5919"), ["943-476-5919"]);
        assert_eq!(nhs("NHS number: 9434765919"), ["9434765919"]);
        assert_eq!(nhs("il suo numero NHS è 9434765919"), ["9434765919"]);
    }

    #[test]
    fn bare_digits_mixed_separators_and_other_labels_are_not_nhs_numbers() {
        // A page id that happens to pass modulus 11.
        assert!(nhs("see page 4010232137 of the report").is_empty());
        assert!(nhs("943 476-5919").is_empty());
        assert!(nhs("tel. 943 476 5919").is_empty());
        assert!(nhs("NHS number 943 476 5918").is_empty());
    }
}

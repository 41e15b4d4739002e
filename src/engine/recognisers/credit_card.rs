//! `CREDIT_CARD`: payment card numbers, 13 to 19 digits, compact or in the groups cards
//! print (4-4-4-4, 4-6-5 for American Express, 4-6-4 for Diners), validated with the Luhn
//! check and the issuer prefixes and lengths of the ISO/IEC 7812 ranges in use (Visa,
//! Mastercard, American Express, Discover, Diners, JCB, Maestro, UnionPay, Mir).
//! Luhn alone passes one number in ten; with the issuer ranges a random digit run rarely
//! qualifies, so no context is needed. Placeholder runs ("0000 0000 0000 0000" passes
//! Luhn) are not cards.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{Compact, LEAD, is_placeholder_digits, luhn, skip_lead};
use super::labels::{IdentifierLabels, context_lexicon};

const PATTERN: &str = r"[0-9]{4}[ \-]?[0-9]{4,6}[ \-]?[0-9]{4,5}(?:[ \-]?[0-9]{1,4}){0,2}(?-u:\b)";

const SCORE: f32 = 0.8;

pub struct CreditCardRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl CreditCardRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(&format!("{LEAD}{PATTERN}")),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(
                builder,
                "context.credit_card",
                &[EntityType::CreditCard],
                &["carta", "card", "pagamento", "payment", "cvv", "scadenza", "expiry"],
            ),
        }
    }
}

/// Whether the issuer prefix fits the length (ISO/IEC 7812 ranges of the main schemes).
fn known_issuer(digits: &[u8]) -> bool {
    let len = digits.len();
    let prefix = |n: usize| digits[..n].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
    match digits[0] {
        b'4' => matches!(len, 13 | 16 | 19),                                    // Visa
        b'5' if (51..=55).contains(&prefix(2)) => len == 16,                    // Mastercard
        b'2' if (2221..=2720).contains(&prefix(4)) => len == 16,                // Mastercard
        b'2' if (2200..=2204).contains(&prefix(4)) => (16..=19).contains(&len), // Mir
        b'3' if matches!(prefix(2), 34 | 37) => len == 15,                      // American Express
        b'3' if (3528..=3589).contains(&prefix(4)) => (16..=19).contains(&len), // JCB
        b'3' if (300..=305).contains(&prefix(3)) || matches!(prefix(2), 36 | 38 | 39) => (14..=19).contains(&len), // Diners
        b'6' if prefix(4) == 6011 || (644..=649).contains(&prefix(3)) || prefix(2) == 65 => (16..=19).contains(&len), // Discover
        b'6' if prefix(2) == 62 => (16..=19).contains(&len), // UnionPay
        b'5' | b'6' => (13..=19).contains(&len),             // Maestro
        _ => false,
    }
}

/// Whether `value` is a plausible card number: one kind of separator, a known issuer and
/// length, a Luhn check digit, not a placeholder.
pub fn is_valid(value: &str) -> bool {
    let mut separator = None;
    for c in value.chars().filter(|c| matches!(c, ' ' | '-')) {
        if separator.is_some_and(|s| s != c) {
            return false;
        }
        separator = Some(c);
    }
    let Some(compact) = Compact::new(value, &[' ', '-']) else { return false };
    let digits = compact.as_bytes();
    (13..=19).contains(&digits.len()) && known_issuer(digits) && luhn(digits) && !is_placeholder_digits(digits)
}

impl Recogniser for CreditCardRecogniser {
    fn name(&self) -> &'static str {
        "credit_card"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::CreditCard]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let span = ByteSpan::new(skip_lead(&m, &[]), m.end());
            if !is_isolated(scan.text, span.start, span.end)
                || !is_valid(&scan.text[span.start..span.end])
                || self.labels.names_other(scan, span, &[EntityType::CreditCard])
            {
                continue;
            }
            out.push(Candidate::new(span, EntityType::CreditCard, SCORE, self.name()).with_context(self.context));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn cards(text: &str) -> Vec<String> {
        found(|b| Box::new(CreditCardRecogniser::new(b)), text)
    }

    #[test]
    fn schemes_and_printed_groups() {
        // Published test numbers of the schemes (Luhn-valid, never issued).
        assert_eq!(cards("Visa 4111 1111 1111 1111 ok"), ["4111 1111 1111 1111"]);
        assert_eq!(cards("mc 5555-5555-5555-4444"), ["5555-5555-5555-4444"]);
        assert_eq!(cards("amex 3782 822463 10005"), ["3782 822463 10005"]);
        assert_eq!(cards("carta 6011111111111117."), ["6011111111111117"]);
    }

    #[test]
    fn rejected_numbers() {
        assert!(cards("4111 1111 1111 1112").is_empty()); // Luhn
        assert!(cards("0000 0000 0000 0000").is_empty()); // placeholder, no issuer
        assert!(cards("9111 1111 1111 1111").is_empty()); // no issuer starts with 9
        assert!(cards("4111 1111-1111 1111").is_empty()); // mixed separators
        assert!(cards("3782822463100050").is_empty()); // Amex is 15 digits
        assert!(cards("IBAN 4111111111111111").is_empty()); // labelled as something else
    }
}

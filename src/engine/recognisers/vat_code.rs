//! `IT_VAT_CODE` (partita IVA) and the 11-digit temporary `IT_FISCAL_CODE` (codice fiscale
//! provvisorio), which share one format: a 7-digit serial, a 3-digit tax office code
//! (001-100, 120, 121, 888, 999) and a Luhn check digit. Written compact, with an "IT"
//! prefix ("IT 00743110157", "IT-03700020104", "IT: 02331250163") or, after the prefix or a
//! label, in spaced groups ("IT 00 595 000 217").
//!
//! The format has a checksum, but one random 11-digit number in about a hundred passes it,
//! and eleven digits are also a landline: without the prefix or a label the score stays low
//! (a phone reading of the same digits wins), and a number labelled as something else is
//! not reported. "Codice fiscale" (or "CF") near the number makes it a temporary fiscal
//! code instead.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{Compact, LEAD, luhn, skip_lead};
use super::labels::{IdentifierLabels, context_lexicon};

const PATTERN: &str = r"(?:IT(?: ?[\-:] ?| )?)?[0-9](?: ?[0-9]){10}(?-u:\b)";

/// Score of a compact number with no prefix and no label: under the phone recogniser's
/// score, above the analyzer's default threshold.
const BARE_SCORE: f32 = 0.55;
const PREFIXED_SCORE: f32 = 0.85;

pub struct VatCodeRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    vat_context: LexiconId,
    fiscal_context: LexiconId,
}

impl VatCodeRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(&format!("{LEAD}{PATTERN}")),
            labels: IdentifierLabels::register(builder),
            vat_context: context_lexicon(
                builder,
                "context.it_vat_code",
                &[EntityType::ItVatCode],
                &["fattura", "invoice"],
            ),
            fiscal_context: context_lexicon(builder, "context.it_fiscal_code", &[EntityType::ItFiscalCode], &[]),
        }
    }
}

/// Whether 11 ASCII digits are a valid partita IVA / numeric codice fiscale.
pub fn is_valid_digits(digits: &[u8]) -> bool {
    if digits.len() != 11 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if digits[..7].iter().all(|&d| d == b'0') {
        return false; // no serial
    }
    let office = u32::from(digits[7] - b'0') * 100 + u32::from(digits[8] - b'0') * 10 + u32::from(digits[9] - b'0');
    if !matches!(office, 1..=100 | 120 | 121 | 888 | 999) {
        return false;
    }
    luhn(digits)
}

/// Whether `value` (digits with optional spaces, optionally after "IT") is valid.
pub fn is_valid(value: &str) -> bool {
    let digits = value.trim_start_matches("IT").trim_start_matches([' ', '-', ':']);
    Compact::new(digits, &[' ']).is_some_and(|c| is_valid_digits(c.as_bytes()))
}

/// "IT IT 06863340961": a country prefix after another two capitals is a malformed number
/// (python-stdnum rejects it); which part was meant is a guess, so nothing is reported.
fn repeated_prefix(text: &str, prefix_start: usize) -> bool {
    let before = text[..prefix_start].trim_end_matches([' ', '-', ':']);
    let tail = before.as_bytes();
    before.len() < prefix_start
        && tail.len() >= 2
        && tail[tail.len() - 2..].iter().all(u8::is_ascii_uppercase)
        && (tail.len() == 2 || !tail[tail.len() - 3].is_ascii_alphanumeric())
}

impl Recogniser for VatCodeRecogniser {
    fn name(&self) -> &'static str {
        "vat_code"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::ItVatCode, EntityType::ItFiscalCode]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let match_start = skip_lead(&m, &[]);
            let end = m.end();
            let digits_start =
                match_start + scan.text[match_start..end].find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            // "IT" glued to a word ("VISIT 123…") is not a prefix: keep the digits alone.
            let prefixed = digits_start > match_start && is_isolated(scan.text, match_start, end);
            let start = if prefixed { match_start } else { digits_start };
            if !is_isolated(scan.text, start, end) || (prefixed && repeated_prefix(scan.text, start)) {
                continue;
            }
            let Some(compact) = Compact::new(&scan.text[digits_start..end], &[' ']) else { continue };
            if !is_valid_digits(compact.as_bytes()) {
                continue;
            }
            let span = ByteSpan::new(start, end);
            let spaced = scan.text[digits_start..end].contains(' ');
            let label = self.labels.label_for(scan, span, self.entity_types());
            let candidate = match label {
                Some(EntityType::ItFiscalCode) => {
                    Candidate::new(span, EntityType::ItFiscalCode, BARE_SCORE, self.name())
                        .with_context(self.fiscal_context)
                }
                Some(EntityType::ItVatCode) => {
                    let score = if prefixed { PREFIXED_SCORE } else { BARE_SCORE };
                    Candidate::new(span, EntityType::ItVatCode, score, self.name()).with_context(self.vat_context)
                }
                Some(_) => continue, // labelled as another identifier
                None if prefixed => Candidate::new(span, EntityType::ItVatCode, PREFIXED_SCORE, self.name())
                    .with_context(self.vat_context),
                None if spaced => continue, // spaced digits need the prefix or a label
                None => {
                    Candidate::new(span, EntityType::ItVatCode, BARE_SCORE, self.name()).with_context(self.vat_context)
                }
            };
            out.push(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found_typed;

    fn codes(text: &str) -> Vec<(String, EntityType)> {
        found_typed(|b| Box::new(VatCodeRecogniser::new(b)), text)
    }

    /// Appends the Luhn check digit to a 10-digit serial + office code.
    fn with_check(first10: &str) -> String {
        (0..10).map(|d| format!("{first10}{d}")).find(|c| luhn(c.as_bytes())).unwrap()
    }

    #[test]
    fn worked_example_check_digit() {
        // Serial 0074311, office 015 (Milano): the Luhn check digit is 7.
        assert_eq!(with_check("0074311015"), "00743110157");
        assert!(is_valid("00743110157"));
        assert!(!is_valid("00743110158"));
        assert!(is_valid("IT 00 743 110 157"));
    }

    #[test]
    fn office_code_and_serial_are_checked() {
        // Office 101 does not exist; an all-zero serial is not a number.
        assert!(!is_valid(&with_check("1234567101")));
        assert!(is_valid(&with_check("1234567100")));
        assert!(is_valid(&with_check("1234567888")));
        assert!(!is_valid("00000000000"));
    }

    #[test]
    fn prefixed_labelled_and_bare_forms() {
        let vat = EntityType::ItVatCode;
        assert_eq!(codes("P.IVA IT 00743110157."), [("IT 00743110157".to_owned(), vat)]);
        assert_eq!(codes("VAT: IT-00743110157"), [("IT-00743110157".to_owned(), vat)]);
        assert_eq!(codes("partita IVA 00 743 110 157"), [("00 743 110 157".to_owned(), vat)]);
        assert_eq!(codes("fattura 00743110157"), [("00743110157".to_owned(), vat)]);
        // Spaced digits with nothing saying what they are stay unreported.
        assert!(codes("ecco 00 743 110 157").is_empty());
        // "IT" glued to a word is not a prefix.
        assert_eq!(codes("VISIT 00743110157"), [("00743110157".to_owned(), vat)]);
    }

    #[test]
    fn fiscal_code_label_makes_it_a_temporary_fiscal_code() {
        assert_eq!(
            codes("codice fiscale provvisorio 00743110157"),
            [("00743110157".to_owned(), EntityType::ItFiscalCode)]
        );
        assert_eq!(codes("CF: 00743110157"), [("00743110157".to_owned(), EntityType::ItFiscalCode)]);
    }

    #[test]
    fn labelled_as_something_else_or_invalid() {
        assert!(codes("tel. 00743110157").is_empty());
        assert!(codes("P.IVA 00743110158").is_empty());
        assert!(codes("P.IVA 007431101571").is_empty());
        assert!(codes("P.IVA IT IT 00743110157").is_empty());
    }
}

//! `IBAN_CODE`: every country of the IBAN registry, compact or printed in groups of four
//! (spaces, non-breaking spaces or hyphens), any letter case, validated by `iban_validate`
//! (the country's BBAN format and the ISO 13616 mod-97 check). A printed IBAN followed by
//! other capitals or digits is shortened group by group until it validates.

use iban::Iban;

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::{char_before, is_isolated, is_word_char};

use super::compact::Compact;

const PATTERN: &str = r"(?i)(?-u:\b)[A-Z]{2}[0-9]{2}(?:[ \u{a0}\-]?[A-Z0-9]{4}){2,7}(?:[ \u{a0}\-]?[A-Z0-9]{1,3})?";

pub struct IbanRecogniser {
    pattern: PatternId,
}

impl IbanRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self { pattern: builder.pattern(PATTERN) }
    }
}

/// Whether `value` is a valid IBAN, with or without spaces, in any letter case.
pub fn is_valid(value: &str) -> bool {
    Compact::new(value, &[' ', '\u{a0}', '-']).is_some_and(|c| c.as_str().parse::<Iban>().is_ok())
}

impl Recogniser for IbanRecogniser {
    fn name(&self) -> &'static str {
        "iban"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::IbanCode]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let start = m.start();
            if char_before(scan.text, start).is_some_and(is_word_char) {
                continue;
            }
            // Try the whole match, then shorter prefixes ending at a separator or at the end
            // of a group, so "IT60 X054 … 456 PER" does not swallow the next word.
            let mut end = m.end();
            loop {
                let value = &scan.text[start..end];
                if is_isolated(scan.text, start, end) && is_valid(value) {
                    out.push(Candidate::new(ByteSpan::new(start, end), EntityType::IbanCode, 1.0, self.name()));
                    break;
                }
                match value.rfind([' ', '\u{a0}', '-']) {
                    Some(cut) if cut > 4 => end = start + value[..cut].trim_end().len(),
                    _ => break,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn ibans(text: &str) -> Vec<String> {
        found(|b| Box::new(IbanRecogniser::new(b)), text)
    }

    #[test]
    fn compact_and_printed_forms() {
        assert_eq!(ibans("IBAN IT60X0542811101000000123456, grazie"), ["IT60X0542811101000000123456"]);
        assert_eq!(ibans("IBAN: IT60 X054 2811 1010 0000 0123 456 PER favore"), ["IT60 X054 2811 1010 0000 0123 456"]);
        assert_eq!(ibans("pay GB82 WEST 1234 5698 7654 32 today"), ["GB82 WEST 1234 5698 7654 32"]);
    }

    #[test]
    fn other_countries_and_lower_case() {
        assert_eq!(ibans("IBAN SM86 U032 2509 8000 0000 0270 100"), ["SM86 U032 2509 8000 0000 0270 100"]);
        assert_eq!(ibans("conto de89370400440532013000"), ["de89370400440532013000"]);
        assert_eq!(
            ibans("NO93 8601 1117 947 e VA59001123000012345678"),
            ["NO93 8601 1117 947", "VA59001123000012345678"]
        );
    }

    #[test]
    fn bad_checksums_are_rejected() {
        assert!(ibans("IT61X0542811101000000123456").is_empty());
        assert!(ibans("GB82WEST12345698765433").is_empty());
    }
}

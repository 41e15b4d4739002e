//! `UK_NINO`: the National Insurance number, two prefix letters, six digits and a suffix
//! A-D, compact or spaced ("AB 12 34 56 C", "AB 123456 C"), any letter case. HMRC's rules
//! (NIM39110) decide the prefix: the first letter is not D, F, I, Q, U or V; the second is
//! not D, F, I, O, Q, U or V; BG, GB, NK, KN, TN, NT and ZZ are never allocated. There is no
//! check digit, but the shape with those rules is specific enough to stand without context.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::Compact;
use super::labels::{IdentifierLabels, context_lexicon};

const PATTERN: &str = r"(?i-u)\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b";

const SCORE: f32 = 0.7;

pub struct NinoRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl NinoRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(PATTERN),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(builder, "context.uk_nino", &[EntityType::UkNino], &["hmrc", "dwp"]),
        }
    }
}

/// Whether nine upper-case characters are a valid NINO.
fn is_valid_compact(b: &[u8]) -> bool {
    if b.len() != 9 || !b[..2].iter().all(u8::is_ascii_uppercase) || !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if b"DFIQUV".contains(&b[0]) || b"DFIOQUV".contains(&b[1]) {
        return false;
    }
    if matches!(&b[..2], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ") {
        return false;
    }
    matches!(b[8], b'A'..=b'D')
}

/// Whether `value` is a valid NINO (spaces ignored, any case).
pub fn is_valid(value: &str) -> bool {
    Compact::new(value, &[' ']).is_some_and(|c| is_valid_compact(c.as_bytes()))
}

impl Recogniser for NinoRecogniser {
    fn name(&self) -> &'static str {
        "uk_nino"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::UkNino]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let span = ByteSpan::new(m.start(), m.end());
            if !is_isolated(scan.text, span.start, span.end)
                || !is_valid(m.as_str())
                || self.labels.names_other(scan, span, &[EntityType::UkNino])
            {
                continue;
            }
            out.push(Candidate::new(span, EntityType::UkNino, SCORE, self.name()).with_context(self.context));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn ninos(text: &str) -> Vec<String> {
        found(|b| Box::new(NinoRecogniser::new(b)), text)
    }

    #[test]
    fn written_forms() {
        assert_eq!(ninos("NI number AB 12 34 56 C, thanks"), ["AB 12 34 56 C"]);
        assert_eq!(ninos("nino: ce123456d"), ["ce123456d"]);
        assert_eq!(ninos("JG 103759 A on file"), ["JG 103759 A"]);
    }

    #[test]
    fn prefix_and_suffix_rules() {
        for bad in ["DA123456A", "AD123456A", "AO123456A", "GB123456A", "NK123456A", "ZZ123456A", "AB123456E"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(is_valid("AA000000A"));
        assert!(ninos("AB1234567C and AB12345C").is_empty());
        assert!(ninos("XAB123456C").is_empty());
    }
}

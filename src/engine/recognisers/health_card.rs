//! `IT_HEALTH_CARD`: the identification number of the Italian tessera sanitaria / TEAM card
//! (the European health insurance card issued in Italy), twenty digits, written compact or
//! in groups of four or five.
//!
//! Cards issued in Italy start 80380 (ISO/IEC 7812 health-card prefix 80, country 380); that
//! strict shape stands alone. Other twenty-digit numbers (serials written without the
//! prefix, cards of other issuers) are reported only with a health-card label near them,
//! because twenty digits without one are as likely an order or tracking number.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{Compact, LEAD, is_placeholder_digits, skip_lead};
use super::labels::{IdentifierLabels, WORDS_AFTER, WORDS_BEFORE, context_lexicon};

const PATTERN: &str = r"(?:[0-9]{20}|[0-9]{5}(?: [0-9]{5}){3}|[0-9]{4}(?: [0-9]{4}){4})(?-u:\b)";

/// A compact or grouped 80380… number.
const ITALIAN_PREFIX_SCORE: f32 = 0.7;
/// Any other twenty digits, when labelled.
const LABELLED_SCORE: f32 = 0.6;

pub struct HealthCardRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl HealthCardRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(&format!("{LEAD}{PATTERN}")),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(
                builder,
                "context.it_health_card",
                &[EntityType::ItHealthCard],
                &["tessera", "sanitaria", "tessera sanitaria nazionale", "team"],
            ),
        }
    }
}

impl Recogniser for HealthCardRecogniser {
    fn name(&self) -> &'static str {
        "it_health_card"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::ItHealthCard]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let span = ByteSpan::new(skip_lead(&m, &[]), m.end());
            let Some(digits) = Compact::new(&scan.text[span.start..span.end], &[' ']) else { continue };
            if !is_isolated(scan.text, span.start, span.end)
                || is_placeholder_digits(digits.as_bytes())
                || self.labels.names_other(scan, span, &[EntityType::ItHealthCard])
            {
                continue;
            }
            let score = if digits.as_bytes().starts_with(b"80380") {
                ITALIAN_PREFIX_SCORE
            } else if scan.has_context(self.context, span, WORDS_BEFORE, WORDS_AFTER) {
                LABELLED_SCORE
            } else {
                continue;
            };
            out.push(Candidate::new(span, EntityType::ItHealthCard, score, self.name()).with_context(self.context));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn cards(text: &str) -> Vec<String> {
        found(|b| Box::new(HealthCardRecogniser::new(b)), text)
    }

    #[test]
    fn italian_cards_stand_alone_others_need_a_label() {
        assert_eq!(cards("n. 80380000120001234567"), ["80380000120001234567"]);
        assert_eq!(cards("80380 00012 00012 34567"), ["80380 00012 00012 34567"]);
        assert_eq!(cards("tessera sanitaria 00123456789012345678"), ["00123456789012345678"]);
        assert!(cards("ordine 00123456789012345678").is_empty());
    }

    #[test]
    fn wrong_lengths_placeholders_and_other_labels() {
        assert!(cards("8038000012000123456").is_empty());
        assert!(cards("803800001200012345678").is_empty());
        assert!(cards("tessera sanitaria 00000000000000000000").is_empty());
        assert!(cards("IBAN 80380000120001234567").is_empty());
    }
}

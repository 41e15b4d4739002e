//! `UK_POSTCODE`: the Royal Mail format, outward code (area letters, district digit and an
//! optional letter or digit) and inward code (a digit and two letters), with or without
//! the space, plus GIR 0AA. The letter rules are Royal Mail's: no Q, V or X first; no I, J
//! or Z second; never C, I, K, M, O or V in the inward letters. (A district letter is
//! looser here than today's list, because retired London districts such as W1N still
//! appear in addresses.) There is no checksum, but the full shape is specific.
//!
//! An outward code alone ("SA99", "M1") is as short as a paper size or a motorway, so it
//! is reported only right after the word "postcode".

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::labels::{IdentifierLabels, context_lexicon};

const OUTWARD: &str = r"[A-PR-UWYZ](?:[0-9][0-9A-Z]?|[A-HK-Y][0-9][0-9A-Z]?)";
const INWARD: &str = r"[0-9][ABD-HJLNP-UW-Z]{2}";

/// A full postcode in capitals (written "M1 1AA", "EC1A1BB").
const SCORE: f32 = 0.6;
/// The same in lower case: people do type "sw1a 1aa", less often.
const LOWER_CASE_SCORE: f32 = 0.5;
/// An outward code directly after "postcode".
const OUTWARD_SCORE: f32 = 0.6;

pub struct PostcodeRecogniser {
    full: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl PostcodeRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            full: builder.pattern(&format!(r"(?i-u)\b(?:GIR ?0AA|{OUTWARD} ?{INWARD})\b")),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(
                builder,
                "context.uk_postcode",
                &[EntityType::UkPostcode],
                &[
                    "address",
                    "indirizzo",
                    "lives",
                    "living",
                    "street",
                    "road",
                    "london",
                    "uk",
                    "england",
                    "scotland",
                    "wales",
                ],
            ),
        }
    }
}

impl Recogniser for PostcodeRecogniser {
    fn name(&self) -> &'static str {
        "uk_postcode"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::UkPostcode]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.full) {
            let span = ByteSpan::new(m.start(), m.end());
            if !is_isolated(scan.text, span.start, span.end)
                || self.labels.names_other(scan, span, &[EntityType::UkPostcode])
            {
                continue;
            }
            let score = if m.as_str().bytes().any(|b| b.is_ascii_lowercase()) { LOWER_CASE_SCORE } else { SCORE };
            out.push(Candidate::new(span, EntityType::UkPostcode, score, self.name()).with_context(self.context));
        }
        // Outward codes: only the word right after a "postcode" label ("postcode SA99",
        // "my postcode is SA99"), checked by hand so no pattern runs over the whole text.
        for label in self.labels.hits_of(scan, EntityType::UkPostcode) {
            let mut next = scan.token_at(label.end);
            // A label glued to the text after it ("postcode'Jf") ends inside a token: the
            // value can only be a later token (slicing from the label's end to that token's
            // start panicked: a fuzzer finding).
            if scan.tokens.get(next).is_some_and(|t| t.start < label.end) {
                next += 1;
            }
            let verb =
                scan.tokens.get(next).filter(|t| matches!(&scan.folded[t.start..t.end], "is" | "è" | "was" | "era"));
            if verb.is_some() {
                next += 1;
            }
            let Some(&word) = scan.tokens.get(next) else { continue };
            let gap_start = verb.map_or(label.end, |v| v.end);
            let gap_ok = scan.text[label.end..verb.map_or(label.end, |v| v.start)].chars().all(|c| c == ' ')
                && scan.text[gap_start..word.start].chars().all(|c| matches!(c, ' ' | ':'));
            let value = &scan.text[word.start..word.end];
            // "postcode EH1 JS": a full code with a broken inward part, not a district.
            let continues = scan.tokens.get(next + 1).is_some_and(|t| {
                &scan.text[word.end..t.start] == " "
                    && t.len() <= 3
                    && scan.text[t.start..t.end].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
            if gap_ok && !continues && is_outward_code(value.as_bytes()) {
                out.push(Candidate::new(
                    ByteSpan::new(word.start, word.end),
                    EntityType::UkPostcode,
                    OUTWARD_SCORE,
                    self.name(),
                ));
            }
        }
    }
}

/// Whether `b` is an outward code in capitals ("M1", "SA99", "EC1A"), by the same letter
/// rules as [`OUTWARD`].
fn is_outward_code(b: &[u8]) -> bool {
    let first = |c: u8| c.is_ascii_uppercase() && !matches!(c, b'Q' | b'V' | b'X');
    let second = |c: u8| c.is_ascii_uppercase() && !matches!(c, b'I' | b'J' | b'Z');
    let third = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    let fourth = third;
    match b {
        [a, d] => first(*a) && d.is_ascii_digit(),
        [a, d, x] if d.is_ascii_digit() => first(*a) && third(*x),
        [a, l, d] => first(*a) && second(*l) && d.is_ascii_digit(),
        [a, l, d, x] => first(*a) && second(*l) && d.is_ascii_digit() && fourth(*x),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn postcodes(text: &str) -> Vec<String> {
        found(|b| Box::new(PostcodeRecogniser::new(b)), text)
    }

    #[test]
    fn every_outward_format() {
        let got = postcodes("M1 1AA, M60 1NW, CR2 6XH, DN55 1PT, W1A 1HQ, EC1A 1BB, GIR 0AA, SW1A1AA, gir0aa");
        assert_eq!(
            got,
            ["M1 1AA", "M60 1NW", "CR2 6XH", "DN55 1PT", "W1A 1HQ", "EC1A 1BB", "GIR 0AA", "SW1A1AA", "gir0aa"]
        );
    }

    #[test]
    fn letter_rules() {
        // Q, V, X never first; C, I, K, M, O, V never in the inward letters; glued to a word.
        assert!(postcodes("QA1 1AA VA1 1AA XA1 1AA M1 1CA M1 1AI 1A1 1AA ABCM11AADEF").is_empty());
    }

    #[test]
    fn a_label_glued_to_the_next_word_is_no_label_and_no_panic() {
        assert!(postcodes("-2\n8\npostcode'Jf=Jn").is_empty());
        assert!(postcodes("postcode'SA99").is_empty());
    }

    #[test]
    fn outward_codes_only_after_postcode() {
        assert_eq!(postcodes("postcode SA99 please"), ["SA99"]);
        assert_eq!(postcodes("my postcode is SA99."), ["SA99"]);
        assert!(postcodes("an A4 sheet on the M1").is_empty());
        // A broken full postcode is not an outward code followed by a word.
        assert!(postcodes("postcode M1 1CA, postcode EH1 JS").is_empty());
    }
}

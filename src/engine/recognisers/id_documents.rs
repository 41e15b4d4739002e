//! Identity documents that share shapes and have no checksum: `IT_IDENTITY_CARD` (paper
//! `AA1234567`, CIE 2.0 `1234567AA`, CIE 3.0 `CA12345AB`), `IT_PASSPORT` (`YA8335453`) and
//! `UK_PASSPORT` (`AB1234567`, older `925076473`).
//!
//! Two letters and seven digits are a product code as often as a document, and the same
//! string can be any of the three documents, so the shape alone decides nothing. A match is
//! reported only when a label names the document ("carta d'identità", "passaporto",
//! "passport number" …) within the context window; the nearest label decides which
//! document, a nationality word ("britannico", "Italian", "UK") or else the text's
//! language decides which passport. One span is reported as one type, never three. The
//! only strict shape reported without a label is the CIE 3.0 number (`C` + letter, five
//! digits, two letters), which ordinary text does not produce.

use crate::engine::context::Language;
use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{Compact, is_placeholder_digits};
use super::labels::{IdentifierLabels, WORDS_AFTER, WORDS_BEFORE, nearest_hit, word_lexicon};

/// Paper identity card / passports (optionally "AA 1234567" for the card), the old
/// 9-digit UK passport, CIE 2.0 and CIE 3.0, in one pass.
const PATTERN: &str = r"(?i-u)\b(?:[A-Z]{2} ?\d{7}|\d{9}|\d{7}[A-Z]{2}|[A-Z]{2}\d{5}[A-Z]{2})\b";

/// Words that give a passport's nationality: entries below `UK_FROM` are Italian.
const NATIONALITY: &[&str] = &[
    "italiano",
    "italiana",
    "italian",
    "italia",
    "italy",
    "repubblica italiana",
    "uk",
    "british",
    "britannico",
    "britannica",
    "inglese",
    "regno unito",
    "united kingdom",
    "hm passport office",
    "hmpo",
];
const UK_FROM: u32 = 6;

/// Score of a labelled document number: the label is the evidence.
const LABELLED_SCORE: f32 = 0.85;
/// Score of an unlabelled CIE 3.0 number.
const CIE_SCORE: f32 = 0.6;

pub struct IdDocumentRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    nationality: LexiconId,
}

impl IdDocumentRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(PATTERN),
            labels: IdentifierLabels::register(builder),
            nationality: word_lexicon(builder, "context.passport_nationality", NATIONALITY),
        }
    }

    fn passport_type(&self, scan: &Scan<'_>, span: ByteSpan, language: Language) -> EntityType {
        match nearest_hit(scan, self.nationality, span, WORDS_BEFORE + 2, Some(WORDS_AFTER)) {
            Some((_, entry, _, _)) if entry >= UK_FROM => EntityType::UkPassport,
            Some(_) => EntityType::ItPassport,
            None if language == Language::Italian => EntityType::ItPassport,
            None => EntityType::UkPassport,
        }
    }
}

/// The shapes this recogniser knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `AA1234567`: paper identity card, Italian or UK passport.
    LettersDigits,
    /// `AA 1234567`: the paper identity card as printed.
    LettersSpaceDigits,
    /// `925076473`: the older UK passport.
    NineDigits,
    /// `1234567AA`: CIE 2.0.
    Cie2,
    /// `CA12345AB`: CIE 3.0.
    Cie3,
}

/// Two-letter Italian and English words (and number abbreviations) that can stand before
/// a number: with a space after them they are not the letters of a paper card number.
fn is_short_word(letters: &str) -> bool {
    const WORDS: &[&str] = &[
        "is", "in", "on", "at", "of", "to", "no", "nr", "nn", "by", "an", "as", "be", "he", "we", "me", "my", "or",
        "so", "up", "it", "if", "do", "il", "la", "lo", "le", "di", "da", "ed", "ha", "ho", "un", "ai", "al", "ci",
        "si", "se", "ne", "ma", "tu", "mi", "ti", "va", "fa", "sa",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(letters))
}

fn shape_of(value: &str) -> Option<Shape> {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let letters = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_alphabetic);
    match b.len() {
        9 if digits(0..9) => Some(Shape::NineDigits),
        9 if letters(0..2) && digits(2..9) => Some(Shape::LettersDigits),
        9 if digits(0..7) && letters(7..9) => Some(Shape::Cie2),
        9 if letters(0..2) && digits(2..7) && letters(7..9) => Some(Shape::Cie3),
        10 if letters(0..2) && b[2] == b' ' && digits(3..10) => Some(Shape::LettersSpaceDigits),
        _ => None,
    }
}

impl Recogniser for IdDocumentRecogniser {
    fn name(&self) -> &'static str {
        "id_documents"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::ItIdentityCard, EntityType::ItPassport, EntityType::UkPassport]
    }

    fn recognise(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            if !is_isolated(scan.text, m.start(), m.end()) {
                continue;
            }
            let value = m.as_str();
            let Some(shape) = shape_of(value) else { continue };
            let span = ByteSpan::new(m.start(), m.end());
            let label = self.labels.label_for(scan, span, self.entity_types());
            let is_card_label = label == Some(EntityType::ItIdentityCard);
            let is_passport_label = matches!(label, Some(EntityType::ItPassport | EntityType::UkPassport));
            let entity_type = match shape {
                Shape::LettersDigits if is_card_label => EntityType::ItIdentityCard,
                Shape::LettersDigits if is_passport_label => self.passport_type(scan, span, input.language),
                // "is 1234567", "nr 1234567" are a word and a number, not a card.
                Shape::LettersSpaceDigits if is_card_label && !is_short_word(&value[..2]) => EntityType::ItIdentityCard,
                Shape::NineDigits if is_passport_label && !is_placeholder_digits(value.as_bytes()) => {
                    match self.passport_type(scan, span, Language::English) {
                        // Italian passports are never nine digits.
                        EntityType::ItPassport => continue,
                        ty => ty,
                    }
                }
                Shape::Cie2 if is_card_label => EntityType::ItIdentityCard,
                Shape::Cie3 if is_card_label || is_passport_label || label.is_none() => {
                    // The serial is never all zeros.
                    if Compact::new(&value[2..7], &[]).is_some_and(|d| d.as_bytes().iter().all(|&c| c == b'0')) {
                        continue;
                    }
                    if label.is_none() {
                        let strict = value.starts_with('C') && value.bytes().all(|b| !b.is_ascii_lowercase());
                        if strict {
                            out.push(Candidate::new(span, EntityType::ItIdentityCard, CIE_SCORE, self.name()));
                        }
                        continue;
                    }
                    EntityType::ItIdentityCard
                }
                _ => continue,
            };
            out.push(Candidate::new(span, entity_type, LABELLED_SCORE, self.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found_typed_in;

    fn docs(text: &str, language: Language) -> Vec<(String, EntityType)> {
        found_typed_in(|b| Box::new(IdDocumentRecogniser::new(b)), text, language)
    }

    fn one(value: &str, ty: EntityType) -> Vec<(String, EntityType)> {
        vec![(value.to_owned(), ty)]
    }

    #[test]
    fn the_label_decides_the_document() {
        use EntityType::*;
        let it = Language::Italian;
        assert_eq!(docs("Carta d'identità n. AU1234567 rilasciata a Roma", it), one("AU1234567", ItIdentityCard));
        assert_eq!(docs("numero di passaporto: YA8335453", it), one("YA8335453", ItPassport));
        assert_eq!(docs("My passport number is CD7654321", Language::English), one("CD7654321", UkPassport));
        assert_eq!(docs("carta di identità AB 1234567", it), one("AB 1234567", ItIdentityCard));
        assert_eq!(docs("CIE 1234567AB", it), one("1234567AB", ItIdentityCard));
    }

    #[test]
    fn nationality_words_then_language_decide_the_passport() {
        use EntityType::*;
        assert_eq!(docs("Her Italian passport number is YA8335453", Language::English), one("YA8335453", ItPassport));
        assert_eq!(docs("Passaporto britannico n. AB1234567", Language::Italian), one("AB1234567", UkPassport));
        assert_eq!(docs("UK passport 925076473", Language::English), one("925076473", UkPassport));
        // Nine digits are never an Italian passport; a placeholder is no passport at all.
        assert!(docs("passaporto italiano 925076473", Language::Italian).is_empty());
        assert!(docs("passport number 123456789", Language::English).is_empty());
    }

    #[test]
    fn shapes_without_a_label_are_not_documents() {
        let en = Language::English;
        assert!(docs("order AB1234567 shipped", en).is_empty());
        assert!(docs("ref 1234567AB", en).is_empty());
        assert!(docs("call 333202925", en).is_empty());
        // A passport is never printed with a space; the spaced form is only the paper card.
        assert!(docs("passport AB 1234567", en).is_empty());
        assert!(docs("carta d'identità nr 1234567", Language::Italian).is_empty());
        assert!(docs("Her identity card number is 1234567", Language::English).is_empty());
        // A word before nine digits does not hide them.
        assert_eq!(
            docs("My passport number is 925076473", Language::English),
            one("925076473", EntityType::UkPassport)
        );
    }

    #[test]
    fn cie_3_strict_shape_stands_alone() {
        let en = Language::English;
        assert_eq!(docs("documento CA79382RA ok", en), one("CA79382RA", EntityType::ItIdentityCard));
        assert!(docs("CA00000AA", en).is_empty());
        assert!(docs("ab12345cd", en).is_empty());
        assert_eq!(docs("carta d'identità AB12345CD", en), one("AB12345CD", EntityType::ItIdentityCard));
    }

    #[test]
    fn labelled_as_another_document_or_glued() {
        let it = Language::Italian;
        assert!(docs("patente AB1234567", it).is_empty());
        assert!(docs("passaporto XAB1234567", it).is_empty());
    }
}

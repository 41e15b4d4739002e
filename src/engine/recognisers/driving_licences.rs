//! Driving licence numbers: `IT_DRIVER_LICENSE` and `UK_DRIVING_LICENCE`.
//!
//! The Italian number has no checksum: two letters, seven digits and a letter
//! (`AA0123456B`), or, on cards issued since 2013, `U1` followed by seven characters from a
//! set without vowels-that-look-like-digits and a letter (`U1K711J11M`). Ten characters of
//! that kind are a part number as easily as a licence, so the first shape needs a licence
//! label near it ("patente", "driving licence"); the `U1` shape, which ordinary text does
//! not produce, stands alone at a lower score.
//!
//! The UK (DVLA) number encodes its holder: five letters of the surname padded with 9,
//! the decade of birth, the month of birth (plus 50 for women), the day, the year digit,
//! two initials (padded with 9), a digit and two check letters (`MORGA657054SM9IJ`).
//! Checking that the date exists and the padding is at the end makes the 16-character
//! shape specific enough without context.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::Compact;
use super::labels::{IdentifierLabels, context_lexicon};

/// Both shapes in one pass: the Italian ones are ten characters, the UK one sixteen.
const PATTERN: &str =
    r"(?i-u)\b(?:[A-Z]{2}\d{7}[A-Z]|U1[BCDEFGHJKLMNPRSTUWXYZ0-9]{7}[A-Z]|[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2})\b";

const LABELS: &[EntityType] = &[EntityType::ItDriverLicense, EntityType::UkDrivingLicence];

const IT_LABELLED_SCORE: f32 = 0.85;
/// The `U1…` shape without a label.
const IT_U1_SCORE: f32 = 0.55;
/// A UK licence whose encoded date and padding check out.
const UK_SCORE: f32 = 0.8;

pub struct DrivingLicenceRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl DrivingLicenceRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self {
            pattern: builder.pattern(PATTERN),
            labels: IdentifierLabels::register(builder),
            context: context_lexicon(builder, "context.driving_licence", LABELS, &["motorizzazione", "guida"]),
        }
    }
}

/// Whether 16 upper-case characters are a well-formed DVLA licence number.
pub fn is_valid_uk(value: &str) -> bool {
    let Some(c) = Compact::new(value, &[]) else { return false };
    let b = c.as_bytes();
    if b.len() != 16 {
        return false;
    }
    // Surname: letters, then 9 padding; at least one letter.
    let letters = b[..5].iter().take_while(|c| c.is_ascii_uppercase()).count();
    if letters == 0 || !b[letters..5].iter().all(|&c| c == b'9') {
        return false;
    }
    if !b[5..11].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digit = |i: usize| u32::from(b[i] - b'0');
    let month = digit(6) * 10 + digit(7);
    let month = if month > 50 { month - 50 } else { month };
    let day = digit(8) * 10 + digit(9);
    let year = digit(5) * 10 + digit(10);
    let days = match month {
        2 if year.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    // Initials: a letter, then a letter or 9 padding; a digit; two check letters.
    b[11].is_ascii_uppercase()
        && (b[12].is_ascii_uppercase() || b[12] == b'9')
        && b[13].is_ascii_digit()
        && b[14..16].iter().all(u8::is_ascii_uppercase)
}

impl Recogniser for DrivingLicenceRecogniser {
    fn name(&self) -> &'static str {
        "driving_licence"
    }

    fn entity_types(&self) -> &[EntityType] {
        LABELS
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let span = ByteSpan::new(m.start(), m.end());
            if !is_isolated(scan.text, span.start, span.end) {
                continue;
            }
            if m.len() == 16 {
                if is_valid_uk(m.as_str()) && !self.labels.names_other(scan, span, LABELS) {
                    out.push(
                        Candidate::new(span, EntityType::UkDrivingLicence, UK_SCORE, self.name())
                            .with_context(self.context),
                    );
                }
                continue;
            }
            let label = self.labels.label_for(scan, span, LABELS);
            let score = match label {
                Some(ty) if LABELS.contains(&ty) => IT_LABELLED_SCORE,
                None if m.as_str().starts_with("U1") && !m.as_str().bytes().any(|b| b.is_ascii_lowercase()) => {
                    IT_U1_SCORE
                }
                _ => continue,
            };
            out.push(Candidate::new(span, EntityType::ItDriverLicense, score, self.name()).with_context(self.context));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found_typed;

    fn licences(text: &str) -> Vec<(String, EntityType)> {
        found_typed(|b| Box::new(DrivingLicenceRecogniser::new(b)), text)
    }

    #[test]
    fn italian_licence_needs_a_label_unless_u1() {
        let it = EntityType::ItDriverLicense;
        assert_eq!(licences("patente di guida n. RM1234567X"), [("RM1234567X".to_owned(), it)]);
        assert_eq!(licences("codice U1K711J11M"), [("U1K711J11M".to_owned(), it)]);
        assert!(licences("articolo RM1234567X").is_empty());
        // A vowel is not in the U1 alphabet; nor may it be labelled as something else.
        assert!(licences("U1H00A000B").is_empty());
        assert!(licences("passaporto RM1234567X").is_empty());
    }

    #[test]
    fn uk_licence_encodes_a_real_date_of_birth() {
        // MORGA 6 57 05 4 SM 9 IJ: Morgan, a woman (month 57 = July), born 5 July 1964.
        assert!(is_valid_uk("MORGA657054SM9IJ"));
        assert!(is_valid_uk("FO999512018AA1AB")); // short surname padded with 9
        for bad in ["MORGA613054SM9IJ", "MORGA663054SM9IJ", "MORGA602304SM9IJ", "99999657054SM9IJ", "MO9G9657054SM9IJ"]
        {
            assert!(!is_valid_uk(bad), "{bad}");
        }
        let uk = EntityType::UkDrivingLicence;
        assert_eq!(licences("Licence: morga657054sm9ij ok"), [("morga657054sm9ij".to_owned(), uk)]);
        assert!(licences("MORGA6570544SM9IJ").is_empty());
    }
}

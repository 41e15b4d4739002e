//! `IT_FISCAL_CODE`: the 16-character codice fiscale. The pattern accepts omocodia (digits
//! replaced by the letters L M N P Q R S T U V) and any letter case; a match is reported only
//! when its check character is right and its month letter and day are plausible. Unlike
//! Presidio, a failed check is rejected, not kept at a low score.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

const PATTERN: &str = r"(?i)[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]";

/// Values of characters in odd positions (1st, 3rd, …), indexed by digit or letter.
const ODD_DIGITS: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
const ODD_LETTERS: [u32; 26] =
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/// Letters that stand for digits 0-9 in omocodia codes.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";

/// Month letters A-T (January-December).
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";

/// Computes the check character of the first 15 characters (uppercase ASCII).
pub fn check_character(first15: &[u8]) -> Option<u8> {
    if first15.len() != 15 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in first15.iter().enumerate() {
        let value = match c {
            b'0'..=b'9' if i % 2 == 0 => ODD_DIGITS[(c - b'0') as usize],
            b'A'..=b'Z' if i % 2 == 0 => ODD_LETTERS[(c - b'A') as usize],
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A'),
            _ => return None,
        };
        sum += value;
    }
    Some(b'A' + (sum % 26) as u8)
}

/// The digit a date position holds, decoding omocodia letters.
fn digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ => OMOCODIA.iter().position(|&l| l == c).map(|d| d as u32),
    }
}

/// Whether `code` is a valid 16-character codice fiscale (any case, no spaces).
pub fn is_valid(code: &str) -> bool {
    let upper: Vec<u8> = code.bytes().map(|b| b.to_ascii_uppercase()).collect();
    if upper.len() != 16 {
        return false;
    }
    if !MONTHS.contains(&upper[8]) {
        return false;
    }
    let day = match (digit(upper[9]), digit(upper[10])) {
        (Some(t), Some(u)) => t * 10 + u,
        _ => return false,
    };
    // Women's days are the day plus 40.
    if !(1..=31).contains(&day) && !(41..=71).contains(&day) {
        return false;
    }
    check_character(&upper[..15]) == Some(upper[15])
}

pub struct FiscalCodeRecogniser {
    pattern: PatternId,
}

impl FiscalCodeRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self { pattern: builder.pattern(PATTERN) }
    }
}

impl Recogniser for FiscalCodeRecogniser {
    fn name(&self) -> &'static str {
        "fiscal_code"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::ItFiscalCode]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            if is_isolated(scan.text, m.start(), m.end()) && is_valid(m.as_str()) {
                out.push(Candidate::new(ByteSpan::new(m.start(), m.end()), EntityType::ItFiscalCode, 1.0, self.name()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    #[test]
    fn check_character_of_worked_examples() {
        // Worked example from the Agenzia delle Entrate algorithm: Mario Rossi, Rome, 1 Jan 1980.
        assert_eq!(check_character(b"RSSMRA80A01H501"), Some(b'U'));
        assert!(is_valid("RSSMRA80A01H501U"));
        assert!(is_valid("rssmra80a01h501u"));
        assert!(!is_valid("RSSMRA80A01H501X"));
    }

    #[test]
    fn omocodia_codes_validate() {
        // The same person with the last digit of the place code replaced by its letter (1 -> M):
        // the check character is recomputed over the substituted code.
        let first15 = b"RSSMRA80A01H50M";
        let check = check_character(first15).unwrap() as char;
        let code = format!("RSSMRA80A01H50M{check}");
        assert!(is_valid(&code));
        let got = found(|b| Box::new(FiscalCodeRecogniser::new(b)), &format!("CF: {code}."));
        assert_eq!(got, [code]);
    }

    #[test]
    fn implausible_dates_are_rejected() {
        // Day 35 is neither a man's (1-31) nor a woman's (41-71) day.
        let first15 = b"RSSMRA80A35H501";
        let check = check_character(first15).unwrap() as char;
        assert!(!is_valid(&format!("RSSMRA80A35H501{check}")));
    }

    #[test]
    fn finds_only_isolated_valid_codes() {
        let got = found(
            |b| Box::new(FiscalCodeRecogniser::new(b)),
            "CF RSSMRA80A01H501U, xRSSMRA80A01H501U, RSSMRA80A01H501X",
        );
        assert_eq!(got, ["RSSMRA80A01H501U"]);
    }
}

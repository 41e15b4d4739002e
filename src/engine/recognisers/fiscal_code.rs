//! `IT_FISCAL_CODE`: the 16-character codice fiscale, compact or written in groups
//! ("RSS MRA 80A01 H501U", "CCC-FBA-85-D03-L219-P"), in any letter case, with omocodia
//! (digits replaced by the letters L M N P Q R S T U V when two people would share a code).
//! A match is reported only when it is a code the Agenzia delle Entrate could issue: the
//! surname and name parts are consonants, then vowels, then X padding; the month letter,
//! the day (plus 40 for women) and the day of that month exist; the check character is
//! right. Unlike Presidio, a failed check is rejected, not kept at a low score. The 11-digit
//! temporary code is recognised with the VAT number it shares its format with (`vat_code`).

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::Compact;

/// Optional separators only where people put them: after the surname and name parts, the
/// year, the month, the day and the place code.
const PATTERN: &str = concat!(
    r"(?i-u)\b[A-Z]{3}[ \-]?[A-Z]{3}[ \-]?[0-9LMNPQRSTUV]{2}[ \-]?[ABCDEHLMPRST][ \-]?[0-9LMNPQRSTUV]{2}",
    r"[ \-]?[A-Z][0-9LMNPQRSTUV]{3}[ \-]?[A-Z]\b"
);

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

/// The digit a date or place position holds, decoding omocodia letters.
fn digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ => OMOCODIA.iter().position(|&l| l == c).map(|d| d as u32),
    }
}

/// A surname or name part: consonants, then vowels, then X padding ("RSS", "FOX", "AXX").
fn is_name_part(part: &[u8]) -> bool {
    let mut stage = 0; // 0 consonants, 1 vowels, 2 padding
    for &c in part {
        let is_vowel = matches!(c, b'A' | b'E' | b'I' | b'O' | b'U');
        stage = match (stage, is_vowel, c) {
            (0, false, _) => 0,
            (0 | 1, true, _) => 1,
            (1 | 2, false, b'X') => 2,
            _ => return false,
        };
        if !c.is_ascii_uppercase() {
            return false;
        }
    }
    true
}

fn days_in_month(month: usize, two_digit_year: u32) -> u32 {
    match month {
        1 => {
            // The century is not in the code; years divisible by four are leap years in both
            // (2000 was one), so February 29 is accepted then.
            if two_digit_year.is_multiple_of(4) { 29 } else { 28 }
        }
        3 | 5 | 8 | 10 => 30,
        _ => 31,
    }
}

/// Whether 16 upper-case characters form a valid codice fiscale.
fn is_valid_upper(code: &[u8]) -> bool {
    if code.len() != 16 || !is_name_part(&code[0..3]) || !is_name_part(&code[3..6]) {
        return false;
    }
    let Some(month) = MONTHS.iter().position(|&m| m == code[8]) else {
        return false;
    };
    let (Some(y1), Some(y2), Some(d1), Some(d2)) = (digit(code[6]), digit(code[7]), digit(code[9]), digit(code[10]))
    else {
        return false;
    };
    if !code[11].is_ascii_uppercase() || code[12..15].iter().any(|&c| digit(c).is_none()) {
        return false;
    }
    let day = d1 * 10 + d2;
    // Women's days are the day plus 40.
    let day = if day > 40 { day - 40 } else { day };
    if day == 0 || day > days_in_month(month, y1 * 10 + y2) {
        return false;
    }
    check_character(&code[..15]) == Some(code[15])
}

/// Whether `code` is a valid 16-character codice fiscale: any case, compact or with single
/// spaces or hyphens between groups.
pub fn is_valid(code: &str) -> bool {
    Compact::new(code, &[' ', '-']).is_some_and(|c| is_valid_upper(c.as_bytes()))
}

pub struct FiscalCodeRecogniser {
    pattern: PatternId,
}

impl FiscalCodeRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self { pattern: builder.pattern(PATTERN) }
    }
}

/// A written form people use: one kind of separator throughout; and a code without any
/// digit (fully omocodic) only in capitals and compact, because sixteen lower-case letters
/// are a word far more often than a code.
fn is_plausible_form(value: &str) -> bool {
    let mut separator = None;
    for c in value.chars().filter(|c| matches!(c, ' ' | '-')) {
        if separator.is_some_and(|s| s != c) {
            return false;
        }
        separator = Some(c);
    }
    value.bytes().any(|b| b.is_ascii_digit()) || (separator.is_none() && !value.bytes().any(|b| b.is_ascii_lowercase()))
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
            if is_isolated(scan.text, m.start(), m.end()) && is_plausible_form(m.as_str()) && is_valid(m.as_str()) {
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
    fn spaced_and_lower_case_forms() {
        let got = found(
            |b| Box::new(FiscalCodeRecogniser::new(b)),
            "CF RSS MRA 80A01 H501U, c.f. rss-mra-80a01-h501u e rssmra80a01h501u.",
        );
        assert_eq!(got, ["RSS MRA 80A01 H501U", "rss-mra-80a01-h501u", "rssmra80a01h501u"]);
        // Mixed separators and separators inside a group are not a written form.
        let got = found(|b| Box::new(FiscalCodeRecogniser::new(b)), "RSS MRA-80A01 H501U e RS SMRA80A01H501U");
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn surname_and_name_parts_follow_the_coding_rules() {
        // Consonants, then vowels, then X: "FOX" (Fo), "AXX" (A) are codes; a vowel before a
        // consonant ("AAP") or a letter after the padding ("AXA") are not. Check characters
        // are recomputed so only the part under test is wrong.
        for (first15, ok) in [
            ("FOXDRA26C24H872", true),
            ("AXXMRA80A01H501", true),
            ("AAPMRA80A01H501", false),
            ("RSSAXA80A01H501", false),
        ] {
            let code = format!("{first15}{}", check_character(first15.as_bytes()).unwrap() as char);
            assert_eq!(is_valid(&code), ok, "{code}");
        }
    }

    #[test]
    fn days_must_exist_in_their_month() {
        // 30 April exists, 31 April does not; 29 February only in years divisible by four;
        // women's days are offset by 40 (D71 = 31 April for a woman: invalid).
        for (first15, ok) in [
            ("RSSMRA80D30H501", true),
            ("RSSMRA80D31H501", false),
            ("RSSMRA80B29H501", true),
            ("RSSMRA77B29H501", false),
            ("RSSMRA80D70H501", true),
            ("RSSMRA80D71H501", false),
            ("RSSMRA80A00H501", false),
        ] {
            let code = format!("{first15}{}", check_character(first15.as_bytes()).unwrap() as char);
            assert_eq!(is_valid(&code), ok, "{code}");
        }
    }

    #[test]
    fn lower_case_words_are_not_fully_omocodic_codes() {
        // A fully omocodic code has no digit; only its compact capital form is accepted.
        let first15 = b"RSSMRAULALMHRLM";
        let code = format!("{}{}", std::str::from_utf8(first15).unwrap(), check_character(first15).unwrap() as char);
        assert!(is_valid(&code));
        assert_eq!(
            found(|b| Box::new(FiscalCodeRecogniser::new(b)), &format!("CF {code}")),
            std::slice::from_ref(&code)
        );
        assert!(found(|b| Box::new(FiscalCodeRecogniser::new(b)), &format!("cf {}", code.to_lowercase())).is_empty());
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

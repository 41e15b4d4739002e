//! `PHONE_NUMBER`: a permissive candidate pattern (digits with spaces, dots, dashes,
//! slashes and parentheses, optional `+` or `00` prefix), then validation by the
//! `phonenumber` crate (libphonenumber's metadata) so only numbers that exist are reported.

use phonenumber::country::Id as Region;

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

const PATTERN: &str = r"(?:\+|00)?\(?\d[\d \u{a0}.\-/()]{5,22}\d";

/// Regions tried, in order, for a number written without an international prefix. Italy
/// and the UK first (where clinics are), then other regions whose national numbers
/// appear in posts.
const NATIONAL_REGIONS: &[Region] = &[Region::IT, Region::GB, Region::US];

const CONTEXT: &[&str] = &[
    "tel",
    "tel.",
    "telefono",
    "cellulare",
    "cell",
    "cell.",
    "numero",
    "chiama",
    "chiamami",
    "chiamare",
    "whatsapp",
    "sms",
    "fisso",
    "phone",
    "mobile",
    "call",
    "text",
    "ring",
    "number",
    "contact",
];

pub struct PhoneRecogniser {
    pattern: PatternId,
    context: LexiconId,
}

impl PhoneRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let context = builder.lexicon("context.phone");
        for (i, word) in CONTEXT.iter().enumerate() {
            builder.term(context, word, i as u32);
        }
        // The metadata database loads lazily; load it now so the first request is not slow.
        let _ = phonenumber::parse(Some(Region::IT), "+39 02 1234 5678");
        Self { pattern: builder.pattern(PATTERN), context }
    }
}

/// How sure the phone metadata is that a candidate is a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhoneValidity {
    /// Not a number anywhere we look.
    No,
    /// Right length for its region but not in a known range (new ranges, reserved "drama"
    /// numbers such as 07700 900xxx that people still write): reported only with context.
    Possible,
    /// In a range the metadata knows.
    Valid,
}

/// Classifies `candidate`, trying international form first, then each national region.
pub fn classify(candidate: &str) -> PhoneValidity {
    let trimmed = candidate.trim();
    if let Some(rest) = trimmed.strip_prefix("00") {
        return classify_parsed(phonenumber::parse(None, format!("+{rest}")).ok());
    }
    if trimmed.starts_with('+') {
        return classify_parsed(phonenumber::parse(None, trimmed).ok());
    }
    NATIONAL_REGIONS
        .iter()
        .map(|region| classify_parsed(phonenumber::parse(Some(*region), trimmed).ok()))
        .max()
        .unwrap_or(PhoneValidity::No)
}

fn classify_parsed(number: Option<phonenumber::PhoneNumber>) -> PhoneValidity {
    let Some(number) = number else {
        return PhoneValidity::No;
    };
    if phonenumber::is_valid(&number) {
        return PhoneValidity::Valid;
    }
    let national_len = number.national().to_string().len();
    let possible = phonenumber::metadata::DATABASE.by_code(&number.code().value()).is_some_and(|metas| {
        // Lengths of personal numbers: fixed lines and mobiles (the general descriptor's
        // list is empty in this metadata).
        metas.iter().any(|meta| {
            let d = meta.descriptors();
            [d.fixed_line(), d.mobile()]
                .into_iter()
                .flatten()
                .any(|desc| desc.possible_length().iter().any(|&l| usize::from(l) == national_len))
        })
    });
    if possible { PhoneValidity::Possible } else { PhoneValidity::No }
}

/// Shapes that are numbers but not phone numbers: dates, times, decimal amounts.
fn looks_like_date_or_amount(candidate: &str) -> bool {
    let groups: Vec<&str> = candidate.split(['/', '.', '-']).collect();
    if groups.len() == 3 && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        let (d, m, y) = (groups[0].len(), groups[1].len(), groups[2].len());
        if (d <= 2 && m <= 2 && (y == 2 || y == 4)) || (d == 4 && m <= 2 && y <= 2) {
            return true;
        }
    }
    false
}

impl Recogniser for PhoneRecogniser {
    fn name(&self) -> &'static str {
        "phone"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::PhoneNumber]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let raw = m.as_str();
            // Trim an unbalanced leading "(" or trailing ")" the pattern may have taken.
            let mut start = m.start();
            let mut end = m.end();
            let balanced = raw.matches('(').count() == raw.matches(')').count();
            if !balanced && raw.starts_with('(') {
                start += 1;
            }
            if !balanced && raw.ends_with(')') {
                end -= 1;
            }
            let value = &scan.text[start..end];
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            if !(8..=15).contains(&digits) || !is_isolated(scan.text, start, end) || looks_like_date_or_amount(value) {
                continue;
            }
            let score = match classify(value) {
                PhoneValidity::Valid => 0.75,
                PhoneValidity::Possible => 0.4,
                PhoneValidity::No => continue,
            };
            out.push(
                Candidate::new(ByteSpan::new(start, end), EntityType::PhoneNumber, score, self.name())
                    .with_context(self.context),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn phones(text: &str) -> Vec<String> {
        found(|b| Box::new(PhoneRecogniser::new(b)), text)
    }

    #[test]
    fn italian_uk_and_international_forms() {
        assert_eq!(phones("il mio numero è +39 328 445 1290."), ["+39 328 445 1290"]);
        assert_eq!(phones("Text me on 07700 900456 any time"), ["07700 900456"]);
        assert_eq!(phones("fisso 02 8645 1234"), ["02 8645 1234"]);
        assert_eq!(phones("chiama lo 0039 06 678 4343"), ["0039 06 678 4343"]);
        assert_eq!(phones("call +44 (20) 7123 4567"), ["+44 (20) 7123 4567"]);
    }

    #[test]
    fn not_phone_numbers() {
        assert!(phones("nato il 05/09/2001 alle 10.30").is_empty());
        assert!(phones("chiamate il 112 o il 118").is_empty());
        assert!(phones("IBAN IT60X0542811101000000123456").is_empty());
        assert!(phones("numero 1234567890123456789").is_empty());
    }
}

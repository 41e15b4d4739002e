//! `PHONE_NUMBER`: a permissive candidate pattern (digits with spaces, dots, dashes,
//! slashes and parentheses, optional `+` or `00` prefix), then validation by the
//! `phonenumber` crate (libphonenumber's metadata) so only numbers that exist are reported.
//!
//! International forms (+39, 0039, +44, 00 44, any country) are validated as written.
//! National forms are tried as Italian and British numbers first (where clinics are);
//! numbers valid only in a neighbouring or other region (San Marino, Vatican City, the US)
//! are reported only with a phone word near them, because eight to ten bare digits are
//! more often something else. Short service numbers (112, 118, NHS 111) are too short to
//! be candidates at all; freephone, premium-rate and shared-cost numbers are an
//! organisation's, never a patient's, so they are marked as such. A number labelled as
//! another identifier ("P.IVA", "NHS number") gets no boost from phone words, so that
//! identifier's reading wins when it validates.

use std::sync::LazyLock;

use phonenumber::Type;
use phonenumber::country::Id as Region;
use phonenumber::metadata::DATABASE;

use crate::engine::entity::{ByteSpan, EntityType, Role};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::skip_lead;
use super::labels::{IdentifierLabels, context_lexicon};
use super::phone_ranges::RegionRanges;

/// After the start of the text or a character that is not a letter, digit, "(" or "+" (a
/// leading class rather than a digit keeps the regex from prefiltering on every digit).
const PATTERN: &str = r"(?:^|[^0-9A-Za-z(+])\(?(?:\+|00)?\(?[0-9][0-9 \u{a0}.\-/()]{5,22}[0-9]";

/// Regions whose national numbers are reported without context, in order.
const PRIMARY_REGIONS: &[Region] = &[Region::IT, Region::GB];
/// Regions whose national numbers appear in posts less often: reported with context only.
const SECONDARY_REGIONS: &[Region] = &[Region::SM, Region::VA, Region::US];

/// The compiled ranges of the primary and secondary regions, built once per process.
fn ranges() -> &'static [RegionRanges] {
    static RANGES: LazyLock<Vec<RegionRanges>> = LazyLock::new(|| {
        PRIMARY_REGIONS.iter().chain(SECONDARY_REGIONS).filter_map(|&region| RegionRanges::new(region)).collect()
    });
    &RANGES
}

/// Words that make a nearby number more likely a phone number: the phone labels plus
/// looser words.
const EXTRA_CONTEXT: &[&str] =
    &["numero", "number", "chiamaci", "chiamateci", "contattami", "contattaci", "contact", "contatto", "reach me"];

const VALID_SCORE: f32 = 0.75;
const CONTEXT_ONLY_SCORE: f32 = 0.4;

pub struct PhoneRecogniser {
    pattern: PatternId,
    labels: IdentifierLabels,
    context: LexiconId,
}

impl PhoneRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let context = context_lexicon(builder, "context.phone", &[EntityType::PhoneNumber], EXTRA_CONTEXT);
        // The metadata loads and compiles lazily; do it now so the first request is not slow.
        let _ = ranges();
        let _ = phonenumber::parse(None, "+33 1 23 45 67 89");
        Self { pattern: builder.pattern(PATTERN), labels: IdentifierLabels::register(builder), context }
    }
}

/// How sure the phone metadata is that a candidate is a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhoneValidity {
    /// Not a number anywhere we look.
    No,
    /// Right length for its region but not in a known range (new ranges, reserved "drama"
    /// numbers such as 07700 900xxx that people still write), or valid only in a secondary
    /// region: reported only with context.
    Possible,
    /// In a range the metadata knows.
    Valid,
}

/// What the metadata says about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    pub validity: PhoneValidity,
    /// Whether the number is a business line (freephone, premium rate, shared cost, UAN).
    pub business: bool,
}

const NOT_A_NUMBER: Classified = Classified { validity: PhoneValidity::No, business: false };

/// Classifies `candidate`, trying international form first, then the national regions.
pub fn classify(candidate: &str) -> Classified {
    classify_with(candidate, true)
}

/// Like [`classify`]; with `other_countries` false, an international number of a country
/// outside the compiled regions is not parsed (by the slower crate) and counts as none.
fn classify_with(candidate: &str, other_countries: bool) -> Classified {
    let trimmed = candidate.trim().trim_start_matches('(');
    let mut buffer = [0u8; 20];
    let mut len = 0;
    for b in trimmed.bytes().filter(u8::is_ascii_digit) {
        if len == buffer.len() {
            return NOT_A_NUMBER;
        }
        buffer[len] = b;
        len += 1;
    }
    let digits = std::str::from_utf8(&buffer[..len]).unwrap_or_default();
    if trimmed.starts_with('+') {
        return classify_international(digits, other_countries);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return classify_international(rest, other_countries);
    }
    classify_national(digits)
}

fn classify_international(digits: &str, other_countries: bool) -> Classified {
    let mut possible = false;
    let mut ours = false;
    for ranges in ranges() {
        let Some(nsn) = digits.strip_prefix(ranges.country_code.as_str()) else { continue };
        ours = true;
        // "+44 (0)20 7123 4567": the trunk prefix in brackets is not part of the number.
        for nsn in [nsn, ranges.national_significant(nsn)] {
            if let Some(ty) = ranges.number_type(nsn) {
                return valid(ty);
            }
            possible |= ranges.is_possible_length(nsn);
        }
    }
    if ours || !other_countries {
        return Classified {
            validity: if possible { PhoneValidity::Possible } else { PhoneValidity::No },
            business: false,
        };
    }
    // Any other country: the crate parses and validates it (rare in posts, so its cost is
    // acceptable here).
    let mut international = String::with_capacity(digits.len() + 1);
    international.push('+');
    international.push_str(digits);
    classify_parsed(phonenumber::parse(None, &international).ok())
}

fn classify_national(digits: &str) -> Classified {
    let primary = ranges().iter().filter(|r| PRIMARY_REGIONS.contains(&r.region));
    let secondary = ranges().iter().filter(|r| !PRIMARY_REGIONS.contains(&r.region));
    let mut possible = false;
    for ranges in primary {
        let nsn = ranges.national_significant(digits);
        if let Some(ty) = ranges.number_type(nsn) {
            return valid(ty);
        }
        possible |= ranges.is_possible_length(nsn);
        // "044 7789 345856": a trunk 0 before the country code instead of "00", as
        // libphonenumber accepts for its default region.
        if let Some(rest) = digits.strip_prefix('0').and_then(|d| d.strip_prefix(ranges.country_code.as_str()))
            && let Some(ty) = ranges.number_type(rest)
        {
            return valid(ty);
        }
    }
    for ranges in secondary {
        if let Some(ty) = ranges.number_type(ranges.national_significant(digits)) {
            return Classified { validity: PhoneValidity::Possible, ..valid(ty) };
        }
    }
    Classified { validity: if possible { PhoneValidity::Possible } else { PhoneValidity::No }, business: false }
}

fn valid(ty: Type) -> Classified {
    Classified { validity: PhoneValidity::Valid, business: is_business_line(ty) }
}

/// Freephone, premium-rate, shared-cost and company numbers belong to an organisation.
fn is_business_line(ty: Type) -> bool {
    matches!(ty, Type::TollFree | Type::PremiumRate | Type::SharedCost | Type::Uan)
}

fn classify_parsed(number: Option<phonenumber::PhoneNumber>) -> Classified {
    let Some(number) = number else {
        return NOT_A_NUMBER;
    };
    if phonenumber::is_valid(&number) {
        let business =
            matches!(number.number_type(&DATABASE), Type::TollFree | Type::PremiumRate | Type::SharedCost | Type::Uan);
        return Classified { validity: PhoneValidity::Valid, business };
    }
    let national_len = number.national().to_string().len();
    let possible = DATABASE.by_code(&number.code().value()).is_some_and(|metas| {
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
    Classified { validity: if possible { PhoneValidity::Possible } else { PhoneValidity::No }, business: false }
}

/// Shapes that are numbers but not phone numbers: dates, ranges, IPv4 addresses.
fn looks_like_date_or_amount(candidate: &str) -> bool {
    let ipv4 = candidate.split('.').count() == 4
        && candidate.split('.').all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    if ipv4 {
        return true;
    }
    let mut groups = [0usize; 4];
    let mut count = 0;
    for group in candidate.split(['/', '.', '-']) {
        if count == groups.len() || group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        groups[count] = group.len();
        count += 1;
    }
    let [d, m, y, _] = groups;
    let date = count == 3 && ((d <= 2 && m <= 2 && (y == 2 || y == 4)) || (d == 4 && m <= 2 && y <= 2));
    date || looks_like_range(candidate)
}

/// "pp. 39696-39697", "2019-2020": two numbers of one length, the second larger, with the
/// same first digit: a range, not a phone number.
fn looks_like_range(candidate: &str) -> bool {
    let Some((low, high)) = candidate.split_once('-') else { return false };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    numeric(low) && numeric(high) && low.len() == high.len() && low.as_bytes()[0] == high.as_bytes()[0] && high > low
}

/// Parentheses as phone numbers use them: balanced, around digits ("(415) 555-0132",
/// "+44 (0)20 7123 4567"), not a remark after a number ("200/1000 ( 200 mm").
fn has_phone_parentheses(value: &str) -> bool {
    let mut open = false;
    let mut previous = ' ';
    for c in value.chars() {
        match c {
            '(' if open => return false,
            '(' => open = true,
            ')' if !open || !previous.is_ascii_digit() => return false,
            ')' => open = false,
            c if previous == '(' && !(c.is_ascii_digit() || c == '+') => return false,
            _ => {}
        }
        previous = c;
    }
    !open
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
            // Trim an unbalanced leading "(" or trailing ")" the pattern may have taken.
            let mut start = skip_lead(&m, &['(', '+']);
            let mut end = m.end();
            let raw = &scan.text[start..end];
            let opened = raw.bytes().filter(|&b| b == b'(').count();
            let closed = raw.bytes().filter(|&b| b == b')').count();
            if opened != closed && raw.starts_with('(') {
                start += 1;
            }
            if opened != closed && raw.ends_with(')') {
                end -= 1;
            }
            let value = &scan.text[start..end];
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            if !(8..=15).contains(&digits)
                || !is_isolated(scan.text, start, end)
                || looks_like_date_or_amount(value)
                || !has_phone_parentheses(value)
            {
                continue;
            }
            let span = ByteSpan::new(start, end);
            // A number labelled as another identifier ("P.IVA 00743110157") is not tried as
            // a call to a far country: that would cost a slow parse for a number the label
            // already explains.
            let labelled_other =
                self.labels.nearest(scan, span).is_some_and(|l| l.entity_type != EntityType::PhoneNumber);
            let classified = classify_with(value, !labelled_other);
            let score = match classified.validity {
                PhoneValidity::Valid => VALID_SCORE,
                PhoneValidity::Possible => CONTEXT_ONLY_SCORE,
                PhoneValidity::No => continue,
            };
            let role = if classified.business { Role::Organisation } else { Role::Unknown };
            let candidate = Candidate::new(span, EntityType::PhoneNumber, score, self.name()).with_role(role);
            // A number labelled as another identifier ("P.IVA", "NHS number") gets no boost
            // from phone words ("number" is one): that identifier's own reading outscores it
            // when it validates, and the number is still reported when it does not.
            out.push(if labelled_other { candidate } else { candidate.with_context(self.context) });
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
        assert_eq!(phones("call +44 (0)20 7123 4567"), ["+44 (0)20 7123 4567"]);
        assert_eq!(phones("tel. (+39) 333 123 4567"), ["(+39) 333 123 4567"]);
        assert_eq!(phones("cell. 333.123.4567 o 333/1234567"), ["333.123.4567", "333/1234567"]);
    }

    #[test]
    fn other_regions_need_a_phone_word() {
        // San Marino mobile, eight digits: a phone number only when the text says so.
        assert_eq!(phones("cellulare 66661212"), ["66661212"]);
        assert!(phones("codice 66661212").is_empty());
        assert_eq!(phones("My US number is (415) 555-0132"), ["(415) 555-0132"]);
        assert_eq!(phones("mobile 0447789345856"), ["0447789345856"]);
    }

    #[test]
    fn labelled_as_something_else() {
        // No boost from "numero" under another label: a number that needs context drops out.
        assert!(phones("numero di partita IVA 66661212").is_empty());
        let entities = crate::engine::recognisers::test_support::found_entities(
            |b| Box::new(PhoneRecogniser::new(b)),
            "numero di partita IVA 02100550264",
        );
        assert_eq!(entities.iter().map(|e| e.score).collect::<Vec<_>>(), [VALID_SCORE]);
        // A label after the number names what follows it.
        assert_eq!(phones("al 328 445 1290; CF RSSMRA80A01H501U"), ["328 445 1290"]);
    }

    #[test]
    fn business_lines_belong_to_an_organisation() {
        use crate::engine::recognisers::test_support::found_entities;
        let entities =
            found_entities(|b| Box::new(PhoneRecogniser::new(b)), "numero verde 800 123 456, cell 328 445 1290");
        let roles: Vec<Role> = entities.iter().map(|e| e.role).collect();
        assert_eq!(roles, [Role::Organisation, Role::Unknown]);
    }

    #[test]
    fn not_phone_numbers() {
        assert!(phones("nato il 05/09/2001 alle 10.30").is_empty());
        assert!(phones("chiamate il 112 o il 118").is_empty());
        assert!(phones("IBAN IT60X0542811101000000123456").is_empty());
        assert!(phones("numero 1234567890123456789").is_empty());
        assert!(phones("telescopio 200/1000 ( 200 mm").is_empty());
        assert!(phones("Discussioni, pp. 39696-39697").is_empty());
    }
}

//! `mask`: hide characters of a value, keeping its shape.
//!
//! Semantics (documented in docs/anonymise.md and the proto):
//! - only letters and digits are masked, and only they count towards `chars_to_mask`;
//!   separators (spaces, `-`, `.`, `/`, `(`, `)`, `@`, `+`) stay, so "+39 328 445 4567" keeps
//!   its grouping and an e-mail address its `@` and dots;
//! - a phone number's international prefix (`+39`, `0039`, `+44`, `+1`) is never masked nor
//!   counted: it names a country of tens of millions, not a person, and readers need it to
//!   see the number was foreign. So `chars_to_mask = 6` from the start turns
//!   "+39 328 445 4567" into "+39 *** *** 4567";
//! - `chars_to_mask = 0`, or more than there are, masks them all; `from_end` counts from the
//!   end of the value instead of the start.

use crate::engine::entity::EntityType;

/// Appends `value` with `count` of its letters and digits replaced by `masking_char`.
pub(crate) fn mask(
    entity_type: EntityType,
    value: &str,
    masking_char: char,
    count: usize,
    from_end: bool,
    out: &mut String,
) {
    let protected = if entity_type == EntityType::PhoneNumber { country_prefix_digits(value) } else { 0 };
    let maskable = value.chars().filter(|c| c.is_alphanumeric()).count() - protected;
    let count = if count == 0 { maskable } else { count.min(maskable) };
    // Index (among maskable characters) of the first and one-past-last masked character.
    let (first, last) = if from_end { (maskable - count, maskable) } else { (0, count) };
    let mut seen = 0;
    let mut skipped = 0;
    for c in value.chars() {
        if !c.is_alphanumeric() {
            out.push(c);
        } else if skipped < protected {
            skipped += 1;
            out.push(c);
        } else {
            out.push(if (first..last).contains(&seen) { masking_char } else { c });
            seen += 1;
        }
    }
}

/// How many leading digits of a phone number are its international prefix: the country
/// calling code after `+` or `00` (the `00` itself included), 0 for a national number.
fn country_prefix_digits(value: &str) -> usize {
    let trimmed = value.trim_start();
    let (international, zeros) = if let Some(rest) = trimmed.strip_prefix('+') {
        (rest.to_owned(), 0)
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        (rest.to_owned(), 2)
    } else {
        return 0;
    };
    match phonenumber::parse(None, format!("+{international}")) {
        Ok(number) => zeros + number.code().value().to_string().len(),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(entity_type: EntityType, value: &str, count: usize, from_end: bool) -> String {
        let mut out = String::new();
        mask(entity_type, value, '*', count, from_end, &mut out);
        out
    }

    #[test]
    fn phone_numbers_keep_their_country_code_and_separators() {
        let phone = |v: &str, n: usize, end: bool| masked(EntityType::PhoneNumber, v, n, end);
        assert_eq!(phone("+39 328 445 4567", 6, false), "+39 *** *** 4567");
        assert_eq!(phone("+39 328 445 4567", 0, false), "+39 *** *** ****");
        assert_eq!(phone("+39 328 445 4567", 4, true), "+39 328 445 ****");
        assert_eq!(phone("0039 328 445 4567", 3, false), "0039 *** 445 4567");
        assert_eq!(phone("+44 7700 900456", 100, false), "+44 **** ******");
        assert_eq!(phone("+1 (415) 555-0132", 3, false), "+1 (***) 555-0132");
        assert_eq!(phone("328 445 4567", 3, false), "*** 445 4567", "a national number has no prefix");
    }

    #[test]
    fn other_values_mask_letters_and_digits_only() {
        let m = |t, v: &str, n, end| masked(t, v, n, end);
        assert_eq!(m(EntityType::ItFiscalCode, "RSSMRA80A01H501U", 6, false), "******80A01H501U");
        assert_eq!(m(EntityType::EmailAddress, "zoë@example.it", 0, false), "***@*******.**");
        assert_eq!(m(EntityType::Person, "Zoë Müller", 3, true), "Zoë Mül***");
        assert_eq!(m(EntityType::Person, "ab", 10, false), "**");
    }
}

//! A matched identifier without its separators, upper-cased, on the stack: validation of
//! every candidate works on this, so the hot path allocates nothing per match.

/// Up to 40 ASCII letters and digits of a value (the longest identifier, an IBAN, has 34).
#[derive(Clone, Copy)]
pub struct Compact {
    bytes: [u8; 40],
    len: usize,
}

impl Compact {
    /// Keeps ASCII letters (upper-cased) and digits, drops the characters in `separators`;
    /// `None` when anything else appears or the value is longer than 40 characters.
    pub fn new(value: &str, separators: &[char]) -> Option<Self> {
        let mut compact = Compact { bytes: [0; 40], len: 0 };
        for c in value.chars() {
            if c.is_ascii_alphanumeric() {
                if compact.len == compact.bytes.len() {
                    return None;
                }
                compact.bytes[compact.len] = c.to_ascii_uppercase() as u8;
                compact.len += 1;
            } else if !separators.contains(&c) {
                return None;
            }
        }
        Some(compact)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_digits(&self) -> bool {
        self.as_bytes().iter().all(u8::is_ascii_digit)
    }
}

/// Start of a pattern whose first character is a digit: the start of the text or one
/// character that is not an ASCII letter or digit, consumed by the match. Why not `\b`: a
/// pattern starting with a digit class gets a prefilter that stops at every digit, which in
/// number-dense text is slower than the DFA alone; a leading negated class has no literal
/// to prefilter on. [`skip_lead`] drops the consumed character again.
pub const LEAD: &str = "(?:^|[^0-9A-Za-z])";

/// Start of a [`LEAD`]-prefixed match without the leading character (when there is one and
/// it is not one of `keep`, characters the pattern itself may start with).
pub fn skip_lead(m: &crate::engine::scan::PatternMatch<'_>, keep: &[char]) -> usize {
    match m.as_str().chars().next() {
        Some(c) if !c.is_ascii_alphanumeric() && !keep.contains(&c) => m.start() + c.len_utf8(),
        _ => m.start(),
    }
}

/// Luhn (ISO/IEC 7812 mod 10) over ASCII digits: credit cards, the Italian VAT number.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a digit string is what people type as a placeholder: one digit repeated
/// ("000000000") or a straight run ("123456789", "987654321"). Only formats *without* a
/// checksum use this: their shape is all there is, and a placeholder has the shape.
pub fn is_placeholder_digits(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| (w[0] - b'0' + 1) % 10 == w[1] - b'0');
    let down = digits.windows(2).all(|w| (w[1] - b'0' + 1) % 10 == w[0] - b'0');
    same || up || down
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_without_separators() {
        let c = Compact::new("it60 x054-2811", &[' ', '-']).unwrap();
        assert_eq!(c.as_str(), "IT60X0542811");
        assert!(Compact::new("IT60/X054", &[' ']).is_none());
        assert!(Compact::new(&"9".repeat(41), &[]).is_none());
    }

    #[test]
    fn luhn_worked_examples() {
        // The classic Visa test number and the ISO/IEC 7812 example 7992739871(3).
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"79927398710"));
        assert!(!luhn(b"4111111111111112"));
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder_digits(b"123456789"));
        assert!(is_placeholder_digits(b"0123456789"));
        assert!(is_placeholder_digits(b"987654321"));
        assert!(is_placeholder_digits(b"000000000"));
        assert!(!is_placeholder_digits(b"925076473"));
    }
}

//! Trigger characters: the digits (every Unicode decimal digit, and other numeric characters)
//! and `@ % € £`. Most identifier and price patterns cannot match without one, close to the
//! start of the match; and most of a post's bytes lie far from any. The pattern set runs such
//! patterns only near the triggers of a text (see `SetGroup` in the parent module): a
//! structural property of each pattern, read from its syntax tree at policy load, so it holds
//! for a tenant's own patterns too.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Whether `c` is a trigger character. Wider than `\d` (numeric characters such as `½` too),
/// which only costs a few needless windows.
pub(super) fn is_trigger(c: char) -> bool {
    matches!(c, '0'..='9' | '@' | '%' | '€' | '£') || (!c.is_ascii() && c.is_numeric())
}

/// If every match of `hir` holds a trigger character, how many bytes at most can come before
/// the first one: `Some(Some(n))`; `Some(None)` when that number is unbounded (a `\s+` before
/// the digits), `None` when some match holds none. Conservative: a part whose matches may or
/// may not hold a trigger counts only as bytes before one.
pub(super) fn trigger_lead(hir: &Hir) -> Option<Option<usize>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
            Ok(text) => text.char_indices().find(|&(_, c)| is_trigger(c)).map(|(i, _)| Some(i)),
            // A byte literal (`(?-u)\xFF`): only its ASCII bytes can be told apart.
            Err(_) => literal.0.iter().position(|&b| b.is_ascii() && is_trigger(char::from(b))).map(Some),
        },
        HirKind::Class(class) => class_is_trigger(class).then_some(Some(0)),
        HirKind::Repetition(repetition) if repetition.min > 0 => trigger_lead(&repetition.sub),
        HirKind::Repetition(_) => None,
        HirKind::Capture(capture) => trigger_lead(&capture.sub),
        HirKind::Concat(parts) => {
            let mut before = Some(0usize);
            for part in parts {
                if let Some(lead) = trigger_lead(part) {
                    return Some(before.zip(lead).map(|(before, lead)| before + lead));
                }
                before = before.zip(part.properties().maximum_len()).map(|(before, len)| before + len);
            }
            None
        }
        HirKind::Alternation(branches) => {
            let mut lead = Some(0usize);
            for branch in branches {
                lead = lead.zip(trigger_lead(branch)?).map(|(a, b)| a.max(b));
            }
            Some(lead)
        }
    }
}

/// Whether every character (or byte) of `class` is a trigger.
fn class_is_trigger(class: &Class) -> bool {
    match class {
        Class::Unicode(class) => {
            !class.ranges().is_empty() && class.ranges().iter().all(|r| (r.start()..=r.end()).all(is_trigger))
        }
        Class::Bytes(class) => {
            !class.ranges().is_empty()
                && class
                    .ranges()
                    .iter()
                    .all(|r| (r.start()..=r.end()).all(|b| b.is_ascii() && is_trigger(char::from(b))))
        }
    }
}

/// Per byte: 0 never part of a trigger, 1 an ASCII trigger, 2 the first byte of a multi-byte
/// character (decoded to decide).
static BYTE_CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        classes[b] = match b as u8 {
            b'0'..=b'9' | b'@' | b'%' => 1,
            0xC0..=0xFF => 2,
            _ => 0,
        };
        b += 1;
    }
    classes
};

/// The runs of consecutive trigger characters of `text`, as byte ranges, in order.
pub(super) fn trigger_runs(text: &str, out: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (trigger, len) = match BYTE_CLASSES[usize::from(bytes[i])] {
            0 => (false, 1),
            1 => (true, 1),
            _ => {
                // `i` is a character boundary: every byte before it was stepped over whole.
                let c = text[i..].chars().next().unwrap_or('\0');
                (is_trigger(c), c.len_utf8())
            }
        };
        if trigger {
            match out.last_mut() {
                Some((_, end)) if *end == i => *end = i + len,
                _ => out.push((i, i + len)),
            }
        }
        i += len;
    }
}

/// The first trigger at or after `at` in `runs` (from [`trigger_runs`]), or `at` itself when
/// it lies inside a run; `next` is where the last call left off (calls come with rising `at`).
pub(super) fn next_trigger(runs: &[(usize, usize)], next: &mut usize, at: usize) -> Option<usize> {
    while *next < runs.len() && runs[*next].1 <= at {
        *next += 1;
    }
    runs.get(*next).map(|&(start, _)| start.max(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(pattern: &str) -> Option<Option<usize>> {
        trigger_lead(&regex_automata::util::syntax::parse(pattern).unwrap())
    }

    #[test]
    fn leads_of_patterns() {
        assert_eq!(lead(r"\d{11}"), Some(Some(0)));
        assert_eq!(lead(r"(?:^|[^0-9A-Za-z])[0-9]{3}"), Some(Some(4)), "a Unicode class can be 4 bytes");
        assert_eq!(lead(r"(?i-u)\b[A-Z]{2} ?\d{2}"), Some(Some(3)));
        assert_eq!(lead(r"(?i)(?:alle|ore)\s+\d{1,2}"), Some(None), "unbounded space before the digits");
        assert_eq!(lead(r"(?:€|EUR)\s?\d"), Some(Some(6)), "EUR (or €, 3 bytes) and a space of up to 3 bytes");
        assert_eq!(lead(r"abc%"), Some(Some(3)));
        assert_eq!(lead(r"[A-Z]{2}[0-9LMN]{2}"), None, "omocodia: letters can stand for the digits");
        assert_eq!(lead(r"\d*x"), None);
        assert_eq!(lead(r"x|\d"), None);
        assert_eq!(lead(r"(?:ab|c)\d|\d"), Some(Some(2)));
        assert_eq!(lead(r"x@y"), Some(Some(1)));
    }

    #[test]
    fn runs_of_trigger_characters() {
        let mut runs = Vec::new();
        let text = "ab 12 x€3 é ½ ٣4 @% z";
        trigger_runs(text, &mut runs);
        let found: Vec<&str> = runs.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["12", "€3", "½", "٣4", "@%"]);
        let mut next = 0;
        assert_eq!(next_trigger(&runs, &mut next, 0), Some(3));
        assert_eq!(next_trigger(&runs, &mut next, 4), Some(4), "inside a run");
        assert_eq!(next_trigger(&runs, &mut next, 5), Some(runs[1].0));
        assert_eq!(next_trigger(&runs, &mut next, text.len()), None);
    }

    proptest::proptest! {
        /// A pattern with a bounded lead matches only where a trigger starts at most that many
        /// bytes after the match's start.
        #[test]
        fn every_match_has_a_trigger_within_its_lead(
            text in "(?:[0-9]{1,3}|[a-z]{1,3}|€|£|%|@|½|٣|é| |\u{a0}|-|/|\\.)*",
        ) {
            for pattern in [r"(?:^|[^0-9A-Za-z])[0-9]{2,4}(?-u:\b)", r"(?:€|EUR|eur)\s?\d[\d.,]*", r"[a-z]{1,3} ?\d", r"(?:a|bc)?[%@]", r"\d{1,2}/\d{1,2}"] {
                let Some(Some(lead)) = lead(pattern) else { panic!("{pattern}") };
                let mut runs = Vec::new();
                trigger_runs(&text, &mut runs);
                for m in regex::Regex::new(pattern).unwrap().find_iter(&text) {
                    let mut next = 0;
                    let t = next_trigger(&runs, &mut next, m.start());
                    proptest::prop_assert!(t.is_some_and(|t| t < m.end() && t - m.start() <= lead), "{} in {:?}: {:?}", pattern, text, m);
                }
            }
        }
    }
}

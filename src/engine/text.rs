//! Text helpers shared by every recogniser: a case-folded copy with the *same byte offsets*
//! as the original, Unicode word boundaries, word tokens and UTF-16 offsets.

use super::entity::ByteSpan;

/// Lower-cases `text` character by character, keeping a character unchanged when its
/// lower-case form would have a different UTF-8 length, and maps typographic apostrophes and
/// line breaks to nothing longer. The result has exactly the same byte length and char
/// boundaries as `text`, so an offset found in the folded text is valid in the original.
///
/// Why not `str::to_lowercase`: it can change lengths ("İ" → "i̇"), which would force an
/// offset map and an allocation per token.
pub fn fold_case(text: &str, out: &mut String) {
    // Byte by byte, not char by char (pushing chars was 2 % of CheckPost): ASCII bytes
    // are never part of a longer character, so they are folded in place, and only the
    // characters that start with a non-ASCII byte are decoded, folded to the same length and
    // written back.
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    bytes.extend_from_slice(text.as_bytes());
    for b in bytes.iter_mut() {
        *b = fold_ascii(*b);
    }
    let mut at = 0;
    while let Some(offset) = text.as_bytes()[at..].iter().position(|b| !b.is_ascii()) {
        let start = at + offset;
        let c = char_at(text, start).expect("a non-ASCII byte starts a character here");
        let folded = fold_char(c);
        if folded != c {
            folded.encode_utf8(&mut bytes[start..start + c.len_utf8()]);
        }
        at = start + c.len_utf8();
    }
    *out = String::from_utf8(bytes).expect("same-length characters at the same offsets");
    debug_assert_eq!(out.len(), text.len());
}

/// The fold of an ASCII byte (what [`fold_char`] does to ASCII characters); other bytes
/// unchanged.
#[inline]
fn fold_ascii(b: u8) -> u8 {
    match b {
        b'\n' | b'\r' | b'\t' => b' ',
        b => b.to_ascii_lowercase(),
    }
}

/// The same-length lower-case (and whitespace-normalised) form of one character.
pub fn fold_char(c: char) -> char {
    match c {
        c if c.is_ascii() => char::from(fold_ascii(c as u8)),
        c if c.is_uppercase() => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
                _ => c,
            }
        }
        c => c,
    }
}

/// Characters that make up words: letters, digits and combining marks.
#[inline]
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && is_mark(c))
}

#[inline]
fn is_mark(c: char) -> bool {
    // Combining diacritics (decomposed accents) belong to the word they follow.
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// The character ending just before byte `pos`, if any.
#[inline]
pub fn char_before(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

/// The character starting at byte `pos`, if any.
#[inline]
pub fn char_at(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

/// Whether the gap `from..to` between two words is one space (or two, or no-break spaces):
/// "Mario Rossi", not "Mario, Rossi" nor "Mario\nRossi". False when `to` is before `from`
/// (the next token overlaps the word, as after a possessive's name in "Rossi'S"), never a
/// slicing panic.
#[inline]
pub fn single_space(text: &str, from: usize, to: usize) -> bool {
    let Some(gap) = text.get(from..to) else {
        return false;
    };
    !gap.is_empty() && gap.len() <= 2 && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
}

/// Whether `[start, end)` is a whole word (or run of words): no word character touches it
/// on either side.
#[inline]
pub fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    !char_before(text, start).is_some_and(is_word_char) && !char_at(text, end).is_some_and(is_word_char)
}

/// Whether a span boundary for an identifier is clean: no letter or digit touches the span.
/// Identifiers use this instead of regex `\b` because Unicode `\b` forces the slow regex engine.
#[inline]
pub fn is_isolated(text: &str, start: usize, end: usize) -> bool {
    is_whole_word(text, start, end)
}

/// Splits `text` into word tokens (maximal runs of word characters, with internal
/// apostrophes and hyphens kept when a word character follows: "D'Angelo", "check-up").
pub fn tokenize(text: &str, out: &mut Vec<ByteSpan>) {
    out.clear();
    // About one token per six bytes of prose: reserve once instead of growing from empty.
    out.reserve(text.len() / 6);
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < text.len() {
        let (word, len) = word_char_at(text, i);
        if word {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start {
            let joiner = match text.as_bytes()[i] {
                b'\'' | b'-' => true,
                0xE2 => text.as_bytes()[i..].starts_with("\u{2019}".as_bytes()),
                _ => false,
            };
            if !(joiner && i + len < text.len() && word_char_at(text, i + len).0) {
                out.push(ByteSpan::new(s, i));
                start = None;
            }
        }
        i += len;
    }
    if let Some(s) = start {
        out.push(ByteSpan::new(s, text.len()));
    }
}

/// ASCII letters and digits, the ASCII word characters, by byte.
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Whether the character starting at byte `i` is a word character ([`is_word_char`]), and its
/// length in bytes. ASCII bytes, most of a post, are classified without decoding a `char`
/// (decoding every character was most of the tokenizer's time).
#[inline(always)]
pub fn word_char_at(text: &str, i: usize) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        return (ASCII_WORD[usize::from(b)], 1);
    }
    let c = char_at(text, i).expect("`i` is on a char boundary");
    (is_word_char(c), c.len_utf8())
}

/// A word of at most 16 bytes as one integer: its bytes, big-endian, zero-padded; `None` for a
/// longer word. Words never hold a NUL (it is no word character), so keys are equal exactly
/// when words are, and ordered as the words are. Why: the short cue lists of language
/// detection and risk are searched for every word of every post, and comparing integers
/// avoids a `memcmp` call per probe (those calls were a tenth of CheckPost).
#[inline]
pub const fn word_key(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if bytes.len() > 16 {
        return None;
    }
    let mut key = [0u8; 16];
    key.split_at_mut(bytes.len()).0.copy_from_slice(bytes);
    Some(u128::from_be_bytes(key))
}

/// The [`word_key`]s of a list of words, in the same order (so a sorted list gives sorted
/// keys, for `binary_search`). Evaluated at compile time; a word over 16 bytes fails the build.
pub const fn word_keys<const N: usize>(words: &[&str]) -> [u128; N] {
    assert!(words.len() == N);
    let mut keys = [0u128; N];
    let mut i = 0;
    while i < N {
        keys[i] = match word_key(words[i]) {
            Some(key) => key,
            None => panic!("a listed word is over 16 bytes"),
        };
        i += 1;
    }
    keys
}

/// Short words (as [`word_key`]s) with a few flag bits each (which lists hold the word), in
/// an open-addressing hash table built at compile time. Why: language detection and the risk
/// assessment look up every word of a post in several lists, and one hash probe costs less
/// than a binary search per list (those searches were a sixth of language detection).
pub struct WordTable<const SLOTS: usize> {
    keys: [u128; SLOTS],
    flags: [u8; SLOTS],
}

impl<const SLOTS: usize> WordTable<SLOTS> {
    /// The table of `lists`, each a list of words and the flag bits its words get. Words over
    /// 16 bytes, empty words, or more words than half the slots fail the build.
    pub const fn new(lists: &[(&[&str], u8)]) -> Self {
        assert!(SLOTS.is_power_of_two());
        let mut table = Self { keys: [0; SLOTS], flags: [0; SLOTS] };
        let mut used = 0;
        let mut l = 0;
        while l < lists.len() {
            let (words, flag) = lists[l];
            let mut w = 0;
            while w < words.len() {
                let key = match word_key(words[w]) {
                    Some(key) if key != 0 => key,
                    _ => panic!("a listed word is empty or over 16 bytes"),
                };
                let mut slot = word_slot(key, SLOTS);
                loop {
                    if table.keys[slot] == key {
                        table.flags[slot] |= flag;
                        break;
                    }
                    if table.keys[slot] == 0 {
                        table.keys[slot] = key;
                        table.flags[slot] = flag;
                        used += 1;
                        break;
                    }
                    slot = (slot + 1) & (SLOTS - 1);
                }
                w += 1;
            }
            l += 1;
        }
        // Half empty at least, so probes stay short and a missing key always meets an empty slot.
        assert!(used * 2 <= SLOTS, "too many words for the table");
        table
    }

    /// The flags of the word with this key; 0 when no list holds it.
    #[inline]
    pub fn flags(&self, key: u128) -> u8 {
        let mut slot = word_slot(key, SLOTS);
        loop {
            let k = self.keys[slot];
            if k == key {
                return self.flags[slot];
            }
            if k == 0 {
                return 0;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
    }
}

#[inline]
const fn word_slot(key: u128, slots: usize) -> usize {
    let folded = (key >> 64) as u64 ^ key as u64;
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & (slots - 1)
}

/// Maps UTF-8 byte offsets to UTF-16 code-unit offsets for one text.
///
/// Built once per response in one pass over the text; each lookup is a binary search over the
/// non-ASCII characters only, so an ASCII text costs nothing.
pub struct Utf16Index {
    /// (byte offset just after a non-ASCII char, cumulative extra utf16 delta) pairs.
    /// The UTF-16 offset of a byte offset `b` is `b - byte_surplus(b)` where the surplus is the
    /// number of bytes beyond the UTF-16 units used by the characters before `b`.
    checkpoints: Vec<(usize, usize)>,
}

impl Utf16Index {
    pub fn new(text: &str) -> Self {
        let mut checkpoints = Vec::new();
        if !text.is_ascii() {
            let mut surplus = 0usize;
            for (i, c) in text.char_indices() {
                let bytes = c.len_utf8();
                if bytes > 1 {
                    surplus += bytes - c.len_utf16();
                    checkpoints.push((i + bytes, surplus));
                }
            }
        }
        Self { checkpoints }
    }

    /// The UTF-16 offset of a byte offset that lies on a char boundary.
    pub fn utf16(&self, byte_offset: usize) -> usize {
        let idx = self.checkpoints.partition_point(|&(end, _)| end <= byte_offset);
        let surplus = if idx == 0 { 0 } else { self.checkpoints[idx - 1].1 };
        byte_offset - surplus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_offsets() {
        let text = "È già l'ÒRA di İstanbul, Ünal 😀 ẞ";
        let mut folded = String::new();
        fold_case(text, &mut folded);
        assert_eq!(folded.len(), text.len());
        assert!(folded.starts_with("è già l'òra di "));
        for (i, _) in text.char_indices() {
            assert!(folded.is_char_boundary(i));
        }
    }

    #[test]
    fn whole_word_uses_unicode_letters() {
        let text = "più pi àRSS";
        assert!(!is_whole_word(text, 0, 2)); // "pi" inside "più"
        assert!(is_whole_word(text, 5, 7));
        assert!(!is_whole_word(text, 10, 13)); // "RSS" after "à"
    }

    #[test]
    fn tokenizer_keeps_apostrophes_and_hyphens_inside_words() {
        let text = "Ciao D'Angelo, check-up - ok'";
        let mut tokens = Vec::new();
        tokenize(text, &mut tokens);
        let words: Vec<&str> = tokens.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(words, ["Ciao", "D'Angelo", "check-up", "ok"]);
    }

    #[test]
    fn word_keys_compare_as_the_words_do() {
        let words = ["", "a", "ab", "abc", "b", "è", "è'", "perché", "zzzzzzzzzzzzzzzz"];
        let keys: [u128; 9] = word_keys(&words);
        for (i, a) in words.iter().enumerate() {
            for (j, b) in words.iter().enumerate() {
                assert_eq!(keys[i].cmp(&keys[j]), a.cmp(b), "{a:?} {b:?}");
            }
        }
        assert_eq!(word_key("seventeen letters"), None);
    }

    #[test]
    fn word_tables_find_exactly_the_listed_words() {
        const ONE: &[&str] = &["a", "al", "the", "perché", "zzzzzzzzzzzzzzzz"];
        const TWO: &[&str] = &["al", "of"];
        static TABLE: WordTable<16> = WordTable::new(&[(ONE, 1), (TWO, 2)]);
        for (word, flags) in [("a", 1), ("al", 3), ("the", 1), ("perché", 1), ("of", 2), ("zzzzzzzzzzzzzzzz", 1)] {
            assert_eq!(TABLE.flags(word_key(word).unwrap()), flags, "{word}");
        }
        for word in ["", "b", "alla", "th", "zzzzzzzzzzzzzzz"] {
            assert_eq!(TABLE.flags(word_key(word).unwrap()), 0, "{word}");
        }
    }

    #[test]
    fn utf16_offsets() {
        let text = "Città 😀 è";
        let index = Utf16Index::new(text);
        for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let expected = text[..byte].encode_utf16().count();
            assert_eq!(index.utf16(byte), expected, "byte {byte}");
        }
        let ascii = Utf16Index::new("hello");
        assert_eq!(ascii.utf16(3), 3);
    }

    /// `tokenize` as first written, char by char.
    fn tokenize_by_char(text: &str) -> Vec<ByteSpan> {
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if is_word_char(c) {
                if start.is_none() {
                    start = Some(i);
                }
                continue;
            }
            if let Some(s) = start {
                let joiner = matches!(c, '\'' | '’' | '-');
                let next_is_word = chars.peek().is_some_and(|&(_, n)| is_word_char(n));
                if joiner && next_is_word {
                    continue;
                }
                out.push(ByteSpan::new(s, i));
                start = None;
            }
        }
        if let Some(s) = start {
            out.push(ByteSpan::new(s, text.len()));
        }
        out
    }

    proptest::proptest! {
        /// The byte-wise tokenizer gives the tokens the char-wise one gave: joiners, marks,
        /// multi-byte letters and non-word characters next to each other.
        #[test]
        fn tokenize_as_by_char(text in "(?s).{0,40}|[aZ9 '’\\-.àÈ\u{301}\u{2019}ß😀_]{0,40}") {
            let mut tokens = vec![ByteSpan::new(0, 0)];
            tokenize(&text, &mut tokens);
            proptest::prop_assert_eq!(tokens, tokenize_by_char(&text));
        }

        /// Folding byte by byte gives what folding each character gives.
        #[test]
        fn fold_case_folds_each_character(text in "(?s).{0,40}|[aÀİß\n\tZé’ ]{0,40}") {
            let mut folded = String::from("left over");
            fold_case(&text, &mut folded);
            let want: String = text.chars().map(fold_char).collect();
            proptest::prop_assert_eq!(folded, want);
        }
    }
}

//! Language of a text, when the caller does not say. Posts are short ("Hi Jack, sounds like an
//! abscess"), where trigram statistics alone are unreliable, so the first signal is a vote of
//! function words (articles, prepositions, pronouns, auxiliaries) that are unambiguous between
//! Italian and English; then a vote of words common in one language only (the gazetteer's
//! common-word lists); `whatlang` (trigrams, restricted to the two languages) decides only
//! when both votes are tied. Both read at most the first 1 KiB, so the cost is bounded.

use std::sync::OnceLock;
use whatlang::{Detector, Lang};

use super::context::Language;
use super::recognisers::gazetteer::{Gazetteer, WordClass};
use super::text::{WordTable, word_key};

/// Function words of one language that are not words of the other. Sorted for binary search.
const ITALIAN: &[&str] = &[
    "abbiamo", "agli", "al", "alla", "alle", "anche", "ancora", "che", "ci", "ciao", "come", "con", "cosa", "da",
    "dal", "dalla", "degli", "dei", "del", "della", "delle", "di", "domani", "dopo", "e", "gli", "grazie", "ha",
    "hanno", "ho", "ieri", "il", "io", "la", "le", "lei", "lo", "loro", "lui", "ma", "mi", "mio", "molto", "nei",
    "nel", "nella", "noi", "non", "nostro", "oggi", "per", "perché", "più", "poi", "quando", "questo", "se", "sei",
    "sempre", "si", "siamo", "sono", "su", "sul", "sulla", "suo", "tra", "tu", "tutti", "tutto", "un", "una", "uno",
    "vi", "voi", "è",
];
const ENGLISH: &[&str] = &[
    "about", "after", "all", "and", "are", "at", "be", "been", "but", "by", "can", "do", "for", "from", "had", "has",
    "have", "he", "her", "hi", "his", "how", "i'm", "if", "is", "it", "it's", "just", "my", "not", "now", "of", "on",
    "or", "our", "she", "thanks", "that", "the", "their", "there", "they", "this", "to", "today", "up", "was", "we",
    "were", "what", "when", "which", "will", "with", "would", "you", "your",
];

/// [`ITALIAN`] (flag 1) and [`ENGLISH`] (flag 2) in one table, looked up by [`word_key`].
static FUNCTION_WORDS: WordTable<512> = WordTable::new(&[(ITALIAN, 1), (ENGLISH, 2)]);

const SAMPLE_BYTES: usize = 1024;

/// Detects Italian or English; `fallback` when the text gives no signal (numbers only).
pub fn detect(text: &str, fallback: Language) -> Language {
    let sample = prefix_on_char_boundary(text, SAMPLE_BYTES);
    let (italian, english) = vote(sample);
    if italian != english {
        return if italian > english { Language::Italian } else { Language::English };
    }
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| Detector::with_allowlist(vec![Lang::Ita, Lang::Eng]));
    match detector.detect(sample) {
        Some(info) if info.lang() == Lang::Ita => Language::Italian,
        Some(info) if info.lang() == Lang::Eng => Language::English,
        _ => fallback,
    }
}

/// Counts the function words of each language in `sample`, then (on a tie) the words common
/// in one language only.
fn vote(sample: &str) -> (usize, usize) {
    let (italian, english) = function_word_vote(sample);
    if italian != english {
        return (italian, english);
    }
    // No function words decide it ("100% painless root canals, guaranteed!"): count the words
    // that are common in one language only, from the gazetteer's common-word lists.
    let gazetteer = Gazetteer::get();
    count_words(sample, |w| {
        let class = gazetteer.classify(w);
        let (it, en) = (class.has(WordClass::COMMON_IT), class.has(WordClass::COMMON_EN));
        (usize::from(it && !en), usize::from(en && !it))
    })
}

/// The longest function word, in bytes: an ASCII word longer than this is no function word.
const LONGEST_FUNCTION_WORD: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < ITALIAN.len() {
        if ITALIAN[i].len() > longest {
            longest = ITALIAN[i].len();
        }
        i += 1;
    }
    let mut i = 0;
    while i < ENGLISH.len() {
        if ENGLISH[i].len() > longest {
            longest = ENGLISH[i].len();
        }
        i += 1;
    }
    longest
};

/// ASCII letters, digits and the apostrophe: the ASCII bytes of a vote word.
const ASCII_IN_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'\'';
        b += 1;
    }
    table
};

/// The function words of each language in `sample`: what [`count_words`] with a
/// [`FUNCTION_WORDS`] probe per word gives, in one loop over the bytes. An ASCII word (nearly
/// every word) is lower-cased and keyed in a 16-byte register, with no `str` built and no
/// second pass to trim or lower-case it; a word with another character takes the general path.
/// Why: splitting, trimming and lower-casing each word separately was most of the language
/// vote, 7.8 µs a post.
fn function_word_vote(sample: &str) -> (usize, usize) {
    let probe = |key: u128| {
        let flags = FUNCTION_WORDS.flags(key);
        (usize::from(flags & 1 != 0), usize::from(flags & 2 != 0))
    };
    let bytes = sample.as_bytes();
    let (mut italian, mut english) = (0, 0);
    let mut buf = [0u8; 16];
    let mut at = 0;
    while at < bytes.len() {
        // Between words.
        let b = bytes[at];
        if b.is_ascii() {
            if !ASCII_IN_WORD[usize::from(b)] {
                at += 1;
                continue;
            }
        } else {
            let (word, len) = in_word(sample, at);
            if !word {
                at += len;
                continue;
            }
        }
        // A word: the maximal run of word characters from `start`.
        let start = at;
        let mut ascii = true;
        while at < bytes.len() {
            let b = bytes[at];
            if b.is_ascii() {
                if !ASCII_IN_WORD[usize::from(b)] {
                    break;
                }
                at += 1;
            } else {
                let (word, len) = in_word(sample, at);
                if !word {
                    break;
                }
                ascii = false;
                at += len;
            }
        }
        let (it, en) = if ascii {
            // Trimmed of apostrophes, as `str::trim_matches` does.
            let mut word = &bytes[start..at];
            while let [b'\'', rest @ ..] = word {
                word = rest;
            }
            while let [rest @ .., b'\''] = word {
                word = rest;
            }
            if word.is_empty() || word.len() > LONGEST_FUNCTION_WORD {
                continue;
            }
            let mut key = [0u8; 16];
            key[..word.len()].copy_from_slice(word);
            key.make_ascii_lowercase();
            probe(u128::from_be_bytes(key))
        } else {
            let word = sample[start..at].trim_matches(['\'', '’']);
            if word.is_empty() || word.len() > 12 {
                continue;
            }
            match lower_case(word, &mut buf).and_then(word_key) {
                Some(key) => probe(key),
                None => continue,
            }
        };
        italian += it;
        english += en;
    }
    (italian, english)
}

/// Whether the character at byte `i` of `sample` belongs to a vote word (a letter, a digit,
/// ' or ’), and its length.
#[inline(always)]
fn in_word(sample: &str, i: usize) -> (bool, usize) {
    let b = sample.as_bytes()[i];
    if b.is_ascii() {
        return (ASCII_IN_WORD[usize::from(b)], 1);
    }
    let c = sample[i..].chars().next().expect("on a char boundary");
    (c.is_alphanumeric() || c == '’', c.len_utf8())
}

fn count_words(sample: &str, score: impl Fn(&str) -> (usize, usize)) -> (usize, usize) {
    let (mut italian, mut english) = (0, 0);
    let mut buf = [0u8; 16];
    for word in words(sample) {
        let word = word.trim_matches(['\'', '’']);
        if word.is_empty() || word.len() > 12 {
            continue;
        }
        let Some(lower) = lower_case(word, &mut buf) else { continue };
        let (it, en) = score(lower);
        italian += it;
        english += en;
    }
    (italian, english)
}

/// The maximal runs of letters, digits and apostrophes (' and ’) of `sample`. Byte by byte:
/// ASCII bytes are classified by a table, only other characters are decoded (what
/// `str::split` with a char predicate did for every character).
fn words(sample: &str) -> impl Iterator<Item = &str> {
    let bytes = sample.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let (word, len) = in_word(sample, at);
            if word {
                break;
            }
            at += len;
        }
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() {
            let (word, len) = in_word(sample, at);
            if !word {
                break;
            }
            at += len;
        }
        Some(&sample[start..at])
    })
}

/// `word` lower-cased into `buf`, with ’ as ', or None when it does not fit.
fn lower_case<'b>(word: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    if word.is_ascii() {
        // Most words: one byte per character, lower-cased in place (what the loop below
        // gives for ASCII, without decoding and re-encoding each character).
        let lower = buf.get_mut(..word.len())?;
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        return std::str::from_utf8(lower).ok();
    }
    let mut len = 0;
    for c in word.chars().flat_map(char::to_lowercase) {
        let c = if c == '’' { '\'' } else { c };
        if len + c.len_utf8() > buf.len() {
            return None;
        }
        len += c.encode_utf8(&mut buf[len..]).len();
    }
    std::str::from_utf8(&buf[..len]).ok()
}

fn prefix_on_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::text::word_keys;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for list in [ITALIAN, ENGLISH] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{:?}", list.windows(2).find(|w| w[0] >= w[1]));
        }
    }

    #[test]
    fn detects_italian_and_english() {
        assert_eq!(
            detect("Stamattina ho estratto il dente del giudizio a un paziente coraggioso", Language::English),
            Language::Italian
        );
        assert_eq!(
            detect("Placed two implants this morning, he was a total champ!", Language::Italian),
            Language::English
        );
        assert_eq!(detect("12345", Language::Italian), Language::Italian);
    }

    #[test]
    fn short_posts_are_reliable() {
        assert_eq!(detect("Hi Jack, sounds like an abscess", Language::Italian), Language::English);
        assert_eq!(detect("Ciao Elena, la tua biopsia è pronta.", Language::English), Language::Italian);
        assert_eq!(detect("Grazie alla paziente F.R. per la torta", Language::English), Language::Italian);
        assert_eq!(detect("Look at Chloe's amazing smile!", Language::Italian), Language::English);
        assert_eq!(detect("Auguri Stefano!", Language::English), Language::Italian);
    }

    #[test]
    fn every_dev_style_post_language_is_detected() {
        let it = [
            "Siamo aperti dal lunedì al venerdì dalle 9 alle 19.",
            "Felice di annunciare che da gennaio lavorerò come igienista a Brescia.",
            "Apparecchio invisibile: risultato garantito in soli 3 mesi!",
        ];
        let en = [
            "Weekend hike in the Peak District with the family.",
            "Contact our team at reception or call us during opening hours.",
            "100% painless root canals, guaranteed!",
        ];
        for t in it {
            assert_eq!(detect(t, Language::English), Language::Italian, "{t}");
        }
        for t in en {
            assert_eq!(detect(t, Language::Italian), Language::English, "{t}");
        }
    }

    /// The first vote as first written: a binary search in each sorted list.
    fn function_word_vote_by_search(sample: &str) -> (usize, usize) {
        count_words_by_char(sample, |w| match word_key(w) {
            Some(key) => (
                usize::from(word_keys::<{ ITALIAN.len() }>(ITALIAN).binary_search(&key).is_ok()),
                usize::from(word_keys::<{ ENGLISH.len() }>(ENGLISH).binary_search(&key).is_ok()),
            ),
            None => (0, 0),
        })
    }

    /// The vote as the word iterator, `trim_matches` and `lower_case` gave it, one word at a
    /// time.
    fn function_word_vote_by_words(sample: &str) -> (usize, usize) {
        count_words(sample, |w| match word_key(w) {
            Some(key) => {
                let flags = FUNCTION_WORDS.flags(key);
                (usize::from(flags & 1 != 0), usize::from(flags & 2 != 0))
            }
            None => (0, 0),
        })
    }

    /// `count_words` as first written: `str::split`, every word lower-cased character by
    /// character.
    fn count_words_by_char(sample: &str, score: impl Fn(&str) -> (usize, usize)) -> (usize, usize) {
        let (mut italian, mut english) = (0, 0);
        for word in sample.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
            let word = word.trim_matches(['\'', '’']);
            if word.is_empty() || word.len() > 12 {
                continue;
            }
            let lower: String =
                word.chars().flat_map(char::to_lowercase).map(|c| if c == '’' { '\'' } else { c }).collect();
            if lower.len() > 16 {
                continue;
            }
            let (it, en) = score(&lower);
            italian += it;
            english += en;
        }
        (italian, english)
    }

    proptest::proptest! {
        /// The ASCII fast path lower-cases words as the character path does: the same words
        /// reach the lists, so the same votes.
        #[test]
        fn ascii_words_vote_as_before(text in "[A-Za-zÈèİ' ’.]{0,60}") {
            let score = |w: &str| (usize::from(ITALIAN.contains(&w)) + w.len(), usize::from(ENGLISH.contains(&w)) + 3 * w.len());
            proptest::prop_assert_eq!(count_words(&text, score), count_words_by_char(&text, score));
        }

        /// The table and the byte-wise word split vote as the sorted lists and `str::split`
        /// did, on arbitrary text and on text made of the listed words.
        #[test]
        fn function_words_vote_as_before(
            text in "(?s).{0,80}|[A-Za-zÈèİ' ’.,\u{301}0-9]{0,80}",
            picks in proptest::collection::vec((0usize..200, "[ ,.'’]{1,2}", proptest::bool::ANY), 0..30),
        ) {
            proptest::prop_assert_eq!(function_word_vote(&text), function_word_vote_by_search(&text));
            proptest::prop_assert_eq!(function_word_vote(&text), function_word_vote_by_words(&text));
            let mut listed = String::new();
            for (i, sep, upper) in picks {
                let word = ITALIAN.iter().chain(ENGLISH).nth(i % (ITALIAN.len() + ENGLISH.len())).unwrap();
                listed.push_str(&if upper { word.to_uppercase() } else { word.to_string() });
                listed.push_str(&sep);
            }
            proptest::prop_assert_eq!(function_word_vote(&listed), function_word_vote_by_search(&listed));
            proptest::prop_assert_eq!(function_word_vote(&listed), function_word_vote_by_words(&listed));
        }

        /// The one-loop vote counts as the word-by-word one on text built from listed words
        /// glued by apostrophes, digits and accented letters (words that trim, overflow the
        /// 12-byte limit or leave the ASCII path).
        #[test]
        fn one_loop_vote_counts_as_word_by_word(
            picks in proptest::collection::vec(
                (0usize..200, "['’]{0,2}", "[ ,.'’\n0-9àÈ\u{301}-]{1,3}", 0u8..3),
                0..40,
            ),
        ) {
            let mut text = String::new();
            for (i, glue, sep, case) in picks {
                let word = ITALIAN.iter().chain(ENGLISH).nth(i % (ITALIAN.len() + ENGLISH.len())).unwrap();
                text.push_str(&glue);
                text.push_str(&match case {
                    0 => word.to_string(),
                    1 => word.to_uppercase(),
                    _ => word.chars().enumerate().map(|(k, c)| if k == 0 { c.to_ascii_uppercase() } else { c }).collect(),
                });
                text.push_str(&sep);
            }
            proptest::prop_assert_eq!(function_word_vote(&text), function_word_vote_by_words(&text));
            proptest::prop_assert_eq!(function_word_vote(&text), function_word_vote_by_search(&text));
        }
    }
}

//! A set of short words built at compile time, for the recognisers' word lists that are
//! searched once per token or per candidate run ("is this a title?", "a particle?").
//!
//! Why: `LIST.contains(&word)` compares the word with every entry of the same length, one
//! `memcmp` call each; for the 140 titles that was a fifth of the person recogniser's
//! instructions. Here a lookup is one probe of a hash table of integer keys (see [`WordTable`]).
//! The table is a `const`: built by the compiler from the list, no start-up work, no lock.

use crate::engine::text::{WordTable, word_key};

/// A set of words: a [`WordTable`] with one flag, looked up by [`word_key`]. Listed words
/// must be 1 to 16 bytes (the build fails otherwise); a longer word is simply not in the set.
pub struct WordSet<const SLOTS: usize>(WordTable<SLOTS>);

impl<const SLOTS: usize> WordSet<SLOTS> {
    /// The set of `words` (duplicates are harmless). Fails to compile when `SLOTS` is not a
    /// power of two at least twice the list's length.
    pub const fn new(words: &'static [&'static str]) -> Self {
        WordSet(WordTable::new(&[(words, 1)]))
    }

    /// Whether `word` is one of the list's words (exactly, bytes for bytes).
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        word_key(word).is_some_and(|key| self.0.flags(key) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &["sig.", "sig", "dott.ssa", "dr", "d'", "città", "l'", "mr", "sig"];
    static SET: WordSet<32> = WordSet::new(WORDS);

    #[test]
    fn finds_every_word_and_nothing_else() {
        for w in WORDS {
            assert!(SET.contains(w), "{w:?}");
        }
        for w in ["si", "sig.r", "Sig", "citta", "dott", "d", "l’", " ", "", "mrs", "dott.ssa-dott.ssa"] {
            assert!(!SET.contains(w), "{w:?}");
        }
    }

    proptest! {
        /// The set answers as the slice's `contains` does, for words of the list, near misses
        /// and arbitrary strings.
        #[test]
        fn answers_as_slice_contains(word in "[a-zà'’. ]{0,9}", pick in 0..WORDS.len(), cut in 0..3usize) {
            prop_assert_eq!(SET.contains(&word), WORDS.contains(&word.as_str()));
            let listed = WORDS[pick];
            let near = &listed[..listed.floor_char_boundary(listed.len().saturating_sub(cut))];
            prop_assert_eq!(SET.contains(near), WORDS.contains(&near));
        }
    }
}

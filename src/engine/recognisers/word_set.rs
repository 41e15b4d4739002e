//! A set of short words built at compile time, for the recognisers' word lists that are
//! searched once per token or per candidate run ("is this a title?", "a particle?").
//!
//! Why: `LIST.contains(&word)` compares the word with every entry of the same length, one
//! `memcmp` call each; for the 140 titles that was a fifth of the person recogniser's
//! instructions. Here a lookup is one hash of the word's bytes and, on a hit, one comparison.
//! The table is a `const`: built by the compiler from the list, no start-up work, no lock.

/// An open-addressing hash set over a `'static` word list, `SLOTS` slots (a power of two, at
/// least twice the number of words, so an empty slot ends every probe).
pub struct WordSet<const SLOTS: usize> {
    words: &'static [&'static str],
    /// 0 when empty, else the index of a word in `words` plus one.
    slots: [u16; SLOTS],
}

/// FNV-1a over the bytes, folded to a slot index.
#[inline]
const fn hash(word: &[u8]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < word.len() {
        h ^= word[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    (h ^ (h >> 29)) as usize
}

impl<const SLOTS: usize> WordSet<SLOTS> {
    /// The set of `words` (duplicates are harmless). Fails to compile when `SLOTS` is not a
    /// power of two at least twice the list's length.
    pub const fn new(words: &'static [&'static str]) -> Self {
        assert!(SLOTS.is_power_of_two() && words.len() * 2 <= SLOTS && words.len() < u16::MAX as usize);
        let mut slots = [0u16; SLOTS];
        let mut i = 0;
        while i < words.len() {
            let mut slot = hash(words[i].as_bytes()) & (SLOTS - 1);
            while slots[slot] != 0 {
                slot = (slot + 1) & (SLOTS - 1);
            }
            slots[slot] = (i + 1) as u16;
            i += 1;
        }
        WordSet { words, slots }
    }

    /// Whether `word` is one of the list's words (exactly, bytes for bytes).
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        let mut slot = hash(word.as_bytes()) & (SLOTS - 1);
        loop {
            let index = self.slots[slot];
            if index == 0 {
                return false;
            }
            if self.words[index as usize - 1] == word {
                return true;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &["sig.", "sig", "dott.ssa", "dr", "d'", "città", "l'", "", "mr", "sig"];
    static SET: WordSet<32> = WordSet::new(WORDS);

    #[test]
    fn finds_every_word_and_nothing_else() {
        for w in WORDS {
            assert!(SET.contains(w), "{w:?}");
        }
        for w in ["si", "sig.r", "Sig", "citta", "dott", "d", "l’", " ", "mrs"] {
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

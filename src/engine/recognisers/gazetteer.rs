//! The static word lists behind names and places: given names, surnames, places (with
//! their population) and the common words of Italian and English. Generated from registry
//! packages by `scripts/lexicons/generate.sh` (sources and licences in each file's header and in
//! `scripts/lexicons/README.md`); `build.rs` merges them into one hash table embedded in the
//! binary ([`table`] says why and how), read in place.
//!
//! Why not the shared Aho-Corasick pass: names and places matter only where a word is
//! capitalised, so the person and location recognisers look up those tokens (already found by
//! the scan's tokeniser, already case-folded) in the table. Putting 100,000 words in the
//! automaton would grow it tenfold and report every lower-case "rosa", "costa" or "mare" as a
//! hit, for nothing.

use std::sync::OnceLock;

#[path = "gazetteer_table.rs"]
mod table;

/// The table `build.rs` wrote from the lexicon files.
static TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gazetteer.bin"));

/// What a (case-folded) word is known as. A word may be several things: "rossi" is a surname,
/// an Italian adjective and a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WordClass(u8);

impl WordClass {
    // The bits are the table's, which build.rs writes (`write_gazetteer`).
    pub const GIVEN: WordClass = WordClass(table::GIVEN);
    pub const SURNAME: WordClass = WordClass(table::SURNAME);
    pub const PLACE: WordClass = WordClass(table::PLACE);
    pub const COMMON_IT: WordClass = WordClass(table::COMMON_IT);
    pub const COMMON_EN: WordClass = WordClass(table::COMMON_EN);

    pub const fn has(self, other: WordClass) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn union(self, other: WordClass) -> WordClass {
        WordClass(self.0 | other.0)
    }

    pub const fn is_unknown(self) -> bool {
        self.0 == 0
    }

    /// A given name or a surname.
    pub const fn is_name(self) -> bool {
        self.has(WordClass(Self::GIVEN.0 | Self::SURNAME.0))
    }
}

/// The embedded table, read in place: every word of every list with its classes and, for
/// places, the population.
pub struct Gazetteer {
    table: &'static [u8],
    slot_count: usize,
    entries_at: usize,
    words_at: usize,
    list_entries: usize,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer").field("entries", &self.len()).finish()
    }
}

/// The `i`-th little-endian `u32` of `bytes`: one bounds check and one load (indexing the four
/// bytes one by one checked each; this runs three times per lookup, ~40 lookups a post).
#[inline]
fn u32_at(bytes: &[u8], i: usize) -> u32 {
    let at = i * 4;
    let word: [u8; 4] = bytes[at..at + 4].try_into().expect("a slice of four bytes");
    u32::from_le_bytes(word)
}

impl Gazetteer {
    /// The process-wide gazetteer.
    pub fn get() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(|| Gazetteer::read(TABLE))
    }

    fn read(table: &'static [u8]) -> Gazetteer {
        assert_eq!(u32_at(table, 0), table::MAGIC, "gazetteer table written by another build.rs");
        let slot_count = u32_at(table, 1) as usize;
        let list_entries = u32_at(table, 2) as usize;
        let words = u32_at(table, 3) as usize;
        let entries_at = table::HEADER_WORDS + slot_count;
        let words_at = (entries_at + words * table::ENTRY_WORDS) * 4;
        Gazetteer { table, slot_count, entries_at, words_at, list_entries }
    }

    /// The entry of a word: `length << 8 | classes` and population.
    #[inline]
    fn entry(&self, word: &str) -> Option<(u32, u32)> {
        let word = word.as_bytes();
        let mut slot = table::home_slot(table::word_hash(word), self.slot_count);
        loop {
            // At most half the slots are used, so an empty one ends every probe.
            let index = u32_at(self.table, table::HEADER_WORDS + slot);
            if index == 0 {
                return None;
            }
            let at = self.entries_at + (index as usize - 1) * table::ENTRY_WORDS;
            let len_class = u32_at(self.table, at + 1);
            if (len_class >> 8) as usize == word.len() {
                let start = self.words_at + u32_at(self.table, at) as usize;
                if &self.table[start..start + word.len()] == word {
                    return Some((len_class, u32_at(self.table, at + 2)));
                }
            }
            slot = (slot + 1) & (self.slot_count - 1);
        }
    }

    /// The classes of a case-folded word or phrase (words separated by single spaces).
    pub fn classify(&self, folded: &str) -> WordClass {
        self.classify_starting_phrases(folded).0
    }

    /// The classes of a case-folded word, and whether some entry of several words starts with
    /// it: when not, no phrase that starts with the word is an entry, and the recognisers skip
    /// looking up "Mario Rossi", "Mario Rossi Bergamo"… after "Mario".
    #[inline]
    pub fn classify_starting_phrases(&self, folded: &str) -> (WordClass, bool) {
        self.entry(folded).map_or((WordClass::default(), false), |(len_class, _)| {
            (WordClass(len_class as u8 & !table::PHRASE_START), len_class as u8 & table::PHRASE_START != 0)
        })
    }

    /// The population of a place (0 for countries and regions), if it is one.
    pub fn population(&self, folded: &str) -> Option<u32> {
        self.entry(folded).map(|(_, population)| population).filter(|&p| p != table::NO_POPULATION)
    }

    /// Number of entries in all lists, for logs.
    pub fn len(&self) -> usize {
        self.list_entries
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_carry_every_class_they_have() {
        let g = Gazetteer::get();
        assert!(g.classify("mario").has(WordClass::GIVEN));
        let rossi = g.classify("rossi");
        assert!(rossi.has(WordClass::SURNAME) && rossi.has(WordClass::COMMON_IT));
        assert!(g.classify("governo").has(WordClass::COMMON_IT) && !g.classify("governo").is_name());
        assert!(g.classify("weekend").has(WordClass::COMMON_EN));
        assert!(g.classify("zzqxv").is_unknown());
    }

    #[test]
    fn places_have_populations_and_multi_word_names() {
        let g = Gazetteer::get();
        assert!(g.population("seriate").is_some_and(|p| p > 10_000));
        assert!(g.classify("bakewell").has(WordClass::PLACE));
        assert!(g.classify("regno unito").has(WordClass::PLACE));
        assert!(g.classify("reggio nell'emilia").has(WordClass::PLACE));
        assert!(g.classify("reggio nell’emilia").has(WordClass::PLACE));
    }

    const GIVEN_NAMES: &str = include_str!("lexicons/given_names.txt");
    const SURNAMES: &str = include_str!("lexicons/surnames.txt");
    const PLACES: &str = include_str!("lexicons/places.tsv");
    const COMMON_IT: &str = include_str!("lexicons/common_words_it.txt");
    const COMMON_EN: &str = include_str!("lexicons/common_words_en.txt");

    #[test]
    fn lists_are_sorted_and_unique() {
        // The generator writes sorted lists; a duplicate place would have two populations.
        for source in [GIVEN_NAMES, SURNAMES, COMMON_IT, COMMON_EN] {
            let list: Vec<&str> = table::entries(source).collect();
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        let places: Vec<&str> = table::places(PLACES).map(|(name, _)| name).collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]));
    }

    /// The table answers exactly as a binary search of each list does (the engine's lookups
    /// before the table), for words of every list and for near misses of them.
    #[test]
    fn table_equals_binary_search_of_the_lists() {
        let g = Gazetteer::get();
        let lists: Vec<(Vec<&str>, WordClass)> = [
            (GIVEN_NAMES, WordClass::GIVEN),
            (SURNAMES, WordClass::SURNAME),
            (COMMON_IT, WordClass::COMMON_IT),
            (COMMON_EN, WordClass::COMMON_EN),
        ]
        .into_iter()
        .map(|(source, class)| (table::entries(source).collect(), class))
        .collect();
        let places: Vec<(&str, u32)> = table::places(PLACES).collect();
        let expected = |word: &str| {
            let mut class = WordClass::default();
            for (list, c) in &lists {
                if list.binary_search(&word).is_ok() {
                    class = class.union(*c);
                }
            }
            let population = places.binary_search_by(|(w, _)| (*w).cmp(word)).ok().map(|i| places[i].1);
            if population.is_some() {
                class = class.union(WordClass::PLACE);
            }
            (class, population)
        };
        let words = lists.iter().flat_map(|(list, _)| list.iter().copied()).chain(places.iter().map(|(w, _)| *w));
        let mut checked = 0;
        for word in words.step_by(3) {
            let mut longer = word.to_owned();
            longer.push('a');
            let shorter = &word[..word.char_indices().last().map_or(0, |(i, _)| i)];
            for w in [word, longer.as_str(), shorter, ""] {
                assert_eq!((g.classify(w), g.population(w)), expected(w), "{w:?}");
            }
            checked += 1;
        }
        assert!(checked > 80_000);
        // Every phrase's first word says so; a single word that starts none says so too.
        let phrases = lists.iter().flat_map(|(list, _)| list.iter().copied()).chain(places.iter().map(|(w, _)| *w));
        let mut starts = 0;
        for phrase in phrases {
            if let Some(first) = table::phrase_start(phrase) {
                assert!(g.classify_starting_phrases(first).1, "{phrase:?}");
                starts += 1;
            }
        }
        assert!(starts > 5_000);
        assert!(!g.classify_starting_phrases("mario").1 && !g.classify_starting_phrases("zzqxv").1);
        assert!(g.classify_starting_phrases("regno").1 && g.classify_starting_phrases("reggio").1);
        let total: usize = lists.iter().map(|(l, _)| l.len()).sum::<usize>() + places.len();
        assert_eq!(g.len(), total);
    }

    #[test]
    fn lists_are_thousands_of_entries() {
        let count = |s: &'static str| table::entries(s).count();
        assert!(count(GIVEN_NAMES) > 5_000 && count(SURNAMES) > 5_000 && count(PLACES) > 10_000);
    }
}

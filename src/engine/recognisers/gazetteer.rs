//! The static word lists behind names and places: given names, surnames, places (with
//! their population) and the common words of Italian and English. Generated from registry
//! packages by `scripts/lexicons/generate.sh` (sources and licences in each file's header and in
//! `scripts/lexicons/README.md`), embedded in the binary and loaded once per process.
//!
//! Why a sorted table and not the shared Aho-Corasick pass: names and places matter only where
//! a word is capitalised, so the person and location recognisers look up those tokens
//! (already found by the scan's tokeniser, already case-folded) by binary search. Putting
//! 100,000 words in the automaton would grow it tenfold and report every lower-case "rosa",
//! "costa" or "mare" as a hit, for nothing.

use std::sync::OnceLock;

const GIVEN_NAMES: &str = include_str!("lexicons/given_names.txt");
const SURNAMES: &str = include_str!("lexicons/surnames.txt");
const PLACES: &str = include_str!("lexicons/places.tsv");
const COMMON_IT: &str = include_str!("lexicons/common_words_it.txt");
const COMMON_EN: &str = include_str!("lexicons/common_words_en.txt");

/// What a (case-folded) word is known as. A word may be several things: "rossi" is a surname,
/// an Italian adjective and a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WordClass(u8);

impl WordClass {
    pub const GIVEN: WordClass = WordClass(1);
    pub const SURNAME: WordClass = WordClass(2);
    pub const PLACE: WordClass = WordClass(4);
    pub const COMMON_IT: WordClass = WordClass(8);
    pub const COMMON_EN: WordClass = WordClass(16);

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

/// The loaded lists: each file's entries in their (already sorted) order, so loading is only
/// splitting lines: no sort, no copy.
pub struct Gazetteer {
    given: Vec<&'static str>,
    surnames: Vec<&'static str>,
    common_it: Vec<&'static str>,
    common_en: Vec<&'static str>,
    places: Vec<(&'static str, u32)>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer").field("entries", &self.len()).finish()
    }
}

fn entries(source: &'static str) -> impl Iterator<Item = &'static str> {
    source.lines().filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Gazetteer {
    /// The process-wide gazetteer, loaded on first use.
    pub fn get() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(Gazetteer::load)
    }

    fn load() -> Gazetteer {
        Gazetteer {
            given: entries(GIVEN_NAMES).collect(),
            surnames: entries(SURNAMES).collect(),
            common_it: entries(COMMON_IT).collect(),
            common_en: entries(COMMON_EN).collect(),
            places: entries(PLACES)
                .filter_map(|line| {
                    let (name, population) = line.split_once('\t')?;
                    Some((name, population.parse().unwrap_or(0)))
                })
                .collect(),
        }
    }

    /// The classes of a case-folded word or phrase (words separated by single spaces).
    pub fn classify(&self, folded: &str) -> WordClass {
        let mut class = WordClass::default();
        for (list, c) in [
            (&self.given, WordClass::GIVEN),
            (&self.surnames, WordClass::SURNAME),
            (&self.common_it, WordClass::COMMON_IT),
            (&self.common_en, WordClass::COMMON_EN),
        ] {
            if list.binary_search(&folded).is_ok() {
                class = class.union(c);
            }
        }
        if self.population(folded).is_some() {
            class = class.union(WordClass::PLACE);
        }
        class
    }

    /// The population of a place (0 for countries and regions), if it is one.
    pub fn population(&self, folded: &str) -> Option<u32> {
        self.places.binary_search_by(|(w, _)| (*w).cmp(folded)).ok().map(|i| self.places[i].1)
    }

    /// Number of entries in all lists, for logs.
    pub fn len(&self) -> usize {
        self.given.len() + self.surnames.len() + self.common_it.len() + self.common_en.len() + self.places.len()
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

    #[test]
    fn lists_are_sorted_by_bytes_for_binary_search() {
        let g = Gazetteer::get();
        for list in [&g.given, &g.surnames, &g.common_it, &g.common_en] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(g.places.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lists_are_thousands_of_entries() {
        let count = |s: &'static str| entries(s).count();
        assert!(count(GIVEN_NAMES) > 5_000 && count(SURNAMES) > 5_000 && count(PLACES) > 10_000);
    }
}

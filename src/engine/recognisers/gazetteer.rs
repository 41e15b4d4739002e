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

/// The loaded lists, merged into one hash table from word to its classes and population:
/// a capitalised token costs one hash lookup instead of five binary searches over 270,000
/// entries (the person and location recognisers ask for every capitalised word and every run
/// of up to four of them). Loading is splitting the embedded lines and inserting them: no
/// sort, no copy of the text.
pub struct Gazetteer {
    words: foldhash::HashMap<&'static str, Entry>,
    entries: usize,
}

/// What the lists say about one word.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    class: WordClass,
    /// `Some` for places (0 for countries and regions).
    population: Option<u32>,
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
        let lists = [
            (GIVEN_NAMES, WordClass::GIVEN),
            (SURNAMES, WordClass::SURNAME),
            (COMMON_IT, WordClass::COMMON_IT),
            (COMMON_EN, WordClass::COMMON_EN),
        ];
        let capacity = lists.iter().map(|(source, _)| source.len() / 8).sum::<usize>() + PLACES.len() / 12;
        let mut words: foldhash::HashMap<&'static str, Entry> =
            foldhash::HashMap::with_capacity_and_hasher(capacity, Default::default());
        let mut count = 0;
        for (source, class) in lists {
            for word in entries(source) {
                let entry = words.entry(word).or_default();
                entry.class = entry.class.union(class);
                count += 1;
            }
        }
        for line in entries(PLACES) {
            let Some((name, population)) = line.split_once('\t') else { continue };
            let entry = words.entry(name).or_default();
            entry.class = entry.class.union(WordClass::PLACE);
            entry.population = Some(population.parse().unwrap_or(0));
            count += 1;
        }
        Gazetteer { words, entries: count }
    }

    /// The classes of a case-folded word or phrase (words separated by single spaces).
    pub fn classify(&self, folded: &str) -> WordClass {
        self.words.get(folded).map(|e| e.class).unwrap_or_default()
    }

    /// The population of a place (0 for countries and regions), if it is one.
    pub fn population(&self, folded: &str) -> Option<u32> {
        self.words.get(folded).and_then(|e| e.population)
    }

    /// Number of entries in all lists, for logs.
    pub fn len(&self) -> usize {
        self.entries
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
    fn lists_are_sorted_and_unique() {
        // The generator writes sorted lists; a duplicate would be a generator bug.
        for source in [GIVEN_NAMES, SURNAMES, COMMON_IT, COMMON_EN] {
            let list: Vec<&str> = entries(source).collect();
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
        let places: Vec<&str> = entries(PLACES).filter_map(|l| l.split_once('\t').map(|p| p.0)).collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]));
    }

    /// The hash table answers exactly as a binary search of each list did.
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
        .map(|(source, class)| (entries(source).collect(), class))
        .collect();
        let places: Vec<(&str, u32)> =
            entries(PLACES).filter_map(|l| l.split_once('\t').map(|(n, p)| (n, p.parse().unwrap_or(0)))).collect();
        let probes = lists.iter().flat_map(|(l, _)| l.iter().step_by(97).copied()).chain(places.iter().map(|p| p.0));
        for word in probes.chain(["zzqxv", "", "rossi", "mario rossi", "Rossi"]) {
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
            assert_eq!(g.classify(word), class, "{word:?}");
            assert_eq!(g.population(word), population, "{word:?}");
        }
    }

    #[test]
    fn lists_are_thousands_of_entries() {
        let count = |s: &'static str| entries(s).count();
        assert!(count(GIVEN_NAMES) > 5_000 && count(SURNAMES) > 5_000 && count(PLACES) > 10_000);
    }
}

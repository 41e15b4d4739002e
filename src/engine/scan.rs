//! The shared scanner: every regex of every recogniser in a few overlapping lazy-DFA passes
//! (one per small group of patterns) that record where each pattern's matches end, every
//! lexicon term (entities, context words, rule cues) in one Aho-Corasick pass over the
//! case-folded text. Recognisers and rules register what they need while a policy is
//! compiled and read the results from a [`Scan`]; nothing is compiled per request. A
//! pattern's own search then reads only the windows of text where its matches end (see
//! [`Scan::spans`]).

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use regex_automata::Input;
use regex_automata::MatchKind as RegexMatchKind;
use regex_automata::hybrid;
use regex_automata::meta;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::util::prefilter::Prefilter;
use std::collections::HashMap;

mod triggers;

use super::entity::ByteSpan;
use super::text::{fold_case, is_word_char, tokenize, word_char_at};

/// Cache limit of the fallback `RegexSet`'s lazy DFA (see [`PatternSet`]): with the default
/// 2 MiB, the ~50 patterns of the default policy overflowed it on varied text, and after a
/// few cache clears the set fell back to the PikeVM: 6 ms a post instead of 0.4 ms.
const SET_DFA_CACHE_BYTES: usize = 8 << 20;

/// Patterns per overlapping search of the pattern set (see [`PatternSet`]).
const SET_GROUP_SIZE: usize = 6;

/// Cache limit of each group's lazy DFA, per scanning thread (allocated as states are built;
/// the default policy's ten groups held 30-800 KiB each after the warm-up text and 390
/// unseen clinical texts).
const SET_GROUP_CACHE_BYTES: usize = 2 << 20;

/// A regex registered with the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatternId(u32);

/// A lexicon (a named list of terms) registered with the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LexiconId(u32);

/// What one lexicon term maps to: its lexicon, the caller's entry number, and whether the
/// term is a word prefix (`"parodont*"` matches "parodontite", "parodontale").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TermTag {
    lexicon: LexiconId,
    entry: u32,
    prefix: bool,
}

/// A lexicon term found in the text: whole words only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexiconHit {
    pub span: ByteSpan,
    pub lexicon: LexiconId,
    /// The entry number given when the term was registered (an index into the caller's data).
    pub entry: u32,
}

/// Error building a scanner: a pattern that does not compile.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("pattern {pattern:?} does not compile: {source}")]
    Pattern {
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
    #[error("pattern {pattern:?} does not compile for bounded searches: {source}")]
    Finder {
        pattern: String,
        #[source]
        source: Box<meta::BuildError>,
    },
    #[error("lexicon automaton does not build: {0}")]
    Lexicon(#[from] aho_corasick::BuildError),
}

/// Collects patterns and lexicon terms while a policy is compiled.
#[derive(Default)]
pub struct ScannerBuilder {
    patterns: Vec<String>,
    lexicon_names: Vec<String>,
    terms: HashMap<String, Vec<TermTag>>,
}

impl ScannerBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a regex. Patterns must not use Unicode `\b` (it forces the slow engine);
    /// recognisers check word boundaries themselves with [`super::text::is_isolated`].
    pub fn pattern(&mut self, regex: &str) -> PatternId {
        self.patterns.push(regex.to_owned());
        PatternId(u32::try_from(self.patterns.len() - 1).expect("fewer than 2^32 patterns"))
    }

    /// Registers (or finds) a lexicon by name.
    pub fn lexicon(&mut self, name: &str) -> LexiconId {
        if let Some(i) = self.lexicon_names.iter().position(|n| n == name) {
            return LexiconId(i as u32);
        }
        self.lexicon_names.push(name.to_owned());
        LexiconId(u32::try_from(self.lexicon_names.len() - 1).expect("fewer than 2^32 lexicons"))
    }

    /// Adds a term to a lexicon. Matching is case-insensitive and whole-word; a trailing `*`
    /// makes the term a word prefix. Typographic and straight apostrophes are interchangeable.
    /// Empty terms are ignored.
    pub fn term(&mut self, lexicon: LexiconId, term: &str, entry: u32) {
        let term = term.trim();
        let (body, prefix) = match term.strip_suffix('*') {
            Some(body) => (body.trim_end(), true),
            None => (term, false),
        };
        if body.is_empty() {
            return;
        }
        let mut folded = String::new();
        fold_case(body, &mut folded);
        let tag = TermTag { lexicon, entry, prefix };
        if folded.contains('\'') {
            self.push_term(folded.replace('\'', "\u{2019}"), tag);
        }
        self.push_term(folded, tag);
    }

    fn push_term(&mut self, folded: String, tag: TermTag) {
        let tags = self.terms.entry(folded).or_default();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }

    pub fn build(self) -> Result<Scanner, ScannerError> {
        let set = PatternSet::new(&self.patterns).map_err(|e| self.pattern_error(e))?;
        let regexes = self
            .patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|source| ScannerError::Pattern { pattern: p.clone(), source: Box::new(source) })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let finders = self
            .patterns
            .iter()
            .map(|p| {
                without_slow_prefilter(p)
                    .map_or_else(|| regex_meta(p, true), Ok)
                    .map_err(|source| ScannerError::Finder { pattern: p.clone(), source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let lengths = self.patterns.iter().map(|p| match_lengths(p)).collect();

        let mut terms: Vec<(String, Vec<TermTag>)> = self.terms.into_iter().collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0)); // deterministic automaton for reproducible builds
        let automaton = if terms.is_empty() {
            None
        } else {
            // The NFA itself, not an `AhoCorasick` around it: the lexicon pass walks its states
            // byte by byte (see [`collect_lexicon_hits`]); no prefilter, searches are anchored.
            Some(
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(terms.iter().map(|(t, _)| t.as_str()))?,
            )
        };
        let mut first_bytes = [false; 256];
        for (term, _) in &terms {
            first_bytes[usize::from(term.as_bytes()[0])] = true;
        }
        let tags = terms.into_iter().map(|(_, tags)| tags.into_boxed_slice()).collect();
        Ok(Scanner { set, regexes, finders, lengths, automaton, first_bytes, tags, lexicon_names: self.lexicon_names })
    }

    fn pattern_error(&self, error: regex::Error) -> ScannerError {
        // The set reports no index; find the offending pattern for a useful message.
        for p in &self.patterns {
            if let Err(source) = Regex::new(p) {
                return ScannerError::Pattern { pattern: p.clone(), source: Box::new(source) };
            }
        }
        ScannerError::Pattern { pattern: String::from("<set>"), source: Box::new(error) }
    }
}

/// The pattern compiled without a literal prefilter, when the prefilter the regex engine
/// would pick for it is one regex-automata itself rates as not fast (Aho-Corasick or a byte
/// set rather than memchr or Teddy: many short case-folded literals such as "a", "al",
/// "per", "no"). Such a prefilter fires at nearly every word of a post and each candidate
/// then restarts the lazy DFA: in the default policy's cue patterns (`per giorno`,
/// negated guarantees) `find_iter` took 2-3 times as long with it as the DFA alone. The rule
/// is structural, decided once per pattern at policy load; `None` keeps the default engine.
fn without_slow_prefilter(pattern: &str) -> Option<meta::Regex> {
    let hir = regex_automata::util::syntax::parse(pattern).ok()?;
    let prefilter = Prefilter::from_hir_prefix(RegexMatchKind::LeftmostFirst, &hir)?;
    if prefilter.is_fast() {
        return None;
    }
    regex_meta(pattern, false).ok()
}

/// `pattern` compiled as `regex::Regex` compiles it (its builder's defaults), so matches are
/// the same, with or without the literal prefilter the engine would pick.
fn regex_meta(pattern: &str, prefilter: bool) -> Result<meta::Regex, Box<meta::BuildError>> {
    let config = meta::Config::new()
        .nfa_size_limit(Some(10 << 20))
        .hybrid_cache_capacity(2 << 20)
        .match_kind(RegexMatchKind::LeftmostFirst)
        .utf8_empty(true)
        .auto_prefilter(prefilter);
    meta::Regex::builder().configure(config).build(pattern).map_err(Box::new)
}

/// How short and how long a match of a pattern can be, in bytes (see [`Scan::spans`]).
#[derive(Debug, Clone, Copy)]
struct MatchLengths {
    /// At least 1.
    min: usize,
    /// `None`: unbounded.
    max: Option<usize>,
}

/// The match lengths of `pattern`; `None` when it can match the empty string (or does not
/// parse), so that its searches are not bounded.
fn match_lengths(pattern: &str) -> Option<MatchLengths> {
    let hir = regex_automata::util::syntax::parse(pattern).ok()?;
    let properties = hir.properties();
    let min = properties.minimum_len().filter(|&min| min > 0)?;
    Some(MatchLengths { min, max: properties.maximum_len() })
}

/// Sample clinic posts (Italian and English, with the usual identifiers, prices, doses and
/// dates), written for this purpose, that the pattern set reads once when it is built.
const WARM_UP_TEXT: &str = include_str!("warmup.txt");

type CacheFn = Box<dyn Fn() -> hybrid::dfa::Cache + Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe>;

/// All the scanner's patterns as a few overlapping searches, one per group of patterns.
///
/// Why the lazy DFA itself and not only a `RegexSet`: its overlapping search reports every
/// place where a match of each pattern ends, and those places bound where the pattern's own
/// search has to look (see [`Scan::spans`]); a `RegexSet` only says which patterns matched.
///
/// Why groups (of [`SET_GROUP_SIZE`] patterns) and not one search of all: a lazy DFA builds a
/// state the first time the text leads to it, at ~40,000 instructions a state for the default
/// policy's 52 patterns, and one DFA of all of them has a state for nearly every combination
/// of partial matches (letter runs of the fiscal code, keyword prefixes, digit runs, ...).
/// Benchmarks that replay one corpus never see this: after the first round every state
/// exists. On text it had not read (the evaluation posts, clinical case reports), the one DFA
/// kept building states, overflowed its 8 MiB cache and cleared it: CheckPost took 300-460 µs
/// a text. Small groups have few states each, which the first texts mostly build: 90-110 µs
/// on the same texts (BENCHMARKS.md, "Unseen posts").
///
/// Why groups by [`Reach`]: a pattern that cannot match without a digit (or `@ % € £`, see
/// [`triggers`]) runs only near those, and a group of such patterns skips the rest of the
/// text; most of a post's bytes lie far from any digit, and a text without one skips them
/// whole. Within a reach, registration order, so a recogniser's or a cue's patterns stay
/// together.
struct PatternSet {
    /// Empty when a pattern can match the empty string (then `fallback` serves).
    groups: Vec<SetGroup>,
    /// The same patterns as a `RegexSet`, for a text on which a lazy DFA gives up (it
    /// clears its cache too often, or meets a Unicode word boundary): the set then falls back
    /// to a slower engine, and the matched patterns' searches read the whole text.
    fallback: RegexSet,
}

/// Where the matches of a pattern (or of every pattern of a group) can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Anywhere: the search reads the whole text.
    Anywhere,
    /// Every match holds a trigger character (see [`triggers`]), at most this many bytes
    /// after its start (`None`: any number, as in `alle\s+\d`): a text without one has no
    /// match, and with a bound, no match starts more than that far before a trigger.
    NearTriggers(Option<usize>),
}

impl Reach {
    fn of(pattern: &str) -> Reach {
        match regex_automata::util::syntax::parse(pattern).ok().as_ref().and_then(triggers::trigger_lead) {
            Some(lead) => Reach::NearTriggers(lead),
            None => Reach::Anywhere,
        }
    }

    /// The reach of a group holding patterns of both reaches.
    fn widest(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::NearTriggers(Some(a)), Reach::NearTriggers(Some(b))) => Reach::NearTriggers(Some(a.max(b))),
            (Reach::NearTriggers(_), Reach::NearTriggers(_)) => Reach::NearTriggers(None),
            _ => Reach::Anywhere,
        }
    }
}

/// Some patterns of the scanner, of one reach, as one overlapping lazy-DFA search.
struct SetGroup {
    /// The scanner's index of each pattern: the DFA's pattern `i` is the scanner's
    /// `members[i]`.
    members: Box<[u32]>,
    reach: Reach,
    dfa: hybrid::dfa::DFA,
    caches: Pool<hybrid::dfa::Cache, CacheFn>,
}

impl SetGroup {
    fn new(members: Vec<u32>, patterns: &[String], reach: Reach) -> Option<SetGroup> {
        let own: Vec<&str> = members.iter().map(|&i| patterns[i as usize].as_str()).collect();
        let dfa = set_dfa(&own, reach)?;
        // Each scanning thread's cache starts as a copy of one warmed here, so the states
        // that ordinary posts reach are built once per policy, not per thread on live traffic.
        let warm = warm_cache(&dfa, reach);
        let create: CacheFn = Box::new(move || warm.clone());
        Some(SetGroup { members: members.into_boxed_slice(), reach, dfa, caches: Pool::new(create) })
    }
}

/// A cache of a group's lazy DFA that has read [`WARM_UP_TEXT`].
///
/// Why: a lazy DFA builds a state the first time a search reaches it (up to ~40,000
/// instructions a state for the default policy's patterns). On a freshly compiled
/// policy (start-up, every hot reload) the first posts each thread checked took 1-5 ms
/// instead of ~30 µs, and the first hundred or so were slow. Reading the sample once here,
/// and copying the result into each thread's cache, moves that cost to policy compilation.
/// Results cannot change: a cache only holds states the DFA would build anyway.
fn warm_cache(dfa: &hybrid::dfa::DFA, reach: Reach) -> hybrid::dfa::Cache {
    let mut cache = dfa.create_cache();
    let mut runs = Vec::new();
    for line in WARM_UP_TEXT.lines() {
        runs.clear();
        triggers::trigger_runs(line, &mut runs);
        // A search that gives up (the cache filled) leaves a usable cache: stop there.
        if search_overlapping(dfa, reach, &mut cache, line, &runs, |_, _| {}).is_err() {
            break;
        }
    }
    cache
}

/// One overlapping search of a group's DFA over `text`: `found(pattern of the DFA, end)` for
/// each pattern and place where one of its matches ends, in order of ends; `runs`: the text's
/// trigger runs ([`triggers::trigger_runs`]), read unless `reach` is `Anywhere`. Err when the
/// lazy DFA gives up.
///
/// Why not `try_search_overlapping_fwd`: it can skip text only with a literal prefilter,
/// and most of these patterns start with a character class. Here, whenever the DFA is back in
/// a start state (no match under way), a group that reaches only near triggers jumps to where
/// the next trigger allows a match to start, and stops when none is left. No match is lost:
/// one starting before that place would hold a trigger more than the lead after its start.
/// The loop also steps untagged states without the per-byte bookkeeping of the library's.
fn search_overlapping(
    dfa: &hybrid::dfa::DFA,
    reach: Reach,
    cache: &mut hybrid::dfa::Cache,
    text: &str,
    runs: &[(usize, usize)],
    mut found: impl FnMut(usize, usize),
) -> Result<(), ()> {
    let bytes = text.as_bytes();
    let mut next_run = 0;
    // Where the next match can start at the earliest, at or after `at` (`None`: nowhere).
    let mut earliest = |at: usize| -> Option<usize> {
        let Reach::NearTriggers(lead) = reach else { return Some(at) };
        let trigger = triggers::next_trigger(runs, &mut next_run, at)?;
        let mut start = lead.map_or(at, |lead| trigger.saturating_sub(lead));
        if start <= at {
            return Some(at);
        }
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        Some(start.max(at))
    };
    let mut input = Input::new(text);
    let Some(mut at) = earliest(0) else { return Ok(()) };
    input.set_start(at);
    cache.search_start(at);
    let mut sid = dfa.start_state_forward(cache, &input).map_err(drop)?;
    while at < bytes.len() {
        if !sid.is_tagged() {
            // Most bytes lead from an untagged state to another: no checks but the tag.
            while at < bytes.len() {
                let next = dfa.next_state_untagged(cache, sid, bytes[at]);
                if next.is_tagged() {
                    break;
                }
                sid = next;
                at += 1;
            }
            if at == bytes.len() {
                break;
            }
        }
        // Builds the state if it is not in the cache yet, which may clear the cache.
        cache.search_update(at);
        sid = dfa.next_state(cache, sid, bytes[at]).map_err(drop)?;
        at += 1;
        if sid.is_match() {
            // Matches are reported one byte late: these end before the byte just read.
            report_matches(dfa, cache, sid, at - 1, &mut found);
        } else if sid.is_start() {
            match earliest(at) {
                None => {
                    cache.search_finish(at);
                    return Ok(());
                }
                Some(start) if start > at => {
                    at = start;
                    input.set_start(at);
                    sid = dfa.start_state_forward(cache, &input).map_err(drop)?;
                }
                Some(_) => {}
            }
        } else if sid.is_dead() {
            cache.search_finish(at);
            return Ok(());
        } else if sid.is_quit() {
            return Err(());
        }
    }
    sid = dfa.next_eoi_state(cache, sid).map_err(drop)?;
    if sid.is_match() {
        report_matches(dfa, cache, sid, bytes.len(), &mut found);
    }
    cache.search_finish(bytes.len());
    Ok(())
}

/// `found(pattern, end)` for each pattern of the match state `sid`.
fn report_matches(
    dfa: &hybrid::dfa::DFA,
    cache: &hybrid::dfa::Cache,
    sid: hybrid::LazyStateID,
    end: usize,
    found: &mut impl FnMut(usize, usize),
) {
    for i in 0..dfa.match_len(cache, sid) {
        found(dfa.match_pattern(cache, sid, i).as_usize(), end);
    }
}

impl PatternSet {
    fn new(patterns: &[String]) -> Result<PatternSet, regex::Error> {
        let fallback =
            RegexSetBuilder::new(patterns).size_limit(64 << 20).dfa_size_limit(SET_DFA_CACHE_BYTES).build()?;
        // Empty matches would need `RegexSet`'s handling of matches that split a character;
        // no pattern of the default policy matches the empty string.
        let can_be_empty = patterns.iter().any(|p| match_lengths(p).is_none());
        let mut groups = Vec::new();
        if !can_be_empty {
            let reaches: Vec<Reach> = patterns.iter().map(|p| Reach::of(p)).collect();
            // Anywhere, then near triggers without a bound, then with one.
            let kind = |reach: Reach| match reach {
                Reach::Anywhere => 0,
                Reach::NearTriggers(None) => 1,
                Reach::NearTriggers(Some(_)) => 2,
            };
            'kinds: for k in 0..3 {
                let members: Vec<u32> =
                    (0..patterns.len() as u32).filter(|&i| kind(reaches[i as usize]) == k).collect();
                for chunk in balanced_groups(&members, patterns, &reaches) {
                    let reach = chunk.iter().map(|&i| reaches[i as usize]).reduce(Reach::widest);
                    let Some(group) = reach.and_then(|reach| SetGroup::new(chunk, patterns, reach)) else {
                        groups.clear();
                        break 'kinds;
                    };
                    groups.push(group);
                }
            }
        }
        Ok(PatternSet { groups, fallback })
    }

    /// The windows of `text` that hold every match of each pattern (see [`Scan::spans`]):
    /// `(pattern, start, end)` in `out`, each pattern's in order. A match ending at `e` lies
    /// in `e - max..e` (`max`: the longest match the pattern can have, from `lengths`);
    /// windows that overlap are merged as the ends come (in ascending order), so a run of
    /// ends in a long number makes one window. False when a lazy DFA gave up (or there is
    /// none): `out` is then empty and the caller asks `fallback`.
    fn windows(&self, text: &str, lengths: &[Option<MatchLengths>], out: &mut Vec<(u32, usize, usize)>) -> bool {
        if self.groups.is_empty() {
            return false;
        }
        let mut runs = Vec::new();
        if self.groups.iter().any(|g| g.reach != Reach::Anywhere) {
            triggers::trigger_runs(text, &mut runs);
        }
        // Per pattern, its window still open to merging.
        let mut open: Vec<Option<(usize, usize)>> = vec![None; lengths.len()];
        for group in &self.groups {
            let mut cache = group.caches.get();
            let result = search_overlapping(&group.dfa, group.reach, &mut cache, text, &runs, |pattern, end| {
                let pattern = group.members[pattern] as usize;
                // The DFAs exist only when every pattern has lengths (none matches empty).
                let max = lengths[pattern].and_then(|l| l.max);
                let mut start = max.map_or(0, |max| end.saturating_sub(max));
                match &mut open[pattern] {
                    Some((_, open_end)) if start <= *open_end => *open_end = end,
                    window => {
                        while !text.is_char_boundary(start) {
                            start -= 1;
                        }
                        if let Some((s, e)) = window.replace((start, end)) {
                            out.push((pattern as u32, s, e));
                        }
                    }
                }
            });
            if result.is_err() {
                out.clear();
                return false;
            }
        }
        out.extend(open.into_iter().enumerate().filter_map(|(p, w)| w.map(|(s, e)| (p as u32, s, e))));
        true
    }
}

/// How many grown groups [`balanced_groups`] may build to weigh them (each costs ~2-3 ms of
/// policy compilation; the default policy takes 34), so a policy with many patterns that run
/// over the whole text does not make compilation quadratic: past it, weights add up.
const GROUP_TRIES: usize = 40;

/// `members` (patterns of one reach) split into as few groups of at most [`SET_GROUP_SIZE`]
/// as they fill, the patterns that build the most states spread over them. Why: a DFA's
/// states multiply with its patterns' partial matches, and the default policy's heavy
/// patterns (fiscal code, street names, URLs) sit next to each other in registration order;
/// together, one group built ~2 MiB of states on unseen clinical text (~6 ms of construction
/// over 390 texts, against ~2 ms for the heaviest group now).
///
/// A group's weight, for the patterns that run over the whole text: the cache its DFA fills
/// on [`WARM_UP_TEXT`] (KiB) times its NFA's states (what each state costs to build).
/// Heaviest pattern first, each goes to the group it grows the least, measured by building
/// the grown group (the default policy's 15 such patterns: 34 tries, ~70 ms of policy
/// compilation, most of it compiling NFAs). Patterns that run near triggers build fewer
/// states: weighed by their NFA's states alone, added up. Deterministic; each group keeps
/// registration order.
fn balanced_groups(members: &[u32], patterns: &[String], reaches: &[Reach]) -> Vec<Vec<u32>> {
    let count = members.len().div_ceil(SET_GROUP_SIZE);
    if count <= 1 {
        return if members.is_empty() { Vec::new() } else { vec![members.to_vec()] };
    }
    // Cache filled on the warm-up text by the DFA of `group` (patterns of one reach).
    let states = |group: &[u32]| {
        let reach = reaches[group[0] as usize];
        let own: Vec<&str> = group.iter().map(|&i| patterns[i as usize].as_str()).collect();
        set_dfa(&own, reach)
            .map_or(0, |dfa| warm_cache(&dfa, reach).memory_usage() / 1024 * dfa.get_nfa().states().len())
    };
    // Trying a pattern in each group costs a DFA per try: only for the patterns that run
    // over the whole text; the others run near triggers and build fewer states, and are
    // weighed by their NFA alone.
    let tries = reaches[members[0] as usize] == Reach::Anywhere;
    let weight = |i: u32| {
        if tries {
            states(&[i])
        } else {
            set_dfa(&[patterns[i as usize].as_str()], reaches[i as usize]).map_or(0, |dfa| dfa.get_nfa().states().len())
        }
    };
    let mut weighted: Vec<(usize, u32)> = members.iter().map(|&i| (weight(i), i)).collect();
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut groups: Vec<(usize, Vec<u32>)> = vec![(0, Vec::new()); count];
    let mut tried = 0;
    for (weight, i) in weighted {
        // Where the pattern adds the least: an empty group adds its own weight.
        let mut best: Option<(usize, usize, usize)> = None;
        for (g, (size, group)) in groups.iter().enumerate().filter(|(_, g)| g.1.len() < SET_GROUP_SIZE) {
            let grown = if group.is_empty() || !tries || tried >= GROUP_TRIES {
                size + weight
            } else {
                tried += 1;
                states(&[group.as_slice(), &[i]].concat())
            };
            let added = grown.saturating_sub(*size);
            if best.is_none_or(|(_, least, _)| added < least) {
                best = Some((g, added, grown));
            }
        }
        // `count` groups of SET_GROUP_SIZE hold every member: one always has room.
        if let Some((g, _, grown)) = best {
            groups[g].0 = grown;
            groups[g].1.push(i);
        }
    }
    groups
        .into_iter()
        .map(|(_, mut group)| {
            group.sort_unstable();
            group
        })
        .collect()
}

/// The overlapping lazy DFA of some patterns: `RegexSet`'s own configuration (regex-automata's
/// meta engine for an overlapping search), so it matches what the set would, with its own
/// cache limit; start states tagged for a group that skips from them (see
/// [`search_overlapping`]). `None` if it does not build.
fn set_dfa(patterns: &[&str], reach: Reach) -> Option<hybrid::dfa::DFA> {
    let config = hybrid::dfa::Config::new()
        .match_kind(RegexMatchKind::All)
        .starts_for_each_pattern(false)
        .specialize_start_states(matches!(reach, Reach::NearTriggers(Some(_))))
        .unicode_word_boundary(true)
        .cache_capacity(SET_GROUP_CACHE_BYTES)
        .skip_cache_capacity_check(false)
        .minimum_cache_clear_count(Some(3))
        .minimum_bytes_per_state(Some(10));
    hybrid::dfa::Builder::new()
        .configure(config)
        .thompson(thompson::Config::new().nfa_size_limit(Some(64 << 20)).which_captures(WhichCaptures::None))
        .build_many(patterns)
        .ok()
}

/// The compiled, immutable scanner of a policy.
pub struct Scanner {
    set: PatternSet,
    /// Per pattern, for its captures.
    regexes: Vec<Regex>,
    /// Per pattern, for [`Scan::spans`]: the same regex as a meta engine, which can search a
    /// window of the text; without its prefilter when the prefilter loses (see
    /// [`without_slow_prefilter`]).
    finders: Vec<meta::Regex>,
    /// Per pattern, how long its matches can be; `None`: possibly empty.
    lengths: Vec<Option<MatchLengths>>,
    /// Run anchored, only from where a whole word can start (see [`collect_lexicon_hits`]).
    automaton: Option<contiguous::NFA>,
    /// The bytes some term starts with: an anchored search from any other byte finds nothing.
    first_bytes: [bool; 256],
    tags: Vec<Box<[TermTag]>>,
    lexicon_names: Vec<String>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("patterns", &self.regexes.len())
            .field("terms", &self.tags.len())
            .field("lexicons", &self.lexicon_names.len())
            .finish()
    }
}

impl Scanner {
    /// Scans `text` once for all patterns and lexicons.
    pub fn scan<'t>(&'t self, text: &'t str) -> Scan<'t> {
        let mut folded = String::new();
        fold_case(text, &mut folded);
        let (matched, windows) = self.pattern_windows(text);
        let mut hits = Vec::with_capacity(text.len() / 16);
        if let Some(ac) = &self.automaton {
            collect_lexicon_hits(ac, &self.first_bytes, &self.tags, &folded, &mut hits);
        }
        hits.sort_unstable_by_key(|h| (h.lexicon, h.span.start, h.span.end));
        hits.dedup();
        let mut ranges = vec![(0usize, 0usize); self.lexicon_names.len()];
        let mut i = 0;
        while i < hits.len() {
            let lexicon = hits[i].lexicon;
            let start = i;
            while i < hits.len() && hits[i].lexicon == lexicon {
                i += 1;
            }
            ranges[lexicon.0 as usize] = (start, i);
        }
        let mut tokens = Vec::new();
        tokenize(text, &mut tokens);
        Scan { scanner: self, text, folded, matched, windows, hits, ranges, tokens }
    }

    /// Per pattern, the windows that hold its matches (a range of the returned windows,
    /// grouped by pattern and in order), or that its search must read the whole text, or that
    /// it has no match.
    fn pattern_windows(&self, text: &str) -> (Vec<PatternWindows>, Vec<(usize, usize)>) {
        let mut matched = vec![PatternWindows::None; self.regexes.len()];
        if self.regexes.is_empty() {
            return (matched, Vec::new());
        }
        let mut found = Vec::new();
        if !self.set.windows(text, &self.lengths, &mut found) {
            for i in self.set.fallback.matches(text).iter() {
                matched[i] = PatternWindows::Whole;
            }
            return (matched, Vec::new());
        }
        // Grouped by pattern, keeping each pattern's windows in order (a counting sort).
        let mut slots = vec![0usize; self.regexes.len()];
        for &(pattern, _, _) in &found {
            slots[pattern as usize] += 1;
        }
        let mut next = 0;
        for (i, slot) in slots.iter_mut().enumerate() {
            let count = std::mem::replace(slot, next);
            if let (true, Some(lengths)) = (count > 0, self.lengths[i]) {
                matched[i] = PatternWindows::Windows { from: next, to: next + count, min_len: lengths.min };
            }
            next += count;
        }
        let mut windows = vec![(0, 0); found.len()];
        for &(pattern, start, end) in &found {
            let slot = &mut slots[pattern as usize];
            windows[*slot] = (start, end);
            *slot += 1;
        }
        (matched, windows)
    }

    /// The registered patterns, in registration order (for diagnostics and benchmarks).
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.regexes.iter().map(Regex::as_str)
    }

    /// Number of registered lexicons.
    pub fn lexicon_count(&self) -> usize {
        self.lexicon_names.len()
    }

    /// A lexicon's name, for explanations.
    pub fn lexicon_name(&self, id: LexiconId) -> &str {
        &self.lexicon_names[id.0 as usize]
    }
}

/// Every whole-word term occurrence in `folded`, as lexicon hits, in the order an overlapping
/// unanchored search reports them (by end, then by start), so the caller's sort gives the
/// same result for hits that tie.
///
/// Why anchored searches: a hit must start where no word character precedes it, so the
/// automaton is run only from those positions (and only when a term starts with the byte
/// there), and each run stops where the text leaves the trie. An unanchored overlapping pass
/// walked every byte, followed failure links, and reported every term inside longer words
/// ("pi" in "capire") only for the boundary check to drop it: it was a seventh of CheckPost.
fn collect_lexicon_hits(
    nfa: &contiguous::NFA,
    first_bytes: &[bool; 256],
    tags: &[Box<[TermTag]>],
    folded: &str,
    out: &mut Vec<LexiconHit>,
) {
    let bytes = folded.as_bytes();
    let anchored_start = nfa.start_state(Anchored::Yes).expect("an NFA supports anchored searches");
    // (end, start, term) of every occurrence that starts where a word can start.
    let mut found: Vec<(usize, usize, usize)> = Vec::with_capacity(bytes.len() / 16);
    let mut after_word_char = false;
    let mut start = 0;
    while start < bytes.len() {
        let (word_char, char_len) = word_char_at(folded, start);
        if !after_word_char && first_bytes[usize::from(bytes[start])] {
            // The automaton's states walked directly: `AhoCorasick::try_find_overlapping` set
            // up a search and re-entered it once per match, which cost more than the walk.
            let mut sid = anchored_start;
            for (at, &b) in bytes[start..].iter().enumerate() {
                sid = nfa.next_state(Anchored::Yes, sid, b);
                if !nfa.is_special(sid) {
                    continue;
                }
                if nfa.is_dead(sid) {
                    break;
                }
                if nfa.is_match(sid) {
                    let end = start + at + 1;
                    for i in 0..nfa.match_len(sid) {
                        let term = nfa.match_pattern(sid, i);
                        // A state's matches include terms that are suffixes of its path,
                        // starting later: those are found from their own start.
                        if nfa.pattern_len(term) == end - start {
                            found.push((end, start, term.as_usize()));
                        }
                    }
                }
            }
        }
        after_word_char = word_char;
        start += char_len;
    }
    found.sort_unstable();
    for (end, start, term) in found {
        push_term_hits(folded, start, end, &tags[term], out);
    }
}

/// The hits of one term occurrence at `start..end`, one per lexicon tagging the term: a
/// prefix term extends to the end of its word; a whole-word term counts only if the word
/// ends with it.
fn push_term_hits(folded: &str, start: usize, end: usize, tags: &[TermTag], out: &mut Vec<LexiconHit>) {
    // Matches cannot split a char because terms are valid UTF-8 and start and end on char
    // boundaries of the folded text.
    let word_continues = end < folded.len() && super::text::char_at(folded, end).is_some_and(is_word_char);
    for tag in tags {
        let end = if tag.prefix {
            extend_to_word_end(folded, end)
        } else if word_continues {
            continue;
        } else {
            end
        };
        out.push(LexiconHit { span: ByteSpan::new(start, end), lexicon: tag.lexicon, entry: tag.entry });
    }
}

fn extend_to_word_end(text: &str, mut end: usize) -> usize {
    for c in text[end..].chars() {
        if !is_word_char(c) {
            break;
        }
        end += c.len_utf8();
    }
    end
}

/// What the shared pass says of one pattern.
#[derive(Debug, Clone, Copy)]
enum PatternWindows {
    /// No match.
    None,
    /// Its matches lie in `windows[from..to]` of the scan; none is shorter than `min_len`.
    Windows { from: usize, to: usize, min_len: usize },
    /// It matched, and its search reads the whole text (the lazy DFA gave up on the text, or
    /// the pattern can match the empty string).
    Whole,
}

/// A match of one pattern (see [`Scan::matches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternMatch<'t> {
    matched: &'t str,
    start: usize,
    end: usize,
}

impl<'t> From<regex::Match<'t>> for PatternMatch<'t> {
    fn from(m: regex::Match<'t>) -> Self {
        PatternMatch { matched: m.as_str(), start: m.start(), end: m.end() }
    }
}

impl<'t> PatternMatch<'t> {
    pub fn start(&self) -> usize {
        self.start
    }

    pub fn end(&self) -> usize {
        self.end
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn as_str(&self) -> &'t str {
        self.matched
    }
}

/// The spans of one pattern's matches (see [`Scan::spans`]).
pub struct PatternSpans<'s> {
    text: &'s str,
    finder: Option<&'s meta::Regex>,
    search: Search<'s>,
}

enum Search<'s> {
    Done,
    Whole(meta::FindMatches<'s, 's>),
    Windows {
        /// The windows not searched to their end yet, in order.
        windows: &'s [(usize, usize)],
        min_len: usize,
        /// Where the previous match ended: the next one starts here or later.
        at: usize,
    },
}

impl Iterator for PatternSpans<'_> {
    type Item = ByteSpan;

    fn next(&mut self) -> Option<ByteSpan> {
        match &mut self.search {
            Search::Done => None,
            Search::Whole(matches) => matches.next().map(|m| ByteSpan::new(m.start(), m.end())),
            Search::Windows { windows, min_len, at } => {
                let finder = self.finder?;
                while let Some((&(start, end), rest)) = windows.split_first() {
                    let from = (*at).max(start);
                    if from + *min_len <= end
                        && let Some(m) = finder.search(&Input::new(self.text).range(from..end))
                    {
                        // Matches are never empty here, so the next search moves on.
                        *at = m.end();
                        return Some(ByteSpan::new(m.start(), m.end()));
                    }
                    *windows = rest;
                }
                None
            }
        }
    }
}

/// The result of scanning one text: which patterns matched, every lexicon hit, the word
/// tokens and the case-folded text. Borrowed by recognisers and rules.
pub struct Scan<'t> {
    scanner: &'t Scanner,
    pub text: &'t str,
    /// Same byte offsets as `text`, lower-cased.
    pub folded: String,
    /// Per pattern, where its matches are (see [`Scan::spans`]).
    matched: Vec<PatternWindows>,
    /// The windows of all patterns, grouped by pattern.
    windows: Vec<(usize, usize)>,
    hits: Vec<LexiconHit>,
    ranges: Vec<(usize, usize)>,
    /// Word tokens of `text`, in order.
    pub tokens: Vec<ByteSpan>,
}

impl<'t> Scan<'t> {
    /// Matches of one pattern (leftmost-first, non-overlapping), as `Regex::find_iter` finds
    /// them (see [`Scan::spans`]).
    pub fn matches(&self, pattern: PatternId) -> impl Iterator<Item = PatternMatch<'t>> + '_ {
        let text = self.text;
        self.spans(pattern).map(move |span| PatternMatch {
            matched: &text[span.start..span.end],
            start: span.start,
            end: span.end,
        })
    }

    /// Where one pattern matches (leftmost-first, non-overlapping, as `Regex::find_iter`
    /// finds them). Empty, at no cost, when the shared pass found no match for it.
    ///
    /// The search reads only the windows where the shared pass saw the pattern's matches end:
    /// a match ending at `e` starts no earlier than `e` minus the longest match the pattern
    /// can have. Windows that overlap are merged, so all the matches that start at one place
    /// lie in one window, and a search from the start of a window (or from the end of the
    /// previous match) finds what a search from the start of the text would find there
    /// (look-around still sees the whole text). Why: a pattern's own search over the whole
    /// text cost ~2 µs a post for each matched pattern, most of it reading text far from any
    /// match.
    pub fn spans(&self, pattern: PatternId) -> PatternSpans<'_> {
        let index = pattern.0 as usize;
        let search = match self.matched.get(index) {
            None | Some(PatternWindows::None) => Search::Done,
            Some(PatternWindows::Whole) => Search::Whole(self.scanner.finders[index].find_iter(self.text)),
            Some(&PatternWindows::Windows { from, to, min_len }) => {
                Search::Windows { windows: &self.windows[from..to], min_len, at: 0 }
            }
        };
        PatternSpans { text: self.text, finder: self.scanner.finders.get(index), search }
    }

    /// Capture groups of one pattern's matches; same cost model as [`Scan::spans`].
    pub fn captures(&self, pattern: PatternId) -> impl Iterator<Item = regex::Captures<'t>> + '_ {
        let index = pattern.0 as usize;
        let text = self.text;
        let regex = self.scanner.regexes.get(index);
        // A pattern that can match the empty string keeps `captures_iter`'s own rule for
        // empty matches; every other match is captured where the search found it.
        let whole = matches!(self.matched.get(index), Some(PatternWindows::Whole));
        let found = (!whole).then(|| self.spans(pattern)).into_iter().flatten();
        let bounded = found.filter_map(move |span| regex?.captures_at(text, span.start));
        let whole = whole.then(|| regex.map(|r| r.captures_iter(text))).flatten().into_iter().flatten();
        bounded.chain(whole)
    }

    /// Whether the shared pass found a match of pattern `index` (false for a pattern of
    /// another scanner).
    #[cfg(test)]
    fn pattern_matched(&self, index: usize) -> bool {
        !matches!(self.matched.get(index), None | Some(PatternWindows::None))
    }

    /// Whole-word hits of one lexicon, ordered by start.
    pub fn hits(&self, lexicon: LexiconId) -> &[LexiconHit] {
        match self.ranges.get(lexicon.0 as usize) {
            Some(&(start, end)) => &self.hits[start..end],
            None => &[],
        }
    }

    /// Whether any hit of `lexicon` ends within `max_words` word tokens before `span`, or
    /// starts within `after_words` tokens after it.
    pub fn has_context(&self, lexicon: LexiconId, span: ByteSpan, max_words: usize, after_words: usize) -> bool {
        let hits = self.hits(lexicon);
        if hits.is_empty() {
            return false;
        }
        let first_token = self.tokens.partition_point(|t| t.end <= span.start);
        let window_start = first_token.checked_sub(max_words).map_or(0, |i| self.tokens[i].start);
        let last_token = self.tokens.partition_point(|t| t.start < span.end);
        let window_end = self.tokens.get(last_token + after_words.saturating_sub(1)).map_or(self.text.len(), |t| t.end);
        hits.iter().any(|h| {
            (h.span.start >= window_start && h.span.end <= span.start)
                || (h.span.start >= span.end && h.span.end <= window_end)
                || h.span.overlaps(&span) && !span.contains(&h.span)
        })
    }

    /// Index of the token containing or following byte `pos`.
    pub fn token_at(&self, pos: usize) -> usize {
        self.tokens.partition_point(|t| t.end <= pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> (Scanner, PatternId, LexiconId, LexiconId) {
        let mut b = ScannerBuilder::new();
        let digits = b.pattern(r"\d{3,}");
        let health = b.lexicon("health");
        b.term(health, "Impianto", 0);
        b.term(health, "root canal", 1);
        b.term(health, "parodont*", 2);
        let ctx = b.lexicon("context");
        b.term(ctx, "pi", 0);
        b.term(ctx, "dell'impianto", 1);
        (b.build().unwrap(), digits, health, ctx)
    }

    #[test]
    fn lexicon_hits_are_whole_words_case_insensitive() {
        let (s, _, health, ctx) = scanner();
        let scan = s.scan("L'IMPIANTO e la Parodontite; più pi; Root Canal; impiantologia");
        let words: Vec<&str> = scan.hits(health).iter().map(|h| &scan.text[h.span.start..h.span.end]).collect();
        assert_eq!(words, ["IMPIANTO", "Parodontite", "Root Canal"]);
        let ctx_words: Vec<&str> = scan.hits(ctx).iter().map(|h| &scan.text[h.span.start..h.span.end]).collect();
        assert_eq!(ctx_words, ["pi"]);
    }

    #[test]
    fn typographic_apostrophes_match() {
        let (s, _, _, ctx) = scanner();
        let scan = s.scan("la vite dell’impianto");
        assert_eq!(scan.hits(ctx).len(), 1);
    }

    #[test]
    fn patterns_run_only_when_the_set_matched() {
        let (s, digits, _, _) = scanner();
        assert_eq!(s.scan("no numbers here").matches(digits).count(), 0);
        let found: Vec<&str> = s.scan("a 123 b 4567").matches(digits).map(|m| m.as_str()).collect();
        assert_eq!(found, ["123", "4567"]);
    }

    #[test]
    fn every_group_of_the_set_reports_its_own_patterns() {
        // More patterns than one group holds, each matching its own word, so a pattern ID
        // mapped to the wrong scanner index would report the wrong windows.
        let words: Vec<String> = (0..SET_GROUP_SIZE * 2 + 1).map(|i| format!("w{i}x")).collect();
        let mut b = ScannerBuilder::new();
        let ids: Vec<PatternId> = words.iter().map(|w| b.pattern(w)).collect();
        let scanner = b.build().unwrap();
        assert_eq!(scanner.set.groups.len(), 3);
        let text = format!("{} and w0x again", words.iter().rev().map(String::as_str).collect::<Vec<_>>().join(" "));
        let scan = scanner.scan(&text);
        for (id, word) in ids.iter().zip(&words) {
            let expected: Vec<ByteSpan> =
                text.match_indices(word.as_str()).map(|(i, w)| ByteSpan::new(i, i + w.len())).collect();
            assert_eq!(scan.spans(*id).collect::<Vec<_>>(), expected, "{word}");
        }
        assert!(scanner.scan("nothing here").matched.iter().all(|m| matches!(m, PatternWindows::None)));
    }

    #[test]
    fn patterns_near_triggers_find_what_the_whole_text_search_finds() {
        let patterns = [
            r"\d{3}",                      // near triggers, at them
            r"(?i)(?:alle|ore)\s+\d{1,2}", // near triggers, any distance before them
            r"(?:EUR|€)\s?\d+",            // near triggers, within 6 bytes
            r"[A-Z]{2}[0-9A-Z]{2}",        // anywhere
        ];
        let mut b = ScannerBuilder::new();
        let ids: Vec<PatternId> = patterns.iter().map(|p| b.pattern(p)).collect();
        let scanner = b.build().unwrap();
        let reaches: Vec<Reach> = scanner.set.groups.iter().map(|g| g.reach).collect();
        assert_eq!(reaches, [Reach::Anywhere, Reach::NearTriggers(None), Reach::NearTriggers(Some(6))]);
        let filler = " parole senza cifre".repeat(20);
        for text in [
            format!("{filler} alle{}17 e EUR 250, AB12{filler} 123 ore 9{filler}", " ".repeat(90)),
            format!("ABCD{filler}"),
            format!("€5{filler}EUR 1 ٣٣٣ alle 1"),
        ] {
            let scan = scanner.scan(&text);
            for (id, p) in ids.iter().zip(patterns) {
                assert_eq!(scan.spans(*id).collect::<Vec<_>>(), expected_spans(&Regex::new(p).unwrap(), &text), "{p}");
            }
        }
    }

    #[test]
    fn scanning_threads_start_from_a_warmed_cache() {
        let set = &default_scanner().set;
        assert!(set.groups.len() > 1, "the default policy's patterns fill several groups");
        for group in &set.groups {
            let fresh = group.dfa.create_cache().memory_usage();
            // A cache from the pool, on a thread that has not scanned yet, is a copy of the
            // one that read the warm-up text: it holds more states than a fresh one.
            let warmed = std::thread::scope(|s| s.spawn(|| group.caches.get().memory_usage()).join().unwrap());
            assert!(warmed > fresh, "warmed {warmed} bytes, fresh {fresh}");
        }
    }

    #[test]
    fn context_window_counts_words() {
        let mut b = ScannerBuilder::new();
        let ctx = b.lexicon("ctx");
        b.term(ctx, "nhs number", 0);
        let s = b.build().unwrap();
        let text = "my nhs number is 943 476 5919";
        let scan = s.scan(text);
        let span = ByteSpan::new(17, text.len());
        assert!(scan.has_context(ctx, span, 3, 0));
        let text = "nhs number: a b c d e f g h 943 476 5919";
        let scan = s.scan(text);
        let start = text.find("943").unwrap();
        assert!(!scan.has_context(ctx, ByteSpan::new(start, text.len()), 5, 0));
    }

    /// The lexicon pass as first written: one unanchored overlapping search over every byte,
    /// dropping the occurrences that start inside a word.
    fn unanchored_hits(terms: &[(String, Vec<TermTag>)], folded: &str) -> Vec<LexiconHit> {
        use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind};
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(terms.iter().map(|(t, _)| t.as_str()))
            .unwrap();
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(folded) {
            let (start, end) = (m.start(), m.end());
            if start > 0 && super::super::text::char_before(folded, start).is_some_and(is_word_char) {
                continue;
            }
            push_term_hits(folded, start, end, &terms[m.pattern().as_usize()].1, &mut out);
        }
        out
    }

    /// Cue patterns of the default policy whose prefix prefilter is slow, and one whose
    /// prefilter (memchr / Teddy) is kept.
    const UNFILTERED: &[&str] = &[
        r"(?i)(?:al|per\s+il|per)\s+giorno|(?:a|per)\s+day|daily",
        r"(?i)(?:non|nessun[oa]?|not|no|cannot|can\x27t|never|mai)\s+(?:[\p{L}\x27]+\s+){0,3}(?:garantit|guarant)",
        r"(?i)(?:alle|ore|at)\s+\d{1,2}[:.]\d{2}",
    ];

    #[test]
    fn slow_prefilters_are_dropped_fast_ones_kept() {
        for p in UNFILTERED {
            assert!(without_slow_prefilter(p).is_some(), "{p}");
        }
        assert!(without_slow_prefilter(r"(?:[Cc]ode|CODE|[Cc]odice|[Cc]oupon)\s*:?\s+[A-Z]{2,}").is_none());
        assert!(without_slow_prefilter(r"\d{3,}").is_none());
    }

    fn default_scanner() -> &'static Scanner {
        static POLICY: std::sync::OnceLock<crate::policy::CompiledPolicy> = std::sync::OnceLock::new();
        POLICY.get_or_init(crate::policy::default_policy).engine.analyzer().scanner()
    }

    /// What a search of the whole text finds, for comparison.
    fn expected_spans(regex: &Regex, text: &str) -> Vec<ByteSpan> {
        regex.find_iter(text).map(|m| ByteSpan::new(m.start(), m.end())).collect()
    }

    #[test]
    fn windows_find_what_the_whole_text_search_finds() {
        let mut b = ScannerBuilder::new();
        // Overlapping ends (every digit after the third ends a match), matches close together
        // and far apart, a pattern whose leftmost-first match is not its longest one.
        let patterns = [r"\d{3,}", r"[0-9][0-9 ]{2,6}[0-9]", r"ab|abcd", r"(?-u:\b)[A-Z]{2}[0-9]{2}"];
        let ids: Vec<PatternId> = patterns.iter().map(|p| b.pattern(p)).collect();
        let scanner = b.build().unwrap();
        let text = format!("12 3456 7 89 0{}abcd ab AB12 xAB12 1 2 3 4 5 6 7 8 9 0 123456789", " filler".repeat(40));
        let scan = scanner.scan(&text);
        for (id, p) in ids.iter().zip(patterns) {
            assert!(matches!(scan.matched[id.0 as usize], PatternWindows::Windows { .. }), "{p}");
            assert_eq!(scan.spans(*id).collect::<Vec<_>>(), expected_spans(&Regex::new(p).unwrap(), &text), "{p}");
        }
    }

    #[test]
    fn whole_text_searches_where_windows_cannot_serve() {
        // A pattern that can match the empty string: the set's own answer, whole-text searches.
        let mut b = ScannerBuilder::new();
        let (maybe_empty, digits) = (b.pattern(r"x*"), b.pattern(r"\d+"));
        let scanner = b.build().unwrap();
        let scan = scanner.scan("axxb 12");
        assert!(matches!(scan.matched[0], PatternWindows::Whole));
        assert_eq!(scan.spans(maybe_empty).collect::<Vec<_>>(), expected_spans(&Regex::new(r"x*").unwrap(), "axxb 12"));
        assert_eq!(scan.matches(digits).map(|m| m.as_str()).collect::<Vec<_>>(), ["12"]);
        // A Unicode word boundary makes the lazy DFA give up on non-ASCII text.
        let mut b = ScannerBuilder::new();
        let word = b.pattern(r"\bcasa\b");
        let scanner = b.build().unwrap();
        let text = "è casa, casale, la casa";
        let scan = scanner.scan(text);
        assert!(matches!(scan.matched[0], PatternWindows::Whole));
        assert_eq!(scan.spans(word).collect::<Vec<_>>(), expected_spans(&Regex::new(r"\bcasa\b").unwrap(), text));
    }

    proptest::proptest! {
        /// For each of the default policy's patterns: matched exactly when it matches
        /// somewhere in the text, and the windowed searches give what `find_iter` and
        /// `captures_iter` give over the whole text.
        #[test]
        fn windowed_searches_are_the_whole_text_searches(
            text in "(?:alle |ore |at |età |anni|aged |via |Roma |il |dente |mario|@|\\.it|x|IT|GB|AB|€|£|%|-|/|:|\\.|,|\\?|\\(|\\+|٣|½|é|è|[0-9]{1,4}| |\n|\u{a0}|[A-Z]{1,3}|daily|per giorno|non garantito|www\\.|https://)*",
        ) {
            let scanner = default_scanner();
            let scan = scanner.scan(&text);
            for (i, p) in scanner.patterns().enumerate() {
                let regex = &scanner.regexes[i];
                proptest::prop_assert_eq!(scan.pattern_matched(i), regex.is_match(&text), "pattern {} {:?}", i, p);
                let id = PatternId(i as u32);
                let expected = expected_spans(regex, &text);
                let found: Vec<ByteSpan> = scan.matches(id).map(|m| ByteSpan::new(m.start(), m.end())).collect();
                proptest::prop_assert_eq!(&found, &expected, "matches of pattern {} {:?}", i, p);
                proptest::prop_assert_eq!(&scan.spans(id).collect::<Vec<_>>(), &expected, "spans of pattern {} {:?}", i, p);
                let groups = |c: regex::Captures<'_>| c.iter().map(|g| g.map(|g| g.range())).collect::<Vec<_>>();
                let expected: Vec<_> = regex.captures_iter(&text).map(groups).collect();
                proptest::prop_assert_eq!(scan.captures(id).map(groups).collect::<Vec<_>>(), expected, "captures of pattern {} {:?}", i, p);
            }
        }

        /// `Scan::spans` (without the prefilter) finds what `regex::Regex::find_iter` finds.
        #[test]
        fn spans_without_prefilter_are_the_regex_matches(
            text in "(?:al|per|il|a|giorno|day|daily|non|nessuno|not|no|can't|mai|garantito|guaranteed|alle|ore|at|12|9:30|[ \n\u{a0}àA.'])*",
        ) {
            let mut b = ScannerBuilder::new();
            let ids: Vec<PatternId> = UNFILTERED.iter().map(|p| b.pattern(p)).collect();
            let scanner = b.build().unwrap();
            let scan = scanner.scan(&text);
            for (id, p) in ids.iter().zip(UNFILTERED) {
                let expected: Vec<ByteSpan> =
                    Regex::new(p).unwrap().find_iter(&text).map(|m| ByteSpan::new(m.start(), m.end())).collect();
                proptest::prop_assert_eq!(scan.spans(*id).collect::<Vec<_>>(), expected);
            }
        }

        /// The anchored pass reports the same hits in the same order as the unanchored one,
        /// so hits that tie in the scan's sort stay in the same order too. A small alphabet
        /// with word and non-word characters, multi-byte ones among them, makes terms overlap,
        /// nest and straddle word boundaries; two lexicons share terms.
        #[test]
        fn anchored_pass_reports_what_the_unanchored_pass_reported(
            text in "[ab àé'’ .-]{0,40}",
            terms in proptest::collection::btree_map("[ab à'’ -]{1,5}", (0u32..2, 0u32..3, proptest::bool::ANY), 1..12),
        ) {
            let mut builder = ScannerBuilder::new();
            let lexicons = [builder.lexicon("one"), builder.lexicon("two")];
            for (term, (lexicon, entry, prefix)) in &terms {
                let term = if *prefix { format!("{term}*") } else { term.clone() };
                builder.term(lexicons[*lexicon as usize], &term, *entry);
                builder.term(lexicons[0], &term, entry + 10);
            }
            let mut sorted: Vec<(String, Vec<TermTag>)> = builder.terms.clone().into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let scanner = builder.build().unwrap();
            let mut folded = String::new();
            fold_case(&text, &mut folded);
            let mut got = Vec::new();
            if let Some(ac) = &scanner.automaton {
                collect_lexicon_hits(ac, &scanner.first_bytes, &scanner.tags, &folded, &mut got);
            }
            proptest::prop_assert_eq!(got, unanchored_hits(&sorted, &folded));
        }
    }
}

//! Other mentions of detected values: a name recognised once after "la signora" is also a
//! patient's name where it appears alone later. Every occurrence of a detected value that
//! does not overlap a detected entity becomes an entity of the same type.

use memchr::memmem::Finder;

use crate::engine::entity::{ByteSpan, Entity};

/// Shortest value propagated: shorter ones (initials aside) would hit unrelated words.
const MIN_VALUE_CHARS: usize = 2;

/// Returns `entities` plus every other occurrence of their values, non-overlapping,
/// ordered by start.
pub fn expand_mentions(text: &str, entities: &[Entity]) -> Vec<Entity> {
    let mut all: Vec<Entity> = entities.to_vec();
    all.sort_by_key(|e| e.span.start);
    let mut values: Vec<(&str, usize)> = Vec::new();
    for (i, e) in all.iter().enumerate() {
        let v = e.value(text);
        if v.chars().count() >= MIN_VALUE_CHARS && !values.iter().any(|(seen, _)| *seen == v) {
            values.push((v, i));
        }
    }
    if values.is_empty() {
        return all;
    }
    let mut extra = Vec::new();
    for (value, span) in LeftmostLongest::new(text, &values) {
        let overlaps = {
            let at = all.partition_point(|e| e.span.end <= span.start);
            all.get(at).is_some_and(|e| e.span.overlaps(&span))
        };
        if overlaps {
            continue;
        }
        let source = &all[values[value].1];
        extra.push(Entity { span, recogniser: "mention", ..source.clone() });
    }
    all.extend(extra);
    all.sort_by_key(|e| e.span.start);
    all
}

/// Non-overlapping occurrences of a few distinct, non-empty values in `text`, leftmost first
/// and, of those starting at the same byte, the longest: the semantics of an Aho-Corasick
/// automaton with `MatchKind::LeftmostLongest`, without building one. Why: the values are
/// found per request (a handful of names and numbers), and building even the cheapest
/// automaton (noncontiguous NFA plus its prefilter) cost more than the rest of the
/// propagation, about a sixth of Anonymise. A `memmem` finder per value is cheap to build, and
/// each value's next occurrence is searched again only when a reported match passes it.
struct LeftmostLongest<'t> {
    text: &'t [u8],
    finders: Vec<Finder<'t>>,
    /// Start of each value's next occurrence at or after `at` (`None`: no more).
    next: Vec<Option<usize>>,
    /// Where the search resumes: the end of the last match.
    at: usize,
}

impl<'t> LeftmostLongest<'t> {
    fn new(text: &'t str, values: &[(&'t str, usize)]) -> Self {
        let finders: Vec<Finder<'t>> = values.iter().map(|(v, _)| Finder::new(v.as_bytes())).collect();
        let text = text.as_bytes();
        let next = finders.iter().map(|f| f.find(text)).collect();
        Self { text, finders, next, at: 0 }
    }
}

impl Iterator for LeftmostLongest<'_> {
    /// The value's index and where it occurs.
    type Item = (usize, ByteSpan);

    fn next(&mut self) -> Option<Self::Item> {
        // Occurrences that start before `at` overlap the last match: search again from `at`.
        for (i, next) in self.next.iter_mut().enumerate() {
            if next.is_some_and(|start| start < self.at) {
                *next = self.finders[i].find(&self.text[self.at..]).map(|start| start + self.at);
            }
        }
        let start = self.next.iter().flatten().copied().min()?;
        let (value, len) = (0..self.finders.len())
            .filter(|&i| self.next[i] == Some(start))
            .map(|i| (i, self.finders[i].needle().len()))
            .max_by_key(|&(i, len)| (len, std::cmp::Reverse(i)))?;
        self.at = start + len;
        Some((value, ByteSpan::new(start, start + len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entity::{EntityType, Role};
    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    /// The reference: an Aho-Corasick automaton (the builder's default kind), as the
    /// propagation was first written.
    fn expand_with_default_kind(text: &str, entities: &[Entity]) -> Vec<Entity> {
        let mut all: Vec<Entity> = entities.to_vec();
        all.sort_by_key(|e| e.span.start);
        let mut values: Vec<(&str, usize)> = Vec::new();
        for (i, e) in all.iter().enumerate() {
            let v = e.value(text);
            if v.chars().count() >= MIN_VALUE_CHARS && !values.iter().any(|(seen, _)| *seen == v) {
                values.push((v, i));
            }
        }
        if values.is_empty() {
            return all;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(values.iter().map(|(v, _)| *v))
            .unwrap();
        let mut extra = Vec::new();
        for m in automaton.find_iter(text) {
            let span = ByteSpan::new(m.start(), m.end());
            let at = all.partition_point(|e| e.span.end <= span.start);
            if all.get(at).is_some_and(|e| e.span.overlaps(&span)) {
                continue;
            }
            extra.push(Entity { span, recogniser: "mention", ..all[values[m.pattern().as_usize()].1].clone() });
        }
        all.extend(extra);
        all.sort_by_key(|e| e.span.start);
        all
    }

    proptest! {
        /// Same mentions as the Aho-Corasick reference: over a small alphabet, so values
        /// repeat and overlap a lot.
        #[test]
        fn memmem_search_finds_what_the_automaton_found(
            text in "[ab ]{1,60}",
            spans in proptest::collection::vec((0usize..60, 1usize..6), 0..6),
        ) {
            let mut entities: Vec<Entity> = Vec::new();
            for (start, len) in spans {
                let end = (start + len).min(text.len());
                let span = ByteSpan::new(start.min(end), end);
                if span.start < span.end && entities.iter().all(|e| !e.span.overlaps(&span)) {
                    entities.push(Entity {
                        span, entity_type: EntityType::Person, score: 0.9, role: Role::default(), recogniser: "test",
                    });
                }
            }
            let got: Vec<(usize, usize)> = expand_mentions(&text, &entities).iter().map(|e| (e.span.start, e.span.end)).collect();
            let want: Vec<(usize, usize)> =
                expand_with_default_kind(&text, &entities).iter().map(|e| (e.span.start, e.span.end)).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn leftmost_then_longest_then_after_the_match() {
        let text = "anna annalisa nna anna";
        let values = [("nna", 0), ("anna", 1), ("annalisa", 2)];
        let got: Vec<(usize, &str)> =
            LeftmostLongest::new(text, &values).map(|(v, s)| (v, &text[s.start..s.end])).collect();
        assert_eq!(got, [(1, "anna"), (2, "annalisa"), (0, "nna"), (1, "anna")]);
    }

    proptest! {
        /// The search alone, against the automaton with the same semantics, on multi-byte text.
        #[test]
        fn leftmost_longest_matches_aho_corasick(
            text in "[aàb ]{0,40}",
            values in proptest::collection::hash_set("[aàb]{1,4}", 1..6),
        ) {
            let values: Vec<(&str, usize)> = values.iter().map(|v| (v.as_str(), 0)).collect();
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(values.iter().map(|(v, _)| *v))
                .unwrap();
            let want: Vec<(usize, usize, usize)> =
                automaton.find_iter(&text).map(|m| (m.pattern().as_usize(), m.start(), m.end())).collect();
            let got: Vec<(usize, usize, usize)> =
                LeftmostLongest::new(&text, &values).map(|(v, s)| (v, s.start, s.end)).collect();
            prop_assert_eq!(got, want);
        }
    }
}

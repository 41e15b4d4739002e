//! Other mentions of detected values: a name recognised once after "la signora" is also a
//! patient's name where it appears alone later. Every occurrence of a detected value that
//! does not overlap a detected entity becomes an entity of the same type.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

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
    // Built per request from the values found, so it must be cheap to build: a noncontiguous
    // NFA is built in one pass over the values, where the default (a DFA for few patterns)
    // cost a quarter of CheckPost on dense text. The match semantics do not depend on the kind.
    let Ok(automaton) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .build(values.iter().map(|(v, _)| *v))
    else {
        return all;
    };
    let mut extra = Vec::new();
    for m in automaton.find_iter(text) {
        let span = ByteSpan::new(m.start(), m.end());
        let overlaps = {
            let at = all.partition_point(|e| e.span.end <= span.start);
            all.get(at).is_some_and(|e| e.span.overlaps(&span))
        };
        if overlaps {
            continue;
        }
        let source = &all[values[m.pattern().as_usize()].1];
        extra.push(Entity { span, recogniser: "mention", ..source.clone() });
    }
    all.extend(extra);
    all.sort_by_key(|e| e.span.start);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entity::{EntityType, Role};
    use proptest::prelude::*;

    /// The previous implementation: the builder's default automaton kind.
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
        /// Same mentions whatever the automaton kind: over a small alphabet, so values repeat
        /// and overlap a lot.
        #[test]
        fn noncontiguous_nfa_finds_what_the_default_kind_found(
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
}

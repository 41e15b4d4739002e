//! Other mentions of detected values: a name recognised once after "la signora" is also a
//! patient's name where it appears alone later. Every occurrence of a detected value that
//! does not overlap a detected entity becomes an entity of the same type.

use aho_corasick::{AhoCorasick, MatchKind};

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
    let Ok(automaton) =
        AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(values.iter().map(|(v, _)| *v))
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

//! `platform_limit`: the text is longer than the platform accepts, or has more hashtags
//! than it allows. Limits are parameters per platform; X counts characters its own way
//! (most characters 1, CJK and emoji 2, every link 23), the others count Unicode characters.
//! The spans mark what goes over the limit, so an editor can highlight it.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{DetectorError, parse};
use crate::engine::context::Platform;
use crate::engine::entity::ByteSpan;
use crate::engine::rules::{Detection, Detector, RuleInput};
use crate::engine::text::{char_before, is_word_char};
use crate::engine::verdict::FindingSpan;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Counting {
    /// Unicode characters.
    #[default]
    Characters,
    /// X's weighted count.
    X,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    /// Most characters allowed.
    #[serde(default)]
    characters: Option<usize>,
    /// Most hashtags allowed.
    #[serde(default)]
    hashtags: Option<usize>,
    #[serde(default)]
    counting: Counting,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformParams {
    limits: BTreeMap<Platform, Limit>,
}

#[derive(Debug)]
pub struct PlatformLimit {
    limits: BTreeMap<Platform, Limit>,
}

pub(super) fn build(params: toml::Table) -> Result<Box<dyn super::Detector>, DetectorError> {
    let p: PlatformParams = parse(params)?;
    Ok(Box::new(PlatformLimit { limits: p.limits }))
}

impl Detector for PlatformLimit {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let limit = self.limits.get(&input.context.platform)?;
        let body = input.body();
        let mut spans = Vec::new();
        if let Some(max) = limit.characters
            && let Some(over) = overflow_start(body, max, limit.counting)
        {
            spans.push(FindingSpan {
                span: ByteSpan::new(over, body.len()),
                entity_type: None,
                cue: "over_length",
                score: 1.0,
            });
        }
        if let Some(max) = limit.hashtags {
            let tags = hashtags(body);
            if tags.len() > max {
                spans.extend(tags[max..].iter().map(|&span| FindingSpan {
                    span,
                    entity_type: None,
                    cue: "hashtag",
                    score: 1.0,
                }));
            }
        }
        (!spans.is_empty()).then_some(Detection { spans })
    }
}

/// The byte offset of the first character past `max`, if the text is longer.
fn overflow_start(text: &str, max: usize, counting: Counting) -> Option<usize> {
    let mut used = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let weight = match counting {
            Counting::Characters => 1,
            Counting::X => {
                if let Some(len) = link_at(text, i) {
                    // A link counts 23 whatever its length.
                    used += 23;
                    if used > max {
                        return Some(i);
                    }
                    while chars.peek().is_some_and(|&(j, _)| j < i + len) {
                        chars.next();
                    }
                    continue;
                }
                x_weight(c)
            }
        };
        used += weight;
        if used > max {
            return Some(i);
        }
    }
    None
}

/// X's character weights (twitter-text v3): these ranges count 1, everything else 2.
fn x_weight(c: char) -> usize {
    match c as u32 {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

fn link_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    if !(rest.starts_with("http://") || rest.starts_with("https://")) || char_before(text, i).is_some_and(is_word_char)
    {
        return None;
    }
    Some(rest.find(char::is_whitespace).unwrap_or(rest.len()))
}

/// Hashtags: `#` then word characters, not inside a word.
fn hashtags(text: &str) -> Vec<ByteSpan> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('#') {
        if char_before(text, i).is_some_and(is_word_char) {
            continue;
        }
        let len: usize = text[i + 1..].chars().take_while(|&c| is_word_char(c) || c == '_').map(char::len_utf8).sum();
        if len > 0 {
            out.push(ByteSpan::new(i, i + 1 + len));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use super::*;
    use crate::engine::context::{Attachment, PostContext};

    fn harness() -> Harness {
        Harness::new(
            "platform_limit",
            "[limits]\nX = { characters = 280, counting = \"x\" }\nINSTAGRAM = { characters = 2200, hashtags = 3 }",
            &[],
            &[],
        )
    }

    #[test]
    fn length_limits_per_platform() {
        let h = harness();
        let x = PostContext { platform: Platform::X, ..Default::default() };
        assert!(h.detect(&"a".repeat(280), &x, &[]).is_none());
        let long = "a".repeat(281);
        assert_eq!(h.detect(&long, &x, &[]).unwrap().spans[0].span, ByteSpan::new(280, 281));
        // Emoji weigh 2 on X: 140 of them fill the limit.
        assert!(h.detect(&"😀".repeat(140), &x, &[]).is_none());
        assert!(h.detect(&"😀".repeat(141), &x, &[]).is_some());
        // A link counts 23 however long.
        let text = format!("{} https://example.com/{}", "a".repeat(250), "x".repeat(100));
        assert!(h.detect(&text, &x, &[]).is_none());
        // Platforms without limits, and unspecified platforms, are not checked.
        assert!(h.detect(&long, &PostContext::default(), &[]).is_none());
    }

    #[test]
    fn hashtag_limits_and_captions_do_not_count() {
        let h = harness();
        let ig = PostContext { platform: Platform::Instagram, ..Default::default() };
        let text = "Sorrisi #denti #sorriso #igiene #prevenzione e#mail";
        let found = h.spans(text, &ig);
        assert_eq!(found, ["#prevenzione"]);
        let caption = Attachment { caption: "x".repeat(3000), ..Default::default() };
        let with_caption = PostContext { attachments: vec![caption], ..ig };
        let doc = format!("Ciao{}{}", crate::engine::rules::FIELD_SEPARATOR, "x".repeat(3000));
        assert!(h.detect(&doc, &with_caption, &[]).is_none());
    }
}

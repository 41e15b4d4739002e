//! `cues`: the data-driven detector most rules use. An *anchor* (cue phrases, patterns or
//! entities) must occur; every matcher in `near` must occur within its window of that anchor
//! (co-occurrence); no matcher in `unless` may (negation, exceptions). Context conditions
//! restrict it to posts with certain attachments and let a consent reference on certain
//! accounts waive it. Everything is policy data, so a clinic tunes it without code.

use serde::Deserialize;

use super::{DetectorBuilder, DetectorError, Matcher, MatcherParams, parse};
use crate::engine::context::{AccountKind, AttachmentKind};
use crate::engine::rules::{Detection, Detector, RuleInput};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CueParams {
    /// What the rule is about: each occurrence is checked on its own.
    anchor: MatcherParams,
    /// Each must occur near the anchor.
    #[serde(default)]
    near: Vec<MatcherParams>,
    /// None may occur near the anchor.
    #[serde(default)]
    unless: Vec<MatcherParams>,
    /// Default window (words) for `near` and `unless` matchers without their own; none: the
    /// whole text.
    #[serde(default)]
    window: Option<usize>,
    /// A consent reference waives the rule on these accounts.
    #[serde(default)]
    consent_waives: Vec<AccountKind>,
    /// Only posts with one of these attachments.
    #[serde(default)]
    attachments: Vec<AttachmentKind>,
    /// At least this many anchors must qualify (default 1).
    #[serde(default)]
    min_anchors: Option<usize>,
}

#[derive(Debug)]
pub struct CueDetector {
    anchor: Matcher,
    near: Vec<Matcher>,
    unless: Vec<Matcher>,
    consent_waives: Vec<AccountKind>,
    attachments: Vec<AttachmentKind>,
    min_anchors: usize,
}

pub(super) fn build(
    params: toml::Table,
    builder: &mut DetectorBuilder<'_>,
) -> Result<Box<dyn Detector>, DetectorError> {
    let p: CueParams = parse(params)?;
    let matchers = |list: &[MatcherParams], builder: &mut DetectorBuilder<'_>| {
        list.iter().map(|m| Matcher::build(m, builder, p.window)).collect::<Result<Vec<_>, _>>()
    };
    Ok(Box::new(CueDetector {
        anchor: Matcher::build(&p.anchor, builder, None)?,
        near: matchers(&p.near, builder)?,
        unless: matchers(&p.unless, builder)?,
        consent_waives: p.consent_waives,
        attachments: p.attachments,
        min_anchors: p.min_anchors.unwrap_or(1).max(1),
    }))
}

impl Detector for CueDetector {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let context = input.context;
        if !self.attachments.is_empty() && !context.has_attachment(&self.attachments) {
            return None;
        }
        if context.has_consent() && self.consent_waives.contains(&context.account) {
            return None;
        }
        let anchors = self.anchor.hits(input);
        if anchors.len() < self.min_anchors {
            return None;
        }
        let scan = &input.analysis.scan;
        let near: Vec<_> = self.near.iter().map(|m| (m, m.hits(input))).collect();
        if near.iter().any(|(_, hits)| hits.is_empty()) {
            return None;
        }
        let unless: Vec<_> = self.unless.iter().map(|m| (m, m.hits(input))).collect();

        let mut spans = Vec::new();
        let mut qualified = 0;
        'anchors: for anchor in &anchors {
            if unless.iter().any(|(m, hits)| m.near(scan, anchor.span, hits).is_some()) {
                continue;
            }
            let mut support = Vec::with_capacity(near.len());
            for (m, hits) in &near {
                match m.near(scan, anchor.span, hits) {
                    Some(hit) => support.push(*hit),
                    None => continue 'anchors,
                }
            }
            qualified += 1;
            spans.push(*anchor);
            spans.extend(support);
        }
        (qualified >= self.min_anchors).then_some(Detection { spans })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use crate::engine::context::{AccountKind, Attachment, AttachmentKind, PostContext};
    use crate::engine::entity::{EntityType, Role};

    const DEROGATORY: &[&str] = &["idiot*", "maleducat*"];
    const PATIENTS: &[&str] = &["patient*", "pazient*"];
    const NEGATION: &[&str] = &["not", "non"];

    fn harness(params: &str) -> Harness {
        Harness::new(
            "cues",
            params,
            &[("derogatory", DEROGATORY), ("patients", PATIENTS), ("negation", NEGATION)],
            &[("time", &[r"(?i)\d{1,2}:\d{2}"])],
        )
    }

    #[test]
    fn anchors_need_their_near_matchers_within_the_window() {
        let h = harness("anchor = { cues = [\"derogatory\"] }\nnear = [{ cues = [\"patients\"], window = 4 }]");
        let ctx = PostContext::default();
        assert_eq!(h.spans("Why are my patients such idiots?", &ctx), ["patients", "idiots"]);
        assert_eq!(h.spans("Il paziente maleducato", &ctx), ["paziente", "maleducato"]);
        assert!(h.spans("patients: a long list of words before we finally say idiots", &ctx).is_empty());
        assert!(h.spans("You idiot, said the film", &ctx).is_empty());
    }

    #[test]
    fn unless_suppresses_with_one_sided_windows() {
        let h = harness("anchor = { cues = [\"derogatory\"] }\nunless = [{ cues = [\"negation\"], before = 2 }]");
        let ctx = PostContext::default();
        assert!(h.spans("patients are not idiots", &ctx).is_empty());
        assert_eq!(h.spans("idiots, not patients", &ctx), ["idiots"]);
    }

    #[test]
    fn entities_with_roles_can_be_matched() {
        let h = harness(
            "anchor = { cues = [\"time\"] }\nnear = [{ entities = [\"SOCIAL_HANDLE\"], roles = [\"protected\"] }]",
        );
        let ctx = PostContext::default();
        let text = "@marco confermato alle 10:30";
        let found = h.detect(text, &ctx, &[(EntityType::SocialHandle, "@marco", Role::Unknown)]).unwrap();
        assert_eq!(found.spans.len(), 2);
        assert!(h.detect(text, &ctx, &[(EntityType::SocialHandle, "@marco", Role::Organisation)]).is_none());
    }

    #[test]
    fn consent_and_attachments_are_context_conditions() {
        let h =
            harness("anchor = { cues = [\"patients\"] }\nattachments = [\"PHOTO\"]\nconsent_waives = [\"PRACTICE\"]");
        let photo = vec![Attachment { kind: AttachmentKind::Photo, ..Default::default() }];
        let mut ctx = PostContext { attachments: photo, account: AccountKind::Practice, ..Default::default() };
        assert_eq!(h.spans("our patient today", &ctx), ["patient"]);
        ctx.consent_reference = Some("C-1".into());
        assert!(h.spans("our patient today", &ctx).is_empty());
        ctx.account = AccountKind::Personal;
        assert_eq!(h.spans("our patient today", &ctx), ["patient"]);
        assert!(h.spans("our patient today", &PostContext::default()).is_empty());
    }
}

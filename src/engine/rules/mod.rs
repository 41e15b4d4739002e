//! Rules: each turns entities, cue phrases and the request context into a finding with a
//! severity for that context, a guideline citation and a localised message and suggestion.
//!
//! A rule is data (id, category, guideline, severities, texts; from the policy) plus a
//! [`Detector`] (code, chosen by name in the policy, parameterised by the policy).

mod detectors;

pub use detectors::{Cue, DETECTOR_KINDS, DetectorBuilder, DetectorError, build_detector};

use std::fmt;

use super::analyzer::Analysis;
use super::context::{AccountKind, Channel, Language, PostContext};
use super::verdict::{Category, Finding, FindingSpan, Guideline, Localised, Verdict};

/// What a detector reports when its rule applies: the spans that triggered it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detection {
    pub spans: Vec<FindingSpan>,
}

/// Separates the post's text from attachment captions and alt texts when they are checked
/// together (see `policy::document`). No recogniser pattern or lexicon term crosses it: it
/// holds a character that is neither a word character nor white space.
pub const FIELD_SEPARATOR: &str = "\n\u{FFFC}\n";

/// Everything a detector may read.
pub struct RuleInput<'a, 't> {
    pub analysis: &'a Analysis<'t>,
    pub context: &'a PostContext,
}

impl RuleInput<'_, '_> {
    /// The post's own text, without the attachment texts checked with it (for length limits).
    pub fn body(&self) -> &str {
        let text = self.analysis.text();
        match text.find(FIELD_SEPARATOR) {
            Some(end)
                if self
                    .context
                    .attachments
                    .iter()
                    .any(|a| !a.caption.trim().is_empty() || !a.alt_text.trim().is_empty()) =>
            {
                &text[..end]
            }
            _ => text,
        }
    }
}

/// The code behind a rule.
pub trait Detector: Send + Sync + fmt::Debug {
    /// Returns a detection when the rule applies to this input. Must not panic.
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection>;

    /// An explanation of a detection in `locale`, for the finding (kinds and counts, never
    /// values from the text). Most detectors have nothing to add beyond their spans.
    fn explain(&self, _input: &RuleInput<'_, '_>, _locale: Language) -> Option<String> {
        None
    }
}

/// A rule's severity by context: the most specific entry wins. An (account, channel) pair
/// beats a per-account or per-channel entry; when both of those match, the more severe one
/// applies (privacy first); otherwise the default. `Allow` switches the rule off there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityTable {
    pub default: Verdict,
    pub by_account: Vec<(AccountKind, Verdict)>,
    pub by_channel: Vec<(Channel, Verdict)>,
    pub by_pair: Vec<(AccountKind, Channel, Verdict)>,
}

impl SeverityTable {
    pub fn uniform(default: Verdict) -> Self {
        Self { default, by_account: Vec::new(), by_channel: Vec::new(), by_pair: Vec::new() }
    }

    pub fn resolve(&self, account: AccountKind, channel: Channel) -> Verdict {
        if let Some((_, _, v)) = self.by_pair.iter().find(|(a, c, _)| *a == account && *c == channel) {
            return *v;
        }
        let by_account = self.by_account.iter().find(|(a, _)| *a == account).map(|(_, v)| *v);
        let by_channel = self.by_channel.iter().find(|(c, _)| *c == channel).map(|(_, v)| *v);
        match (by_account, by_channel) {
            (Some(a), Some(c)) => a.max(c),
            (Some(v), None) | (None, Some(v)) => v,
            (None, None) => self.default,
        }
    }
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub guideline: Guideline,
    pub severity: SeverityTable,
    pub message: Localised,
    pub suggestion: Localised,
    pub detector: Box<dyn Detector>,
}

/// The enabled rules of a policy, in policy order.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// Runs every rule; returns findings most severe first (ties keep policy order).
    pub fn evaluate(&self, analysis: &Analysis<'_>, context: &PostContext, locale: Language) -> Vec<Finding> {
        let input = RuleInput { analysis, context };
        let mut findings = Vec::new();
        for rule in &self.rules {
            let severity = rule.severity.resolve(context.account, context.channel);
            if severity == Verdict::Allow {
                continue;
            }
            let Some(mut detection) = rule.detector.detect(&input) else {
                continue;
            };
            detection.spans.sort_by_key(|s| (s.span.start, s.span.end));
            detection.spans.dedup_by_key(|s| s.span);
            findings.push(Finding {
                rule_id: rule.id.clone(),
                category: rule.category,
                severity,
                message: rule.message.get(locale).to_owned(),
                suggestion: rule.suggestion.get(locale).to_owned(),
                guideline: rule.guideline.clone(),
                spans: detection.spans,
                explanation: rule.detector.explain(&input, locale).unwrap_or_default(),
            });
        }
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_severity_wins() {
        let table = SeverityTable {
            default: Verdict::Review,
            by_account: vec![(AccountKind::Personal, Verdict::Block)],
            by_channel: vec![(Channel::DirectMessage, Verdict::Warn)],
            by_pair: vec![(AccountKind::Practice, Channel::DirectMessage, Verdict::Allow)],
        };
        assert_eq!(table.resolve(AccountKind::Unspecified, Channel::PublicPost), Verdict::Review);
        assert_eq!(table.resolve(AccountKind::Personal, Channel::PublicPost), Verdict::Block);
        assert_eq!(table.resolve(AccountKind::Professional, Channel::DirectMessage), Verdict::Warn);
        // Both per-account and per-channel entries match: the more severe applies.
        assert_eq!(table.resolve(AccountKind::Personal, Channel::DirectMessage), Verdict::Block);
        assert_eq!(table.resolve(AccountKind::Practice, Channel::DirectMessage), Verdict::Allow);
    }
}

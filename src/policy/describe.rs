//! What GetPolicy and `policy lint` show of an effective policy: every rule with its
//! severity in every context, and the policy as a self-contained TOML file.

use super::layer::EffectivePolicy;
use super::model::{Extends, PolicyFile, PolicyMeta, SettingsPatch, SeveritySpec};
use crate::engine::context::{AccountKind, Channel};
use crate::engine::rules::SeverityTable;
use crate::engine::verdict::{Category, Guideline, Localised, Verdict};

/// One rule as a dashboard sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleView {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub enabled: bool,
    pub detector: String,
    pub guideline: Guideline,
    /// The severity for every (account, channel) pair, unspecified values included.
    pub severities: Vec<(AccountKind, Channel, Verdict)>,
    pub message: Localised,
    pub suggestion: Localised,
}

/// The severity table a rule's spec compiles to.
pub fn severity_table(spec: &SeveritySpec) -> SeverityTable {
    SeverityTable {
        default: spec.default,
        by_account: spec.account.iter().map(|(a, v)| (*a, *v)).collect(),
        by_channel: spec.channel.iter().map(|(c, v)| (*c, *v)).collect(),
        by_pair: spec.when.iter().map(|w| (w.account, w.channel, w.severity)).collect(),
    }
}

impl EffectivePolicy {
    /// Every rule, enabled or not, in policy order.
    pub fn rule_views(&self) -> Vec<RuleView> {
        let accounts = std::iter::once(AccountKind::Unspecified).chain(AccountKind::ALL.iter().copied());
        let pairs: Vec<(AccountKind, Channel)> = accounts
            .flat_map(|a| {
                std::iter::once(Channel::Unspecified).chain(Channel::ALL.iter().copied()).map(move |c| (a, c))
            })
            .collect();
        self.rules
            .iter()
            .map(|rule| {
                let table = severity_table(&rule.severity);
                RuleView {
                    id: rule.id.clone(),
                    title: rule.title.clone(),
                    category: rule.category,
                    enabled: rule.enabled,
                    detector: rule.detector.clone(),
                    guideline: rule.guideline.clone(),
                    severities: pairs.iter().map(|&(a, c)| (a, c, table.resolve(a, c))).collect(),
                    message: rule.message.clone(),
                    suggestion: rule.suggestion.clone(),
                }
            })
            .collect()
    }

    /// The effective policy as one self-contained policy file (`extends = "none"`): loading
    /// it gives the same policy and the same SHA-256.
    pub fn to_toml(&self) -> String {
        let file = PolicyFile {
            policy: Some(PolicyMeta {
                id: self.id.clone(),
                version: self.version.clone(),
                description: self.description.clone(),
                extends: Some(Extends::None),
                include: Vec::new(),
            }),
            settings: SettingsPatch {
                min_score: Some(self.settings.min_score),
                context_boost: Some(self.settings.context_boost),
                default_language: Some(self.settings.default_language),
            },
            anonymise: Some(self.anonymise.clone()),
            allow: self.allow.clone(),
            lexicons: self.lexicons.clone(),
            patterns: self.patterns.clone(),
            recognisers: self.recognisers.clone(),
            new_rules: self.rules.clone(),
            ..PolicyFile::default()
        };
        toml::to_string(&file).expect("a policy serialises to TOML")
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{default_policy, load_str};

    #[test]
    fn the_effective_toml_loads_back_to_the_same_policy() {
        let policy = default_policy();
        let text = policy.effective.to_toml();
        let reloaded = load_str(&text, "effective.toml").unwrap();
        assert_eq!(reloaded.reference, policy.reference);
    }

    #[test]
    fn views_resolve_every_context() {
        let policy = default_policy();
        let views = policy.effective.rule_views();
        let hid = views.iter().find(|r| r.id == "HID-01").unwrap();
        assert_eq!(hid.severities.len(), 4 * 5);
    }
}

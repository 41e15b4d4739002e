//! Layering: an effective policy is a base (the built-in default, the deployment's default,
//! or nothing) with files, their includes and a clinic overlay applied in order. Each layer
//! may replace settings, add to lists, define new rules and change existing ones; the result
//! is one complete policy that is compiled, hashed (PolicyRef.sha256) and shown by GetPolicy.
//!
//! Every applied layer is remembered with its file, so an error found later (a detector
//! parameter, a regex) is reported at the line of the layer that wrote it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::PolicyError;
use super::model::Settings;
use super::model::{
    AllowSection, AnonymiseSection, LocalisedPatch, PolicyFile, RecogniserSpec, RulePatch, RuleSpec, SeverityPatch,
    SeveritySpec,
};
use super::source::{Location, Seg, Source, display_path, index_where, line_of};
use crate::engine::verdict::Localised;

/// Where a layer's content sits: a file, and a key prefix inside it (`clinic.milano` for an
/// overlay, nothing for a whole file).
#[derive(Debug, Clone)]
pub struct LayerOrigin {
    pub source: Arc<Source>,
    pub prefix: Vec<Seg>,
}

impl LayerOrigin {
    pub fn file(source: Arc<Source>) -> Self {
        Self { source, prefix: Vec::new() }
    }

    fn path(&self, rest: &[Seg]) -> Vec<Seg> {
        self.prefix.iter().cloned().chain(rest.iter().cloned()).collect()
    }
}

/// A complete policy after layering: what is compiled and what GetPolicy shows.
#[derive(Debug, Clone, Serialize)]
pub struct EffectivePolicy {
    pub id: String,
    pub version: String,
    pub description: String,
    pub settings: Settings,
    pub anonymise: AnonymiseSection,
    pub allow: AllowSection,
    pub lexicons: BTreeMap<String, Vec<String>>,
    pub patterns: BTreeMap<String, Vec<String>>,
    pub recognisers: Vec<RecogniserSpec>,
    pub rules: Vec<RuleSpec>,
    /// The layers applied, in order (not part of the digest).
    #[serde(skip)]
    pub layers: Vec<LayerOrigin>,
}

impl EffectivePolicy {
    /// A policy with no rules, lexicons or allow-list: the base of `extends = "none"`.
    pub fn empty() -> Self {
        Self {
            id: String::new(),
            version: String::new(),
            description: String::new(),
            settings: Settings::default(),
            anonymise: AnonymiseSection::default(),
            allow: AllowSection::default(),
            lexicons: BTreeMap::new(),
            patterns: BTreeMap::new(),
            recognisers: Vec::new(),
            rules: Vec::new(),
            layers: Vec::new(),
        }
    }

    /// Applies one layer. `policy` and `clinic` sections are the loader's business and are
    /// ignored here.
    pub fn apply(&mut self, layer: &PolicyFile, origin: LayerOrigin) -> Result<(), PolicyError> {
        let invalid = |path: &[Seg], reason: String| invalid_at(&origin, path, reason);

        let s = &layer.settings;
        if let Some(v) = s.min_score {
            self.settings.min_score = v;
        }
        if let Some(v) = s.context_boost {
            self.settings.context_boost = v;
        }
        if let Some(v) = s.default_language {
            self.settings.default_language = v;
        }
        if let Some(a) = &layer.anonymise {
            self.anonymise = a.clone();
        }
        extend_unique(&mut self.allow.values, &layer.allow.values);
        extend_unique(&mut self.allow.staff_names, &layer.allow.staff_names);
        for (name, terms) in &layer.lexicons {
            extend_unique(self.lexicons.entry(name.clone()).or_default(), terms);
        }
        for (name, patterns) in &layer.patterns {
            extend_unique(self.patterns.entry(name.clone()).or_default(), patterns);
        }
        for (name, terms) in &layer.remove.lexicons {
            let Some(list) = self.lexicons.get_mut(name) else {
                return Err(invalid(
                    &["remove".into(), "lexicons".into(), name.as_str().into()],
                    format!("no lexicon {name:?} to remove terms from"),
                ));
            };
            list.retain(|t| !terms.contains(t));
        }
        for (name, patterns) in &layer.remove.patterns {
            let Some(list) = self.patterns.get_mut(name) else {
                return Err(invalid(
                    &["remove".into(), "patterns".into(), name.as_str().into()],
                    format!("no patterns {name:?} to remove from"),
                ));
            };
            list.retain(|p| !patterns.contains(p));
        }
        for spec in &layer.recognisers {
            match self.recognisers.iter_mut().find(|r| r.name == spec.name) {
                Some(existing) => *existing = spec.clone(),
                None => self.recognisers.push(spec.clone()),
            }
        }
        for (i, rule) in layer.new_rules.iter().enumerate() {
            if rule.id.trim().is_empty() {
                return Err(invalid(&["rule".into(), i.into(), "id".into()], "must not be empty".into()));
            }
            if self.rules.iter().any(|r| r.id == rule.id) {
                return Err(invalid(
                    &["rule".into(), i.into(), "id".into()],
                    format!(
                        "rule {} is already defined by the base policy; change it with [rules.{}]",
                        rule.id, rule.id
                    ),
                ));
            }
            self.rules.push(rule.clone());
        }
        for (id, patch) in &layer.rule_changes {
            let Some(rule) = self.rules.iter_mut().find(|r| &r.id == id) else {
                return Err(invalid(
                    &["rules".into(), id.as_str().into()],
                    format!("no rule {id} in the base policy to change; define new rules with [[rule]]"),
                ));
            };
            apply_rule_patch(rule, patch);
        }
        self.layers.push(origin);
        Ok(())
    }

    /// An error about a field of rule `rule_id` (`field` relative to the rule, e.g.
    /// `params.window`), located at the latest layer that wrote that field, or failing that the
    /// latest that mentions the rule.
    pub fn rule_error(&self, rule_id: &str, field: &[Seg], reason: String) -> PolicyError {
        let mut fallback: Option<(LayerOrigin, Vec<Seg>)> = None;
        for layer in self.layers.iter().rev() {
            let text = &layer.source.text;
            let mut candidates = vec![layer.path(&[Seg::Key("rules".into()), Seg::Key(rule_id.into())])];
            if let Some(i) = index_where(text, &layer.path(&["rule".into()]), "id", rule_id) {
                candidates.push(layer.path(&["rule".into(), i.into()]));
            }
            for base in candidates {
                let full: Vec<Seg> = base.iter().cloned().chain(field.iter().cloned()).collect();
                if line_of(text, &full).is_some() {
                    return located(layer, &full, reason);
                }
                if fallback.is_none() && line_of(text, &base).is_some() {
                    fallback = Some((layer.clone(), full));
                }
            }
        }
        match fallback {
            Some((layer, path)) => located_or_field(&layer, &path, reason),
            None => PolicyError::Invalid {
                location: Location { file: self.file_name(), ..Default::default() },
                field: format!("rule {rule_id}: {}", display_path(field)),
                reason,
            },
        }
    }

    /// An error about a top-level path (`lexicons.derogatory`, `recogniser[2].regex`,
    /// `settings.min_score`), located at the latest layer that has it.
    pub fn field_error(&self, path: &[Seg], reason: String) -> PolicyError {
        for layer in self.layers.iter().rev() {
            let full = layer.path(path);
            if line_of(&layer.source.text, &full).is_some() {
                return located(layer, &full, reason);
            }
        }
        PolicyError::Invalid {
            location: Location { file: self.file_name(), ..Default::default() },
            field: display_path(path),
            reason,
        }
    }

    /// An error about the custom recogniser `name` (`field` relative to it).
    pub fn recogniser_error(&self, name: &str, field: &str, reason: String) -> PolicyError {
        for layer in self.layers.iter().rev() {
            if let Some(i) = index_where(&layer.source.text, &layer.path(&["recogniser".into()]), "name", name) {
                let full = layer.path(&["recogniser".into(), i.into(), field.into()]);
                return located_or_field(layer, &full, reason);
            }
        }
        self.field_error(&["recogniser".into()], format!("{name}: {reason}"))
    }

    /// The file of the last layer (the one that defines this policy).
    pub fn file_name(&self) -> String {
        self.layers.last().map(|l| l.source.name.clone()).unwrap_or_else(|| "<policy>".into())
    }
}

fn located(layer: &LayerOrigin, path: &[Seg], reason: String) -> PolicyError {
    PolicyError::Invalid {
        location: Location { file: layer.source.name.clone(), line: line_of(&layer.source.text, path), column: None },
        field: display_path(path),
        reason,
    }
}

/// Like [`located`], but when the exact path is missing (a key the layer inherited), points
/// at the nearest enclosing key that exists.
fn located_or_field(layer: &LayerOrigin, path: &[Seg], reason: String) -> PolicyError {
    let line = (1..=path.len()).rev().find_map(|n| line_of(&layer.source.text, &path[..n]));
    PolicyError::Invalid {
        location: Location { file: layer.source.name.clone(), line, column: None },
        field: display_path(path),
        reason,
    }
}

fn invalid_at(origin: &LayerOrigin, path: &[Seg], reason: String) -> PolicyError {
    located_or_field(origin, &origin.path(path), reason)
}

fn extend_unique(list: &mut Vec<String>, more: &[String]) {
    for item in more {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

fn apply_rule_patch(rule: &mut RuleSpec, patch: &RulePatch) {
    if let Some(title) = &patch.title {
        rule.title = title.clone();
    }
    if let Some(category) = patch.category {
        rule.category = category;
    }
    if let Some(enabled) = patch.enabled {
        rule.enabled = enabled;
    }
    if let Some(guideline) = &patch.guideline {
        rule.guideline = guideline.clone();
    }
    if let Some(severity) = &patch.severity {
        apply_severity_patch(&mut rule.severity, severity);
    }
    if let Some(message) = &patch.message {
        apply_localised(&mut rule.message, message);
    }
    if let Some(suggestion) = &patch.suggestion {
        apply_localised(&mut rule.suggestion, suggestion);
    }
    for (key, value) in &patch.params {
        rule.params.insert(key.clone(), value.clone());
    }
}

fn apply_severity_patch(severity: &mut SeveritySpec, patch: &SeverityPatch) {
    if let Some(default) = patch.default {
        severity.default = default;
    }
    for (account, verdict) in &patch.account {
        severity.account.insert(*account, *verdict);
    }
    for (channel, verdict) in &patch.channel {
        severity.channel.insert(*channel, *verdict);
    }
    for when in &patch.when {
        severity.when.retain(|w| !(w.account == when.account && w.channel == when.channel));
        severity.when.push(when.clone());
    }
}

fn apply_localised(text: &mut Localised, patch: &LocalisedPatch) {
    if let Some(en) = &patch.en {
        text.en = en.clone();
    }
    if let Some(it) = &patch.it {
        text.it = it.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::verdict::Verdict;

    fn layer(name: &str, text: &str) -> (PolicyFile, LayerOrigin) {
        let source = Source::new(name, text);
        (source.parse().unwrap(), LayerOrigin::file(source))
    }

    const BASE: &str = r#"
[policy]
id = "base"
version = "1"

[lexicons]
offers = ["sconto", "promo"]

[[rule]]
id = "ADV-02"
title = "Offers"
category = "PROMOTIONAL_HEALTH_ADVERTISING"
detector = "cues"
guideline = { code = "L. 145/2018", title = "t" }
severity = { default = "REVIEW", account = { PERSONAL = "WARN" } }
message.en = "Offer"
message.it = "Offerta"
suggestion.en = "Remove it"
params.window = 4
"#;

    #[test]
    fn layers_change_severities_messages_lexicons_and_params() {
        let mut policy = EffectivePolicy::empty();
        let (file, origin) = layer("base.toml", BASE);
        policy.apply(&file, origin).unwrap();
        let (file, origin) = layer(
            "acme.toml",
            "[lexicons]\noffers = [\"omaggio\"]\n[remove.lexicons]\noffers = [\"promo\"]\n[rules.ADV-02]\nseverity.default = \"BLOCK\"\nmessage.it = \"Niente offerte\"\nparams.window = 9\n",
        );
        policy.apply(&file, origin).unwrap();
        let rule = &policy.rules[0];
        assert_eq!(rule.severity.default, Verdict::Block);
        assert_eq!(rule.severity.account.len(), 1, "untouched entries stay");
        assert_eq!(rule.message.it, "Niente offerte");
        assert_eq!(rule.message.en, "Offer");
        assert_eq!(rule.params["window"].as_integer(), Some(9));
        assert_eq!(policy.lexicons["offers"], ["sconto", "omaggio"]);
    }

    #[test]
    fn changing_an_unknown_rule_or_redefining_one_is_an_error_with_its_line() {
        let mut policy = EffectivePolicy::empty();
        let (file, origin) = layer("base.toml", BASE);
        policy.apply(&file, origin).unwrap();
        let (file, origin) = layer("acme.toml", "\n\n[rules.ADV-99]\nenabled = false\n");
        let err = policy.apply(&file, origin).unwrap_err().to_string();
        assert!(err.starts_with("acme.toml:3: rules.ADV-99:"), "{err}");
        let (file, origin) = layer("acme.toml", BASE);
        let err = policy.apply(&file, origin).unwrap_err().to_string();
        assert!(err.contains("rule[0].id") && err.contains("already defined"), "{err}");
    }

    #[test]
    fn rule_errors_point_at_the_layer_that_wrote_the_field() {
        let mut policy = EffectivePolicy::empty();
        let (file, origin) = layer("base.toml", BASE);
        policy.apply(&file, origin).unwrap();
        let (file, origin) = layer("acme.toml", "[rules.ADV-02]\nparams.window = -1\n");
        policy.apply(&file, origin).unwrap();
        let err = policy.rule_error("ADV-02", &["params".into(), "window".into()], "must be positive".into());
        assert_eq!(err.to_string(), "acme.toml:2: rules.ADV-02.params.window: must be positive");
        let err = policy.rule_error("ADV-02", &["detector".into()], "unknown".into());
        assert_eq!(err.to_string(), "base.toml:13: rule[0].detector: unknown");
    }
}

//! Compiles a parsed policy file into an immutable [`CompiledPolicy`]: recognisers and rule
//! lexicons registered with one scanner, detectors built from their parameters, severities
//! resolved into tables. All validation happens here, so a policy that compiles can serve.

use sha2::{Digest, Sha256};

use super::model::PolicyFile;
use super::{CompiledPolicy, PolicyError, PolicyRef};
use crate::engine::Engine;
use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
use crate::engine::entity::{EntityKind, EntityType};
use crate::engine::recognisers::{self, LexiconAdditions};
use crate::engine::roles::RoleCues;
use crate::engine::rules::{Rule, RuleSet, SeverityTable, build_detector};
use crate::engine::scan::ScannerBuilder;

/// Compiles `file`; `source` names where it came from, for error messages.
pub fn compile(file: &PolicyFile, source: &str) -> Result<CompiledPolicy, PolicyError> {
    let invalid = |field: String, reason: String| PolicyError::Invalid { file: source.to_owned(), field, reason };

    let settings = &file.settings;
    if !(0.0..=1.0).contains(&settings.min_score) {
        return Err(invalid("settings.min_score".into(), "must be between 0 and 1".into()));
    }
    if !(0.0..=1.0).contains(&settings.context_boost) {
        return Err(invalid("settings.context_boost".into(), "must be between 0 and 1".into()));
    }

    let mut builder = ScannerBuilder::new();
    let additions = LexiconAdditions {
        treatments: file.lexicons.treatments.clone(),
        health_conditions: file.lexicons.health_conditions.clone(),
        custom_patterns: Vec::new(),
    };
    let recognisers =
        recognisers::built_in(&mut builder, &additions).map_err(|e| invalid("recognisers".into(), e.to_string()))?;
    let roles = RoleCues::register(&mut builder);

    let mut rules = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    for (i, spec) in file.rules.iter().enumerate() {
        let field = |name: &str| format!("rule[{i}] ({}).{name}", spec.id);
        if spec.id.trim().is_empty() {
            return Err(invalid(format!("rule[{i}].id"), "must not be empty".into()));
        }
        if !seen_ids.insert(spec.id.clone()) {
            return Err(invalid(field("id"), "is used by another rule".into()));
        }
        if spec.message.en.trim().is_empty() {
            return Err(invalid(field("message.en"), "must not be empty".into()));
        }
        let detector = build_detector(&spec.detector, spec.params.clone(), &mut builder)
            .map_err(|e| invalid(field("detector"), e.to_string()))?;
        if !spec.enabled {
            continue;
        }
        rules.push(Rule {
            id: spec.id.clone(),
            title: spec.title.clone(),
            category: spec.category,
            guideline: spec.guideline.clone(),
            severity: SeverityTable {
                default: spec.severity.default,
                by_account: spec.severity.account.iter().map(|(a, v)| (*a, *v)).collect(),
                by_channel: spec.severity.channel.iter().map(|(c, v)| (*c, *v)).collect(),
                by_pair: spec.severity.when.iter().map(|w| (w.account, w.channel, w.severity)).collect(),
            },
            message: spec.message.clone(),
            suggestion: spec.suggestion.clone(),
            detector,
        });
    }

    let scanner = builder.build().map_err(|e| invalid("recognisers".into(), e.to_string()))?;
    let analyzer_settings = AnalyzerSettings {
        min_score: settings.min_score,
        context_boost: settings.context_boost,
        ..AnalyzerSettings::default()
    };
    let allow =
        AllowList::new(file.allow.values.iter().map(String::as_str)).with_staff_names(file.allow.staff_names.clone());
    let analyzer = Analyzer::new(scanner, recognisers, roles, analyzer_settings, allow);
    let known = analyzer.entity_types();

    let anonymise_types = if file.anonymise.entity_types.is_empty() {
        known.iter().copied().filter(|t| t.kind() != EntityKind::Health).collect()
    } else {
        let mut types = Vec::new();
        for (i, name) in file.anonymise.entity_types.iter().enumerate() {
            let ty = EntityType::custom(name).ok().filter(|t| known.contains(t)).ok_or_else(|| {
                invalid(format!("anonymise.entity_types[{i}]"), format!("no recogniser produces {name:?}"))
            })?;
            types.push(ty);
        }
        types
    };

    let engine = Engine::new(analyzer, RuleSet { rules }, settings.default_language.0);
    Ok(CompiledPolicy {
        reference: PolicyRef { id: file.policy.id.clone(), version: file.policy.version.clone(), sha256: digest(file) },
        engine,
        anonymise_types,
    })
}

/// SHA-256 of the policy's canonical JSON form: the same effective policy always has the
/// same digest, however its file was formatted.
fn digest(file: &PolicyFile) -> String {
    let canonical = serde_json::to_vec(file).expect("policy serialises");
    hex::encode(Sha256::digest(&canonical))
}

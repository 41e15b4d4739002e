//! Compiles an effective policy into an immutable [`CompiledPolicy`]: recognisers, rule cue
//! lexicons and patterns registered with one scanner, detectors built from their parameters,
//! severities resolved into tables. All validation happens here, so a policy that compiles
//! can serve; every error names the file, line and field that caused it.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::layer::EffectivePolicy;
use super::model::ValidatorName;
use super::source::Seg;
use super::{CompiledPolicy, PolicyError, PolicyRef};
use crate::engine::Engine;
use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
use crate::engine::entity::{EntityKind, EntityType};
use crate::engine::recognisers::custom::{CustomPatternSpec, Validator};
use crate::engine::recognisers::{self, LexiconAdditions};
use crate::engine::roles::RoleCues;
use crate::engine::rules::{DetectorBuilder, DetectorError, Rule, RuleSet, build_detector};
use crate::engine::scan::ScannerBuilder;

/// Compiles `policy`.
pub fn compile(policy: &EffectivePolicy) -> Result<CompiledPolicy, PolicyError> {
    let settings = &policy.settings;
    let setting = |name: &str, reason: &str| policy.field_error(&["settings".into(), name.into()], reason.to_owned());
    if !(0.0..=1.0).contains(&settings.min_score) {
        return Err(setting("min_score", "must be between 0 and 1"));
    }
    if !(0.0..=1.0).contains(&settings.context_boost) {
        return Err(setting("context_boost", "must be between 0 and 1"));
    }

    let mut custom_patterns = Vec::with_capacity(policy.recognisers.len());
    for spec in &policy.recognisers {
        let error = |field: &str, reason: String| policy.recogniser_error(&spec.name, field, reason);
        if spec.name.trim().is_empty() {
            return Err(error("name", "must not be empty".into()));
        }
        let entity_type = EntityType::custom(&spec.entity_type)
            .map_err(|_| error("entity_type", "must be a built-in type or UPPER_SNAKE_CASE".into()))?;
        if !(0.0..=1.0).contains(&spec.score) {
            return Err(error("score", "must be between 0 and 1".into()));
        }
        if let Err(e) = regex::Regex::new(&spec.regex) {
            return Err(error("regex", format!("does not compile: {e}")));
        }
        custom_patterns.push(CustomPatternSpec {
            name: spec.name.clone(),
            entity_type,
            regex: spec.regex.clone(),
            context: spec.context.clone(),
            validator: match spec.validator {
                ValidatorName::None => Validator::None,
                ValidatorName::Luhn => Validator::Luhn,
                ValidatorName::Mod97 => Validator::Mod97,
            },
            score: spec.score,
        });
    }

    let mut builder = ScannerBuilder::new();
    let lexicon = |name: &str| policy.lexicons.get(name).cloned().unwrap_or_default();
    let additions = LexiconAdditions {
        treatments: lexicon("treatments"),
        health_conditions: lexicon("health_conditions"),
        custom_patterns,
    };
    let recognisers = recognisers::built_in(&mut builder, &additions)
        .map_err(|e| policy.field_error(&["recogniser".into()], e.to_string()))?;
    let roles = RoleCues::register(&mut builder);

    for (name, patterns) in &policy.patterns {
        for (i, pattern) in patterns.iter().enumerate() {
            if let Err(e) = regex::Regex::new(pattern) {
                return Err(policy.field_error(
                    &["patterns".into(), name.as_str().into(), i.into()],
                    format!("does not compile: {e}"),
                ));
            }
        }
    }

    let mut rules = Vec::new();
    let mut detectors = DetectorBuilder::new(&mut builder, &policy.lexicons, &policy.patterns);
    for spec in &policy.rules {
        let error = |field: &[Seg], reason: String| policy.rule_error(&spec.id, field, reason);
        if spec.message.en.trim().is_empty() {
            return Err(error(&["message".into(), "en".into()], "must not be empty".into()));
        }
        if spec.suggestion.en.trim().is_empty() {
            return Err(error(&["suggestion".into(), "en".into()], "must not be empty".into()));
        }
        let detector = build_detector(&spec.detector, spec.params.clone(), &mut detectors).map_err(|e| match &e {
            DetectorError::Unknown(_) => error(&["detector".into()], e.to_string()),
            DetectorError::Param { name, .. } => error(&["params".into(), name.as_str().into()], e.to_string()),
            _ => error(&["params".into()], e.to_string()),
        })?;
        if !spec.enabled {
            continue;
        }
        rules.push(Rule {
            id: spec.id.clone(),
            title: spec.title.clone(),
            category: spec.category,
            guideline: spec.guideline.clone(),
            severity: super::describe::severity_table(&spec.severity),
            message: spec.message.clone(),
            suggestion: spec.suggestion.clone(),
            detector,
        });
    }
    drop(detectors);

    let scanner = builder.build().map_err(|e| policy.field_error(&["patterns".into()], e.to_string()))?;
    let analyzer_settings = AnalyzerSettings {
        min_score: settings.min_score,
        context_boost: settings.context_boost,
        ..AnalyzerSettings::default()
    };
    let allow = AllowList::new(policy.allow.values.iter().map(String::as_str))
        .with_staff_names(policy.allow.staff_names.clone());
    let analyzer = Analyzer::new(scanner, recognisers, roles, analyzer_settings, allow);
    let known = analyzer.entity_types();

    let anonymise_types = if policy.anonymise.entity_types.is_empty() {
        known.iter().copied().filter(|t| anonymised_by_default(*t)).collect()
    } else {
        let mut types = Vec::new();
        for (i, name) in policy.anonymise.entity_types.iter().enumerate() {
            let ty = EntityType::custom(name).ok().filter(|t| known.contains(t)).ok_or_else(|| {
                policy.field_error(
                    &["anonymise".into(), "entity_types".into(), i.into()],
                    format!("no recogniser produces {name:?}"),
                )
            })?;
            types.push(ty);
        }
        types
    };

    let engine = Engine::new(analyzer, RuleSet { rules }, settings.default_language.0);
    Ok(CompiledPolicy {
        reference: PolicyRef { id: policy.id.clone(), version: policy.version.clone(), sha256: digest(policy) },
        engine,
        anonymise_types,
        effective: Arc::new(policy.clone()),
    })
}

/// SHA-256 of the policy's canonical JSON form: the same effective policy always has the
/// same digest, however its files were split or formatted.
pub fn digest(policy: &EffectivePolicy) -> String {
    let canonical = serde_json::to_vec(policy).expect("policy serialises");
    hex::encode(Sha256::digest(&canonical))
}

/// Types Anonymise transforms when neither the request nor the policy names any: every direct
/// identifier, plus the quasi-identifiers HIPAA's Safe Harbor removes (dates, ages, places
/// smaller than a region). Occupations, relative times and traits stay: they are risk signals
/// for CheckPost, and replacing "oggi" or "teacher" would make the text unreadable.
fn anonymised_by_default(entity_type: EntityType) -> bool {
    match entity_type.kind() {
        EntityKind::DirectIdentifier => true,
        EntityKind::QuasiIdentifier => matches!(
            entity_type,
            EntityType::DateTime | EntityType::Age | EntityType::Location | EntityType::UkPostcode
        ),
        EntityKind::Health => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::context::PostContext;
    use crate::engine::entity::EntityType;
    use crate::error::Limits;
    use crate::policy::load_str;

    const BASE: &str = r#"[policy]
id = "clinic"
version = "1"

[[recogniser]]
name = "cartella"
entity_type = "MEDICAL_RECORD_NUMBER"
regex = '\d{4}/\d{3,6}'
context = ["cartella clinica"]
score = 0.3

[lexicons]
offers = ["gratis"]

[[rule]]
id = "HID-01"
title = "t"
category = "HEALTH_INFORMATION"
detector = "identifier_with_health"
guideline = { code = "GDC 4.2.3", title = "t" }
severity = { default = "BLOCK" }
message.en = "m"
suggestion.en = "s"
params.identifiers = ["MEDICAL_RECORD_NUMBER"]
params.health = ["TREATMENT"]

[[rule]]
id = "ADV-02"
title = "t"
category = "PROMOTIONAL_HEALTH_ADVERTISING"
detector = "cues"
guideline = { code = "L. 145/2018", title = "t" }
severity = { default = "REVIEW" }
message.en = "m"
suggestion.en = "s"
params.anchor = { cues = ["offers"] }
"#;

    #[test]
    fn custom_recognisers_feed_the_rules() {
        let policy = load_str(BASE, "clinic.toml").unwrap();
        let report = policy
            .check("Cartella clinica 2024/118: impianto fissato.", &PostContext::default(), &Limits::default())
            .unwrap();
        let finding = report.findings.iter().find(|f| f.rule_id == "HID-01").expect("HID-01");
        assert!(finding.spans.iter().any(|s| s.entity_type == Some(EntityType::MedicalRecordNumber)));
        // Without its context words the weak pattern is not reported.
        let report =
            policy.check("Nel 2024/118 casi di impianto.", &PostContext::default(), &Limits::default()).unwrap();
        assert!(report.findings.is_empty());
    }

    #[test]
    fn compile_errors_name_the_line_of_the_field() {
        let bad_regex = BASE.replace(r"'\d{4}/\d{3,6}'", "'(unclosed'");
        let err = load_str(&bad_regex, "clinic.toml").unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml:8: recogniser[0].regex: does not compile"), "{err}");

        let unknown_cue = BASE.replace("cues = [\"offers\"]", "cues = [\"offerz\"]");
        let err = load_str(&unknown_cue, "clinic.toml").unwrap_err().to_string();
        assert!(err.starts_with("clinic.toml:36: rule[1].params"), "{err}");
        assert!(err.contains("\"offerz\""), "{err}");

        let bad_param = BASE.replace(
            "params.anchor = { cues = [\"offers\"] }",
            "params.anchor = { cues = [\"offers\"] }\nparams.windw = 3",
        );
        let err = load_str(&bad_param, "clinic.toml").unwrap_err().to_string();
        assert!(err.contains("rule[1].params") && err.contains("windw"), "{err}");

        let bad_pattern = format!("{BASE}\n[patterns]\noffers = ['(?P<x']\n");
        let err = load_str(&bad_pattern, "clinic.toml").unwrap_err().to_string();
        assert!(err.contains("patterns.offers[0]") && err.contains("does not compile"), "{err}");
    }
}

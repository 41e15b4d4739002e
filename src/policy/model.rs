//! The policy file format (TOML), as written by a compliance officer. Unknown keys are
//! errors, so a typo is reported with its line instead of being ignored. The reference
//! lives in `docs/policy.md`; `docs/policy.schema.json` is generated from these types (a test
//! keeps it in sync).
//!
//! One shape serves every file: the embedded default, a clinic group's tenant file, a file it
//! includes and a per-clinic overlay (`[clinic.NAME]`). A file is a *layer* over its base
//! (see [`super::layer`]): settings it sets replace the base's, lists it gives are added,
//! `[[rule]]` defines new rules and `[rules.ID]` changes existing ones.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::context::{AccountKind, AttachmentKind, Channel, Language, Platform};
use crate::engine::verdict::{Category, Guideline, Localised, Verdict};

/// Enums are written by name ("BLOCK", "PERSONAL"); parsing them during deserialisation
/// makes a misspelt name an error that points at its line.
macro_rules! serde_by_name {
    ($($ty:ty => [$($name:expr),*]),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let names: Vec<&str> = vec![$($name),*];
                json_schema!({ "type": "string", "enum": names })
            }
        }
    )*};
}

serde_by_name!(
    Verdict => ["ALLOW", "WARN", "REVIEW", "BLOCK"],
    Category => [
        "PATIENT_IDENTIFIER", "HEALTH_INFORMATION", "QUASI_IDENTIFIER", "SPEAKING_FOR_CLINIC",
        "UNPROFESSIONAL_CONDUCT", "MISLEADING_CLAIM", "PROMOTIONAL_HEALTH_ADVERTISING",
        "CLINICAL_ADVICE_IN_PUBLIC", "APPOINTMENT_DETAILS_IN_PUBLIC", "CLINICAL_MEDIA_WITHOUT_CONSENT",
        "PROFESSIONAL_BOUNDARY", "PLATFORM_LIMIT"
    ],
    AccountKind => ["UNSPECIFIED", "PERSONAL", "PRACTICE", "PROFESSIONAL"],
    Channel => ["UNSPECIFIED", "PUBLIC_POST", "COMMENT_REPLY", "DIRECT_MESSAGE", "GROUP_CHAT"],
    Platform => [
        "UNSPECIFIED", "INSTAGRAM", "FACEBOOK", "LINKEDIN", "TIKTOK", "X", "YOUTUBE", "WHATSAPP",
        "GOOGLE_BUSINESS", "OTHER"
    ],
    AttachmentKind => ["UNSPECIFIED", "PHOTO", "CLINICAL_PHOTO", "RADIOGRAPH", "VIDEO", "DOCUMENT"],
);

/// A policy file, an included file or a clinic overlay.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyFile {
    /// Identity of the policy. Required in a policy file; not allowed in included files and
    /// clinic overlays, which take the identity of the file they belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyMeta>,
    /// Engine tuning; each key set here replaces the base's.
    pub settings: SettingsPatch,
    /// Defaults for the Anonymise RPC; replaces the base's when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymise: Option<AnonymiseSection>,
    /// Values that are never patient data (added to the base's).
    pub allow: AllowSection,
    /// Named term lists, added to the base's lists of the same name. `treatments` and
    /// `health_conditions` extend the entity lexicons; every other name is a cue lexicon that
    /// rules refer to in their `params`.
    pub lexicons: BTreeMap<String, Vec<String>>,
    /// Named regex lists (Rust `regex` syntax), added to the base's. A rule cue named `X` matches
    /// the terms of `lexicons.X` and the patterns of `patterns.X`.
    pub patterns: BTreeMap<String, Vec<String>>,
    /// Entries to take out of the base's lexicons and patterns.
    pub remove: RemoveSection,
    /// Pattern recognisers of the policy's own (record numbers, badge numbers…).
    #[serde(rename = "recogniser")]
    pub recognisers: Vec<RecogniserSpec>,
    /// New rules.
    #[serde(rename = "rule")]
    pub new_rules: Vec<RuleSpec>,
    /// Changes to rules of the base, by rule id.
    #[serde(rename = "rules")]
    pub rule_changes: BTreeMap<String, RulePatch>,
    /// Per-clinic overlays: `[clinic.milano]` serves tenant "FILE/milano". Only in a policy file.
    pub clinic: BTreeMap<String, PolicyFile>,
}

/// Identity of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    /// Identifies the policy in every answer (PolicyRef.id).
    pub id: String,
    /// PolicyRef.version.
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What this file is layered on. Default: `builtin` for `default.toml`, `default` for
    /// every other file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<Extends>,
    /// Files (relative to this one) applied before this file's own content, e.g. shared
    /// lexicons of a clinic group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
}

/// The base a policy file is layered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Extends {
    /// The default policy embedded in the binary.
    Builtin,
    /// The deployment's default policy: `default.toml` in the policy directory, or the
    /// embedded one.
    Default,
    /// Nothing: the file is complete on its own.
    None,
}

/// Engine tuning as a layer writes it: unset keys keep the base's value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SettingsPatch {
    /// Entities scoring below this are not reported (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f32>,
    /// Added to a score when a recogniser's context word is near (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_boost: Option<f32>,
    /// Language assumed when detection has no signal: "it" or "en".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_language: Option<LanguageCode>,
}

/// Engine tuning of an effective policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub min_score: f32,
    pub context_boost: f32,
    pub default_language: LanguageCode,
}

impl Default for Settings {
    fn default() -> Self {
        Self { min_score: 0.5, context_boost: 0.35, default_language: LanguageCode(Language::English) }
    }
}

/// A language written as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguageCode(pub Language);

impl<'de> Deserialize<'de> for LanguageCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Language::from_code(&s)
            .map(LanguageCode)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown language {s:?} (expected \"it\" or \"en\")")))
    }
}

impl Serialize for LanguageCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.code())
    }
}

impl JsonSchema for LanguageCode {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("LanguageCode")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": ["it", "en"] })
    }
}

/// Defaults for the Anonymise RPC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AnonymiseSection {
    /// Entity types anonymised when a request names none. Empty: every direct identifier
    /// and quasi-identifier type the policy can recognise.
    pub entity_types: Vec<String>,
}

/// Values that are never patient data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AllowSection {
    /// The clinic's own phone numbers, e-mail addresses, address, VAT number, handles: never
    /// reported.
    pub values: Vec<String>,
    /// Names of the clinic's staff: still anonymised, but rules do not treat them as patients.
    pub staff_names: Vec<String>,
}

/// Entries a layer takes out of its base.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RemoveSection {
    /// Terms to remove, by lexicon name.
    pub lexicons: BTreeMap<String, Vec<String>>,
    /// Patterns to remove, by name.
    pub patterns: BTreeMap<String, Vec<String>>,
}

/// A custom pattern recogniser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecogniserSpec {
    /// Names the recogniser, e.g. "cartella_clinica"; unique in the policy.
    pub name: String,
    /// The entity type it reports: a built-in name (e.g. "MEDICAL_RECORD_NUMBER") or a new
    /// one in UPPER_SNAKE_CASE.
    pub entity_type: String,
    /// A regex (Rust `regex` syntax; no `\b`: word boundaries are checked in code).
    pub regex: String,
    /// Words or phrases that raise the score when near a match.
    #[serde(default)]
    pub context: Vec<String>,
    /// Checksum the match must pass.
    #[serde(default)]
    pub validator: ValidatorName,
    /// Score of a match without context (0..1); context adds `settings.context_boost`.
    #[serde(default = "default_recogniser_score")]
    pub score: f32,
}

fn default_recogniser_score() -> f32 {
    0.6
}

/// Checksum of a custom pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValidatorName {
    #[default]
    None,
    Luhn,
    Mod97,
}

/// One rule as written in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier, e.g. "HID-01".
    pub id: String,
    pub title: String,
    pub category: Category,
    /// Which detector implements it (see `docs/policy.md`).
    pub detector: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub guideline: Guideline,
    pub severity: SeveritySpec,
    pub message: Localised,
    pub suggestion: Localised,
    /// Detector parameters.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub params: toml::Table,
}

fn enabled_by_default() -> bool {
    true
}

/// Changes to a rule of the base. Unset keys keep the base's value; `params` keys replace
/// the base's keys of the same name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RulePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guideline: Option<Guideline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<LocalisedPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<LocalisedPatch>,
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub params: toml::Table,
}

/// Severity by context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeveritySpec {
    pub default: Verdict,
    #[serde(default)]
    pub account: BTreeMap<AccountKind, Verdict>,
    #[serde(default)]
    pub channel: BTreeMap<Channel, Verdict>,
    #[serde(default)]
    pub when: Vec<SeverityWhen>,
}

/// Changes to a rule's severities: entries given replace the base's entries for the same
/// account, channel or pair.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Verdict>,
    pub account: BTreeMap<AccountKind, Verdict>,
    pub channel: BTreeMap<Channel, Verdict>,
    pub when: Vec<SeverityWhen>,
}

/// Severity for one (account, channel) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityWhen {
    pub account: AccountKind,
    pub channel: Channel,
    pub severity: Verdict,
}

/// A message or suggestion override: languages not given keep the base's text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LocalisedPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub it: Option<String>,
}

/// The JSON Schema of a policy file, as published in `docs/policy.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(PolicyFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/policy.schema.json` is generated from this model: regenerate with
    /// `UPDATE_SCHEMA=1 cargo test --lib policy::model`.
    #[test]
    fn published_schema_is_in_sync() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/policy.schema.json");
        let generated = json_schema();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let published = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            published == generated,
            "docs/policy.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test --lib policy::model"
        );
    }

    #[test]
    fn the_default_policy_validates_against_the_schema_shape() {
        // Every key of the embedded files is a field of the model (deny_unknown_fields).
        let file: PolicyFile = toml::from_str(crate::policy::DEFAULT_POLICY).unwrap();
        assert!(file.policy.is_some());
    }
}

//! The policy file format (TOML), as written by a compliance officer. Unknown keys are
//! errors, so a typo is reported with its line instead of being ignored. The reference
//! lives in `docs/policy.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::context::{AccountKind, Channel, Language};
use crate::engine::verdict::{Category, Guideline, Localised, Verdict};

/// Enums are written by name ("BLOCK", "PERSONAL"); parsing them during deserialisation
/// makes a misspelt name an error that points at its line.
macro_rules! serde_by_name {
    ($($ty:ty),*) => {$(
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
    )*};
}

serde_by_name!(Verdict, Category, AccountKind, Channel);

/// A whole policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub policy: PolicyMeta,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub anonymise: AnonymiseSection,
    #[serde(default)]
    pub allow: AllowSection,
    #[serde(default)]
    pub lexicons: LexiconSection,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

/// Identity of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    pub id: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
}

/// Engine tuning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Entities scoring below this are not reported.
    pub min_score: f32,
    /// Added to a score when a context word is near.
    pub context_boost: f32,
    /// Language assumed when detection has no signal: "it" or "en".
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

/// Defaults for the Anonymise RPC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnonymiseSection {
    /// Entity types anonymised when a request names none. Empty: every direct identifier
    /// and quasi-identifier type the policy can recognise.
    pub entity_types: Vec<String>,
}

/// Values that are never patient data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AllowSection {
    /// The clinic's own phone numbers, e-mail addresses, address, VAT number: never reported.
    pub values: Vec<String>,
    /// Names of the clinic's staff: still anonymised, but rules do not treat them as patients.
    pub staff_names: Vec<String>,
}

/// Entries added to the built-in lexicons.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LexiconSection {
    pub treatments: Vec<String>,
    pub health_conditions: Vec<String>,
}

/// One rule as written in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub params: toml::Table,
}

fn enabled_by_default() -> bool {
    true
}

/// Severity by context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Severity for one (account, channel) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityWhen {
    pub account: AccountKind,
    pub channel: Channel,
    pub severity: Verdict,
}

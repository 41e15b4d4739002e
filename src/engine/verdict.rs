//! Verdicts, categories and findings: what a check says and why.

use std::fmt;
use std::str::FromStr;

use super::context::{Language, UnknownValue};
use super::entity::{ByteSpan, EntityType};

/// The outcome of a check, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Verdict {
    #[default]
    Allow,
    Warn,
    Review,
    Block,
}

impl Verdict {
    pub const ALL: &'static [Verdict] = &[Verdict::Allow, Verdict::Warn, Verdict::Review, Verdict::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "ALLOW",
            Verdict::Warn => "WARN",
            Verdict::Review => "REVIEW",
            Verdict::Block => "BLOCK",
        }
    }
}

impl FromStr for Verdict {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ALLOW" => Ok(Verdict::Allow),
            "WARN" => Ok(Verdict::Warn),
            "REVIEW" => Ok(Verdict::Review),
            "BLOCK" => Ok(Verdict::Block),
            _ => Err(UnknownValue { kind: "Verdict", value: s.to_owned() }),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! categories {
    ($( $variant:ident => $wire:literal ),* $(,)?) => {
        /// The kind of problem a finding reports (PRODUCT.md's binding grouping).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Category { $( $variant, )* }

        impl Category {
            pub const ALL: &'static [Category] = &[ $( Category::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Category::$variant => $wire, )* }
            }
        }

        impl FromStr for Category {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $wire => Ok(Category::$variant), )*
                    _ => Err(UnknownValue { kind: "Category", value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for Category {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

categories! {
    PatientIdentifier => "PATIENT_IDENTIFIER",
    HealthInformation => "HEALTH_INFORMATION",
    QuasiIdentifier => "QUASI_IDENTIFIER",
    SpeakingForClinic => "SPEAKING_FOR_CLINIC",
    UnprofessionalConduct => "UNPROFESSIONAL_CONDUCT",
    MisleadingClaim => "MISLEADING_CLAIM",
    PromotionalHealthAdvertising => "PROMOTIONAL_HEALTH_ADVERTISING",
    ClinicalAdviceInPublic => "CLINICAL_ADVICE_IN_PUBLIC",
    AppointmentDetailsInPublic => "APPOINTMENT_DETAILS_IN_PUBLIC",
    ClinicalMediaWithoutConsent => "CLINICAL_MEDIA_WITHOUT_CONSENT",
    ProfessionalBoundary => "PROFESSIONAL_BOUNDARY",
    PlatformLimit => "PLATFORM_LIMIT",
}

/// The guideline or law a rule enforces.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guideline {
    /// Short code, e.g. "GDC 4.2.3".
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub url: String,
}

/// A text in the languages Riserbo answers in. English is required; Italian falls back to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Localised {
    pub en: String,
    #[serde(default)]
    pub it: String,
}

impl Localised {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Italian if !self.it.is_empty() => &self.it,
            _ => &self.en,
        }
    }
}

/// A span that triggered a finding, with the entity type (or cue lexicon) it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindingSpan {
    pub span: ByteSpan,
    /// The entity type found there, or `None` for a rule cue (a phrase, not an entity).
    pub entity_type: Option<EntityType>,
    /// Name of the rule cue when `entity_type` is `None` (e.g. "promotion").
    pub cue: &'static str,
    pub score: f32,
}

/// One reason for a verdict, in the requested locale.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub category: Category,
    pub severity: Verdict,
    pub message: String,
    pub suggestion: String,
    pub guideline: Guideline,
    pub spans: Vec<FindingSpan>,
    /// Why the detector fired, when it has more to say than the spans (e.g. which kinds of
    /// quasi-identifier drove a re-identification risk): kinds and counts, never values.
    pub explanation: String,
}

/// The verdict of a set of findings: the most severe one, or `Allow`.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    findings.iter().map(|f| f.severity).max().unwrap_or(Verdict::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_order_by_severity() {
        assert!(Verdict::Block > Verdict::Review && Verdict::Review > Verdict::Warn && Verdict::Warn > Verdict::Allow);
        assert_eq!(verdict_of(&[]), Verdict::Allow);
    }

    #[test]
    fn localised_falls_back_to_english() {
        let text = Localised { en: "hello".into(), it: String::new() };
        assert_eq!(text.get(Language::Italian), "hello");
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), *c);
        }
    }
}

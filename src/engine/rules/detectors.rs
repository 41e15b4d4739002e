//! The detectors rules can name in a policy (`detector = "..."`), each with its parameters.

use serde::Deserialize;

use super::{Detection, Detector, RuleInput};
use crate::engine::entity::{Entity, EntityType};
use crate::engine::scan::ScannerBuilder;
use crate::engine::verdict::FindingSpan;

/// Names a policy may use in `detector = "..."`.
pub const DETECTOR_KINDS: &[&str] = &["identifier_with_health", "patient_identifier"];

/// A detector name or its parameters are wrong.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    #[error("unknown detector {0:?} (known: {known})", known = DETECTOR_KINDS.join(", "))]
    Unknown(String),
    #[error("invalid parameters: {0}")]
    Params(String),
    #[error("unknown entity type {0:?} in parameters")]
    EntityType(String),
}

/// Builds the detector `kind` from its policy parameters, registering any lexicons it needs.
pub fn build_detector(
    kind: &str,
    params: toml::Table,
    _builder: &mut ScannerBuilder,
) -> Result<Box<dyn Detector>, DetectorError> {
    match kind {
        "identifier_with_health" => {
            let p: IdentifierParams = parse(params)?;
            Ok(Box::new(IdentifierWithHealth {
                identifiers: entity_types(&p.identifiers)?,
                health: entity_types(&p.health)?,
            }))
        }
        "patient_identifier" => {
            let p: IdentifierParams = parse(params)?;
            Ok(Box::new(PatientIdentifier {
                identifiers: entity_types(&p.identifiers)?,
                health: entity_types(&p.health)?,
            }))
        }
        other => Err(DetectorError::Unknown(other.to_owned())),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(params: toml::Table) -> Result<T, DetectorError> {
    toml::Value::Table(params).try_into().map_err(|e: toml::de::Error| DetectorError::Params(e.message().to_owned()))
}

fn entity_types(names: &[String]) -> Result<Vec<EntityType>, DetectorError> {
    names.iter().map(|n| EntityType::custom(n).map_err(|_| DetectorError::EntityType(n.clone()))).collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierParams {
    /// Entity types that identify a person directly.
    identifiers: Vec<String>,
    /// Entity types that are health content.
    health: Vec<String>,
}

fn span_of(entity: &Entity) -> FindingSpan {
    FindingSpan { span: entity.span, entity_type: Some(entity.entity_type), cue: "", score: entity.score }
}

/// Identifiers of people the rules protect (patients or unknown people, not the author,
/// staff or the clinic itself).
fn protected_identifiers<'a>(
    input: &'a RuleInput<'_, '_>,
    types: &'a [EntityType],
) -> impl Iterator<Item = &'a Entity> {
    input.analysis.entities.iter().filter(move |e| types.contains(&e.entity_type) && e.role.is_protected())
}

/// A direct identifier of a (possible) patient together with health or treatment content:
/// GDC 4.2.3 and GDPR art. 9.
#[derive(Debug)]
pub struct IdentifierWithHealth {
    identifiers: Vec<EntityType>,
    health: Vec<EntityType>,
}

impl Detector for IdentifierWithHealth {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let mut spans: Vec<FindingSpan> = protected_identifiers(input, &self.identifiers).map(span_of).collect();
        if spans.is_empty() {
            return None;
        }
        let health: Vec<FindingSpan> =
            input.analysis.entities.iter().filter(|e| self.health.contains(&e.entity_type)).map(span_of).collect();
        if health.is_empty() {
            return None;
        }
        spans.extend(health);
        Some(Detection { spans })
    }
}

/// A direct identifier of a (possible) patient without health content.
#[derive(Debug)]
pub struct PatientIdentifier {
    identifiers: Vec<EntityType>,
    health: Vec<EntityType>,
}

impl Detector for PatientIdentifier {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let has_health = input.analysis.entities.iter().any(|e| self.health.contains(&e.entity_type));
        if has_health {
            return None; // identifier_with_health reports it, more severely
        }
        let spans: Vec<FindingSpan> = protected_identifiers(input, &self.identifiers).map(span_of).collect();
        (!spans.is_empty()).then_some(Detection { spans })
    }
}

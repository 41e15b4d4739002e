//! The detectors rules can name in a policy (`detector = "..."`), each with its parameters.
//! One file per family of detectors; this file is the registry and the shared helpers.

mod identifiers;
mod quasi;

use identifiers::{IdentifierParams, IdentifierWithHealth, PatientIdentifier};

use serde::Deserialize;

use super::Detector;
use crate::engine::entity::EntityType;
use crate::engine::scan::ScannerBuilder;

/// Names a policy may use in `detector = "..."`.
pub const DETECTOR_KINDS: &[&str] = &["identifier_with_health", "patient_identifier", "quasi_identifier"];

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
        "quasi_identifier" => quasi::build(params),
        other => Err(DetectorError::Unknown(other.to_owned())),
    }
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(params: toml::Table) -> Result<T, DetectorError> {
    toml::Value::Table(params).try_into().map_err(|e: toml::de::Error| DetectorError::Params(e.message().to_owned()))
}

pub(crate) fn entity_types(names: &[String]) -> Result<Vec<EntityType>, DetectorError> {
    names.iter().map(|n| EntityType::custom(n).map_err(|_| DetectorError::EntityType(n.clone()))).collect()
}

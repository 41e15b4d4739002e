//! Detectors over direct identifiers of (possible) patients.

use serde::Deserialize;

use crate::engine::entity::{Entity, EntityType};
use crate::engine::rules::{Detection, Detector, RuleInput};
use crate::engine::verdict::FindingSpan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IdentifierParams {
    /// Entity types that identify a person directly.
    pub identifiers: Vec<String>,
    /// Entity types that are health content.
    pub health: Vec<String>,
}

pub(crate) fn span_of(entity: &Entity) -> FindingSpan {
    FindingSpan { span: entity.span, entity_type: Some(entity.entity_type), cue: "", score: entity.score }
}

/// Identifiers of people the rules protect (patients or unknown people, not the author,
/// staff or the clinic itself).
pub(crate) fn protected_identifiers<'a>(
    input: &'a RuleInput<'_, '_>,
    types: &'a [EntityType],
) -> impl Iterator<Item = &'a Entity> {
    input.analysis.entities.iter().filter(move |e| types.contains(&e.entity_type) && e.role.is_protected())
}

/// A direct identifier of a (possible) patient together with health or treatment content:
/// GDC 4.2.3 and GDPR art. 9.
#[derive(Debug)]
pub struct IdentifierWithHealth {
    pub(super) identifiers: Vec<EntityType>,
    pub(super) health: Vec<EntityType>,
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
    pub(super) identifiers: Vec<EntityType>,
    pub(super) health: Vec<EntityType>,
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

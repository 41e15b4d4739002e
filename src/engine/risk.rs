//! Re-identification risk in [0, 1]: how likely a reader who knows the patient's community
//! recognises them. Each protected mention contributes independently (1 − Π(1 − wᵢ)):
//! direct identifiers almost decide it; quasi-identifiers add up (the mosaic effect); health
//! content raises the stakes of whatever else is there.

use super::analyzer::Analysis;
use super::entity::EntityKind;

const DIRECT_WEIGHT: f32 = 0.9;
const QUASI_WEIGHT: f32 = 0.25;
const HEALTH_FACTOR: f32 = 1.25;

pub fn reidentification_risk(analysis: &Analysis<'_>) -> f32 {
    let mut keep_anonymous = 1.0f32;
    let mut health = false;
    for entity in &analysis.entities {
        match entity.entity_type.kind() {
            EntityKind::DirectIdentifier if entity.role.is_protected() => {
                keep_anonymous *= 1.0 - DIRECT_WEIGHT * entity.score
            }
            EntityKind::QuasiIdentifier => keep_anonymous *= 1.0 - QUASI_WEIGHT * entity.score,
            EntityKind::Health => health = true,
            _ => {}
        }
    }
    let risk = 1.0 - keep_anonymous;
    let risk = if health { risk * HEALTH_FACTOR } else { risk };
    risk.clamp(0.0, 1.0)
}

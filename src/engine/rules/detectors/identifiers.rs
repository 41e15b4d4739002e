//! Detectors over direct identifiers of (possible) patients: `identifier_with_health` (an
//! identifier and health content in the same post) and `patient_identifier` (an identifier
//! without health content). Which identifier types count, which roles are protected, and
//! which phrases mark a contact as the clinic's or the writer's own are parameters.

use serde::Deserialize;

use super::{DetectorBuilder, DetectorError, Matcher, MatcherParams, RoleFilter, entity_types, parse, role_filter};
use crate::engine::entity::{Entity, EntityType, Role};
use crate::engine::rules::{Detection, Detector, RuleInput};
use crate::engine::verdict::FindingSpan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierParams {
    /// Entity types that identify a person directly.
    identifiers: Vec<String>,
    /// Entity types that are health content.
    health: Vec<String>,
    /// Roles the rule protects (default: `protected`, i.e. patients, unknown and other people).
    #[serde(default)]
    roles: Vec<String>,
    /// Whether the policy's own (custom) entity types count as identifiers (default true).
    #[serde(default = "yes")]
    include_custom: bool,
    /// Phrases that mark the identifier after them as the clinic's or the writer's own
    /// ("chiamaci al", "my number is"): matched before each number, address or handle.
    #[serde(default)]
    not_patient: Option<MatcherParams>,
    /// Phrases that mark a name of unknown role as a professional's, not a patient's
    /// ("Dr", "prof."): matched before each name nothing else gave a role.
    #[serde(default)]
    professional_names: Option<MatcherParams>,
}

fn yes() -> bool {
    true
}

fn is_name(entity_type: EntityType) -> bool {
    matches!(entity_type, EntityType::Person | EntityType::PersonInitials)
}

pub(crate) fn span_of(entity: &Entity) -> FindingSpan {
    FindingSpan { span: entity.span, entity_type: Some(entity.entity_type), cue: "", score: entity.score }
}

/// The identifier rules' shared selection of entities.
#[derive(Debug)]
struct Selection {
    identifiers: Vec<EntityType>,
    health: Vec<EntityType>,
    roles: RoleFilter,
    include_custom: bool,
    not_patient: Option<Matcher>,
    professional_names: Option<Matcher>,
}

impl Selection {
    fn identifiers(&self, input: &RuleInput<'_, '_>) -> Vec<FindingSpan> {
        let own = self.not_patient.as_ref().map(|m| (m, m.hits(input)));
        let professional = self.professional_names.as_ref().map(|m| (m, m.hits(input)));
        let near = |found: &Option<(&Matcher, Vec<FindingSpan>)>, e: &Entity| {
            found.as_ref().is_some_and(|(m, hits)| m.near(&input.analysis.scan, e.span, hits).is_some())
        };
        input
            .analysis
            .entities
            .iter()
            .filter(|e| {
                (self.identifiers.contains(&e.entity_type)
                    || (self.include_custom && matches!(e.entity_type, EntityType::Custom(_))))
                    && self.roles.accepts(e.role)
            })
            .filter(|e| {
                if is_name(e.entity_type) {
                    // "Dr Rossi" of unknown role is a colleague more often than a patient.
                    !(e.role == Role::Unknown && near(&professional, e))
                } else {
                    // "Call us on …", "my number is …": the clinic's or the writer's own.
                    !near(&own, e)
                }
            })
            .map(span_of)
            .collect()
    }

    fn health(&self, input: &RuleInput<'_, '_>) -> Vec<FindingSpan> {
        input.analysis.entities.iter().filter(|e| self.health.contains(&e.entity_type)).map(span_of).collect()
    }
}

pub(super) fn build(
    params: toml::Table,
    builder: &mut DetectorBuilder<'_>,
    with_health: bool,
) -> Result<Box<dyn Detector>, DetectorError> {
    let p: IdentifierParams = parse(params)?;
    let roles = if p.roles.is_empty() { RoleFilter::Protected } else { role_filter(&p.roles)? };
    let not_patient = p.not_patient.as_ref().map(|m| Matcher::build(m, builder, None)).transpose()?;
    let professional_names = p.professional_names.as_ref().map(|m| Matcher::build(m, builder, None)).transpose()?;
    let selection = Selection {
        identifiers: entity_types(&p.identifiers)?,
        health: entity_types(&p.health)?,
        roles,
        include_custom: p.include_custom,
        not_patient,
        professional_names,
    };
    Ok(if with_health {
        Box::new(IdentifierWithHealth { selection })
    } else {
        Box::new(PatientIdentifier { selection })
    })
}

/// A direct identifier of a (possible) patient together with health or treatment content:
/// GDC 4.2.3 and GDPR art. 9.
#[derive(Debug)]
pub struct IdentifierWithHealth {
    selection: Selection,
}

impl Detector for IdentifierWithHealth {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let mut spans = self.selection.identifiers(input);
        if spans.is_empty() {
            return None;
        }
        let health = self.selection.health(input);
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
    selection: Selection,
}

impl Detector for PatientIdentifier {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        if !self.selection.health(input).is_empty() {
            return None; // identifier_with_health reports it, more severely
        }
        let spans = self.selection.identifiers(input);
        (!spans.is_empty()).then_some(Detection { spans })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use crate::engine::context::PostContext;
    use crate::engine::entity::{EntityType, Role};

    const PARAMS: &str = r#"
identifiers = ["PERSON", "PHONE_NUMBER", "SOCIAL_HANDLE"]
health = ["HEALTH_CONDITION", "TREATMENT"]
not_patient = { cues = ["own_contact"], before = 3 }
"#;

    fn harness(kind: &str, roles: &str) -> Harness {
        Harness::new(kind, &format!("{PARAMS}{roles}"), &[("own_contact", &["chiamaci", "my number is"])], &[])
    }

    #[test]
    fn identifier_with_health_needs_both() {
        let h = harness("identifier_with_health", "");
        let ctx = PostContext::default();
        assert_eq!(h.spans("Placed two implants for Mr. David Clarke", &ctx), ["implants", "David Clarke"]);
        assert!(h.spans("Mr. David Clarke came to say hello", &ctx).is_empty());
        let text = "@giulia.b ci vediamo al controllo della carie";
        let found = h.detect(text, &ctx, &[(EntityType::SocialHandle, "@giulia.b", Role::Unknown)]).unwrap();
        assert_eq!(found.spans.len(), 2);
    }

    #[test]
    fn patient_identifier_skips_health_posts_roles_and_own_contacts() {
        let h = harness("patient_identifier", "roles = [\"patient\"]");
        let ctx = PostContext::default();
        assert_eq!(h.spans("Per i pagamenti del paziente Mario Gentile", &ctx), ["Mario Gentile"]);
        assert!(h.spans("Thank you Mr. David Clarke", &ctx).is_empty(), "unknown role, only patients");

        let h = harness("patient_identifier", "");
        assert_eq!(h.spans("Call +39 328 445 1290 today", &ctx), ["+39 328 445 1290"]);
        assert!(h.spans("Chiamaci al +39 328 445 1290", &ctx).is_empty());
        assert!(h.spans("my number is +39 328 445 1290", &ctx).is_empty());
    }
}

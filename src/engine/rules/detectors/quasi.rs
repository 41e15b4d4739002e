//! `quasi_identifier`: no name, but the sum of details (age, place, job, the time of the visit,
//! a distinctive trait, notoriety) singles a patient out (GMC ¶19, WP29 Opinion 05/2014). Fires
//! when the quasi-identifier part of the re-identification risk (`engine::risk`) reaches the
//! rule's `threshold`; the finding's explanation gives the estimated anonymity set and the
//! kinds of detail that drove it.

use serde::Deserialize;

use super::{DetectorError, parse};
use crate::engine::context::Language;
use crate::engine::entity::EntityKind;
use crate::engine::risk;
use crate::engine::rules::{Detection, Detector, RuleInput};
use crate::engine::verdict::FindingSpan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuasiParams {
    /// Quasi-identifier risk in (0, 1] at or above which the rule fires.
    threshold: f32,
}

pub(super) fn build(params: toml::Table) -> Result<Box<dyn super::Detector>, DetectorError> {
    let p: QuasiParams = parse(params)?;
    if !(p.threshold > 0.0 && p.threshold <= 1.0) {
        return Err(DetectorError::Params(format!("threshold must be in (0, 1], got {}", p.threshold)));
    }
    Ok(Box::new(QuasiIdentifier { threshold: p.threshold }))
}

#[derive(Debug)]
pub struct QuasiIdentifier {
    threshold: f32,
}

impl Detector for QuasiIdentifier {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let assessment = input.analysis.risk();
        if assessment.quasi_score < self.threshold {
            return None;
        }
        let spans = input
            .analysis
            .entities
            .iter()
            .filter(|e| matches!(e.entity_type.kind(), EntityKind::QuasiIdentifier | EntityKind::Health))
            .map(|e| FindingSpan { span: e.span, entity_type: Some(e.entity_type), cue: "", score: e.score })
            .collect();
        Some(Detection { spans })
    }

    fn explain(&self, input: &RuleInput<'_, '_>, locale: Language) -> Option<String> {
        Some(risk::explain(input.analysis.risk(), locale))
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::context::{AccountKind, Channel, PostContext};
    use crate::engine::verdict::Category;
    use crate::error::Limits;
    use crate::policy::PolicyStore;

    fn quasi_findings(text: &str) -> Vec<(String, String)> {
        let store = PolicyStore::with_default();
        let policy = store.get("").unwrap();
        let context =
            PostContext { account: AccountKind::Personal, channel: Channel::PublicPost, ..Default::default() };
        let report = policy.check(text, &context, &Limits::default()).unwrap();
        report
            .findings
            .into_iter()
            .filter(|f| f.category == Category::QuasiIdentifier)
            .map(|f| (f.rule_id, f.explanation))
            .collect()
    }

    #[test]
    fn singling_out_without_a_name_is_a_finding_in_both_languages() {
        let it = quasi_findings(
            "Il ragazzo di 17 anni che gioca nella squadra di basket di Treviglio oggi si è rotto un incisivo.",
        );
        assert_eq!(it.len(), 1, "{it:?}");
        assert_eq!(it[0].0, "QID-01");
        assert!(it[0].1.contains("AGE×1") && it[0].1.contains("LOCATION×1"), "{}", it[0].1);
        let en = quasi_findings(
            "The retired fireman from Upper Slaughter with the wonky bridge came back for the third time this week.",
        );
        assert_eq!(en.len(), 1, "{en:?}");
        assert!(en[0].1.contains("OCCUPATION×1"), "{}", en[0].1);
    }

    #[test]
    fn general_posts_and_anonymous_cases_are_not() {
        assert!(
            quasi_findings("Cinque consigli per un alito fresco: filo interdentale e controlli regolari.").is_empty()
        );
        assert!(
            quasi_findings("Case study for peers: adult female in her forties, localised aggressive periodontitis.")
                .is_empty()
        );
        assert!(quasi_findings("Siamo aperti dal lunedì al venerdì dalle 9 alle 19.").is_empty());
    }

    #[test]
    fn threshold_is_validated() {
        let bad: toml::Table = toml::from_str("threshold = 1.5").unwrap();
        assert!(super::build(bad).is_err());
        let unknown: toml::Table = toml::from_str("threshold = 0.5\nk = 3").unwrap();
        assert!(super::build(unknown).is_err());
    }
}

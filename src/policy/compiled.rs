//! A compiled policy answers checks and anonymisation requests. This is the one place
//! where the engine (entities, rules) and the operators meet.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::anonymise::{self, AnonymiseContext, AnonymiseError, Anonymised, KeyContext, Operator, OperatorConfig};
use crate::engine::Engine;
use crate::engine::context::{Language, PostContext};
use crate::engine::entity::{Entity, EntityType};
use crate::engine::verdict::{Finding, Verdict};
use crate::error::{Error, Limits, RequestError};

use super::PolicyRef;
use super::document::{Document, DocumentField};
use super::layer::EffectivePolicy;

/// How many times Anonymise re-checks its own output for values that became recognisable.
const MAX_RECHECKS: usize = 3;

/// An immutable, validated policy: shared behind an `Arc` by every request that uses it.
#[derive(Debug)]
pub struct CompiledPolicy {
    pub reference: PolicyRef,
    pub engine: Engine,
    /// Entity types Anonymise transforms when a request names none.
    pub anonymise_types: Vec<EntityType>,
    /// The policy as layered from its files (for GetPolicy and `policy lint`).
    pub effective: Arc<EffectivePolicy>,
}

/// How many entities of a type a text had (for the decision log: counts, never values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityCount {
    pub entity_type: EntityType,
    pub count: u32,
}

/// The answer to a check, owned and free of engine borrows.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub anonymised_text: String,
    pub reidentification_risk: f32,
    pub language: Language,
    pub locale: Language,
    pub entity_counts: Vec<EntityCount>,
    /// Attachment captions and alt texts checked with the text. Finding spans are offsets into
    /// the checked document (the text, then these fields); [`CheckReport::locate`] maps them back.
    pub fields: Vec<DocumentField>,
}

impl CheckReport {
    /// The field a finding span lies in (`None`: the request's text) and the span's offsets
    /// within that field.
    pub fn locate(
        &self,
        span: crate::engine::entity::ByteSpan,
    ) -> (Option<&DocumentField>, crate::engine::entity::ByteSpan) {
        super::document::locate(&self.fields, span)
    }
}

/// An Anonymise request in domain terms. Entity type names are resolved by the policy,
/// which knows its custom types.
#[derive(Debug, Clone, Default)]
pub struct AnonymiseInput {
    pub language: Option<Language>,
    pub entity_types: Vec<String>,
    pub default_operator: Option<Operator>,
    pub operators: Vec<(String, Operator)>,
    pub pseudonym_scope: String,
    pub author_name: Option<String>,
}

/// The answer to Anonymise.
#[derive(Debug, Clone)]
pub struct AnonymiseReport {
    pub anonymised: Anonymised,
    pub language: Language,
    pub entity_counts: Vec<EntityCount>,
}

impl CompiledPolicy {
    /// Checks `text` in `context`.
    pub fn check(&self, text: &str, context: &PostContext, limits: &Limits) -> Result<CheckReport, Error> {
        limits.check_text("text", text)?;
        // Captions and alt texts are checked together with the text, as one document: a name
        // in a caption and a treatment in the text identify a patient just the same.
        let document = Document::compose(text, &context.attachments);
        let outcome = self.engine.check(document.text(), context);
        // The rewrite starts from the text with (possible) patients' identifiers replaced;
        // the author, staff and the clinic's own details stay.
        let protected: Vec<Entity> = outcome
            .analysis
            .entities
            .iter()
            .filter(|e| e.span.end <= text.len())
            .filter(|e| e.role.is_protected() && self.anonymise_types.contains(&e.entity_type))
            .cloned()
            .collect();
        let anonymised = anonymise::anonymise(text, &protected, &OperatorConfig::default())?;
        Ok(CheckReport {
            verdict: outcome.verdict,
            findings: outcome.findings,
            anonymised_text: anonymised.text,
            reidentification_risk: outcome.reidentification_risk,
            language: outcome.analysis.language,
            locale: outcome.locale,
            entity_counts: count_entities(&outcome.analysis.entities),
            fields: document.fields().to_vec(),
        })
    }

    /// Anonymises `text`. `keys` are the request tenant's keys, for `hash`, `pseudonymise`
    /// and `encrypt`; operators are checked (parameters, keys, `generalise` on types it can
    /// coarsen) before the text is read.
    pub fn anonymise(
        &self,
        text: &str,
        input: &AnonymiseInput,
        limits: &Limits,
        keys: &KeyContext<'_>,
    ) -> Result<AnonymiseReport, Error> {
        limits.check_text("text", text)?;
        let types = if input.entity_types.is_empty() {
            self.anonymise_types.clone()
        } else {
            input
                .entity_types
                .iter()
                .enumerate()
                .map(|(i, name)| self.resolve_type(&format!("entity_types[{i}]"), name))
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut operators =
            OperatorConfig { default: input.default_operator.clone().unwrap_or_default(), ..Default::default() };
        for (name, operator) in &input.operators {
            let field = format!("operators[{name:?}]");
            let ty = self.resolve_type(&field, name)?;
            operator.check(&field, keys)?;
            if matches!(operator, Operator::Generalise { .. }) && !anonymise::generalise::supports(ty) {
                return Err(generalise_unsupported(&field, ty).into());
            }
            operators.per_type.insert(ty, operator.clone());
        }
        if input.default_operator.is_some() {
            operators.default.check("default_operator", keys)?;
            if matches!(operators.default, Operator::Generalise { .. })
                && let Some(ty) =
                    types.iter().find(|t| !operators.per_type.contains_key(t) && !anonymise::generalise::supports(**t))
            {
                return Err(generalise_unsupported("default_operator", *ty).into());
            }
        }

        let author = input.author_name.as_deref();
        let analysis = self.engine.analyze(text, input.language, author);
        let language = analysis.language;
        let mut selected: Vec<Entity> =
            analysis.entities.iter().filter(|e| types.contains(&e.entity_type)).cloned().collect();
        let context = AnonymiseContext { keys: *keys, pseudonym_scope: &input.pseudonym_scope, language };
        let mut anonymised = anonymise::anonymise_with(text, &selected, &operators, &context)?;
        // Re-check the output: replacing shortens the text, so a context word can come within
        // reach of a value it was too far from ("tel. <PHONE_NUMBER>, <IBAN_CODE>, 07700 900456"
        // once a 27-character IBAN is one word). What the engine finds in untouched text now is
        // anonymised too, from the input, so the output holds nothing the engine would flag.
        for _ in 0..MAX_RECHECKS {
            let again = self.engine.analyze(&anonymised.text, Some(language), author);
            let missed: Vec<Entity> = again
                .entities
                .iter()
                .filter(|e| types.contains(&e.entity_type))
                .filter_map(|e| anonymised.original_span(e.span).map(|span| Entity { span, ..e.clone() }))
                .collect();
            if missed.is_empty() {
                break;
            }
            selected.extend(missed);
            anonymised = anonymise::anonymise_with(text, &selected, &operators, &context)?;
        }
        Ok(AnonymiseReport { anonymised, language, entity_counts: count_entities(&selected) })
    }

    /// Resolves an entity type name this policy can recognise.
    fn resolve_type(&self, field: &str, name: &str) -> Result<EntityType, RequestError> {
        let known = self.engine.analyzer().entity_types();
        EntityType::custom(name).ok().filter(|t| known.contains(t)).ok_or_else(|| RequestError::Invalid {
            field: field.to_owned(),
            reason: format!("unknown entity type {name:?}"),
        })
    }
}

fn generalise_unsupported(field: &str, ty: EntityType) -> AnonymiseError {
    let supported: Vec<&str> = anonymise::generalise::GENERALISABLE.iter().map(|t| t.as_str()).collect();
    AnonymiseError::InvalidOperator {
        field: field.to_owned(),
        reason: format!("generalise applies to {} only, not {ty}; give {ty} its own operator", supported.join(", ")),
    }
}

fn count_entities(entities: &[Entity]) -> Vec<EntityCount> {
    let mut counts: BTreeMap<EntityType, u32> = BTreeMap::new();
    for e in entities {
        *counts.entry(e.entity_type).or_default() += 1;
    }
    counts.into_iter().map(|(entity_type, count)| EntityCount { entity_type, count }).collect()
}

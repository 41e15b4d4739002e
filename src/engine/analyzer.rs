//! The analyzer: one shared scan, every recogniser over it, then context enhancement, the
//! score threshold, allow-lists, overlap resolution and person roles.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::context::Language;
use super::entity::{ByteSpan, Entity, EntityKind, EntityType};
use super::recogniser::{Candidate, RecogniseInput, Recogniser};
use super::risk::RiskAssessment;
use super::roles::RoleCues;
use super::scan::{Scan, Scanner};

/// Tuning that a policy sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyzerSettings {
    /// Candidates scoring below this (after context) are dropped.
    pub min_score: f32,
    /// Added to a candidate's score when one of its context words is near.
    pub context_boost: f32,
    /// How many words before a candidate its context words may be.
    pub context_words_before: usize,
    /// How many words after a candidate its context words may be.
    pub context_words_after: usize,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        Self { min_score: 0.5, context_boost: 0.35, context_words_before: 6, context_words_after: 2 }
    }
}

/// Values that are never patient data: the clinic's own phone, e-mail, address, VAT number.
/// Compared after normalisation (letters and digits only, lower case), so "+39 02 1234 567"
/// and "0039021234567" are the same entry only if written alike; phone numbers are also
/// compared on their last nine digits to absorb prefixes.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    values: HashSet<String>,
    /// Names of the clinic's staff: still `PERSON` (Anonymise replaces them), but with role
    /// `Staff`, so rules do not treat them as patients.
    staff_names: Vec<String>,
}

impl AllowList {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let values = values.into_iter().map(normalise_value).filter(|v| !v.is_empty()).collect();
        Self { values, staff_names: Vec::new() }
    }

    pub fn with_staff_names(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.staff_names = names.into_iter().filter(|n| !n.trim().is_empty()).collect();
        self
    }

    /// Whether `name` is one of the declared staff names (see [`super::roles::same_person`]).
    pub fn is_staff(&self, name: &str) -> bool {
        self.staff_names.iter().any(|staff| super::roles::same_person(staff, name))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn contains(&self, entity_type: EntityType, value: &str) -> bool {
        if self.values.is_empty() {
            return false;
        }
        let normalised = normalise_value(value);
        if self.values.contains(&normalised) {
            return true;
        }
        if entity_type == EntityType::PhoneNumber {
            let tail = phone_tail(&normalised);
            return self
                .values
                .iter()
                .any(|v| v.len() >= 9 && v.bytes().all(|b| b.is_ascii_digit()) && phone_tail(v) == tail);
        }
        false
    }
}

fn normalise_value(value: &str) -> String {
    value.chars().filter(|c| c.is_alphanumeric() || *c == '@' || *c == '.').flat_map(char::to_lowercase).collect()
}

fn phone_tail(digits: &str) -> &str {
    let start = digits.len().saturating_sub(9);
    &digits[start..]
}

/// The analyzer of one compiled policy: immutable and shared by every request.
pub struct Analyzer {
    scanner: Scanner,
    recognisers: Vec<Box<dyn Recogniser>>,
    roles: RoleCues,
    settings: AnalyzerSettings,
    allow: AllowList,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("scanner", &self.scanner)
            .field("recognisers", &self.recognisers.iter().map(|r| r.name()).collect::<Vec<_>>())
            .field("settings", &self.settings)
            .finish()
    }
}

/// What the analyzer found in one text. Borrows the text and the policy's scanner.
pub struct Analysis<'t> {
    pub scan: Scan<'t>,
    /// Non-overlapping entities, ordered by start.
    pub entities: Vec<Entity>,
    pub language: Language,
    /// The re-identification risk, assessed on first use: the response's risk, the
    /// quasi-identifier rule and its explanation all read it.
    risk: OnceLock<RiskAssessment>,
}

impl<'t> Analysis<'t> {
    /// The re-identification risk of the entities (assessed once; the entities must not
    /// change after it is first read).
    pub fn risk(&self) -> &RiskAssessment {
        self.risk.get_or_init(|| super::risk::assess(self))
    }

    pub fn text(&self) -> &'t str {
        self.scan.text
    }

    /// Entities of one kind (direct identifiers, quasi-identifiers, health).
    pub fn of_kind(&self, kind: EntityKind) -> impl Iterator<Item = &Entity> {
        self.entities.iter().filter(move |e| e.entity_type.kind() == kind)
    }
}

impl Analyzer {
    pub fn new(
        scanner: Scanner,
        recognisers: Vec<Box<dyn Recogniser>>,
        roles: RoleCues,
        settings: AnalyzerSettings,
        allow: AllowList,
    ) -> Self {
        Self { scanner, recognisers, roles, settings, allow }
    }

    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    pub fn settings(&self) -> &AnalyzerSettings {
        &self.settings
    }

    /// Every entity type some recogniser of this analyzer can produce.
    pub fn entity_types(&self) -> Vec<EntityType> {
        let mut types: Vec<EntityType> =
            self.recognisers.iter().flat_map(|r| r.entity_types().iter().copied()).collect();
        types.sort();
        types.dedup();
        types
    }

    /// Analyses `text`: one scan, all recognisers, then resolution.
    pub fn analyze<'t>(&'t self, text: &'t str, input: &RecogniseInput<'_>) -> Analysis<'t> {
        let scan = self.scanner.scan(text);
        let mut candidates = Vec::new();
        for recogniser in &self.recognisers {
            recogniser.recognise(&scan, input, &mut candidates);
        }
        debug_assert!(candidates.iter().all(|c| is_valid_span(text, c.span)), "recogniser produced a bad span");
        candidates.retain(|c| is_valid_span(text, c.span));

        for candidate in &mut candidates {
            if let Some(context) = candidate.context
                && scan.has_context(
                    context,
                    candidate.span,
                    self.settings.context_words_before,
                    self.settings.context_words_after,
                )
            {
                candidate.score = (candidate.score + self.settings.context_boost).min(1.0);
            }
        }
        candidates.retain(|c| c.score >= self.settings.min_score);
        candidates.retain(|c| !self.allow.contains(c.entity_type, &text[c.span.start..c.span.end]));

        let mut entities = resolve_overlaps(candidates);
        self.roles.assign(&scan, input, &mut entities);
        for entity in &mut entities {
            if entity.entity_type == EntityType::Person
                && entity.role != super::entity::Role::Author
                && self.allow.is_staff(entity.value(text))
            {
                entity.role = super::entity::Role::Staff;
            }
        }
        Analysis { scan, entities, language: input.language, risk: OnceLock::new() }
    }
}

fn is_valid_span(text: &str, span: ByteSpan) -> bool {
    span.start < span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Keeps a set of non-overlapping candidates: a higher score wins, then a longer span, then
/// the earlier start, then the entity type's declaration order (so the result is
/// deterministic). Returns entities ordered by start.
pub fn resolve_overlaps(mut candidates: Vec<Candidate>) -> Vec<Entity> {
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.span.len().cmp(&a.span.len()))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.entity_type.cmp(&b.entity_type))
    });
    let mut kept: Vec<Entity> = Vec::with_capacity(candidates.len());
    for c in candidates {
        // `kept` is sorted by start: find the neighbours of `c` and test only those.
        let at = kept.partition_point(|e| e.span.start < c.span.start);
        let clashes_before = at > 0 && kept[at - 1].span.overlaps(&c.span);
        let clashes_after = kept.get(at).is_some_and(|e| e.span.overlaps(&c.span));
        if clashes_before || clashes_after {
            continue;
        }
        kept.insert(
            at,
            Entity { span: c.span, entity_type: c.entity_type, score: c.score, role: c.role, recogniser: c.recogniser },
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(start: usize, end: usize, ty: EntityType, score: f32) -> Candidate {
        Candidate::new(ByteSpan::new(start, end), ty, score, "test")
    }

    #[test]
    fn higher_score_then_longer_span_wins() {
        let kept = resolve_overlaps(vec![
            cand(0, 10, EntityType::UkPassport, 0.4),
            cand(0, 10, EntityType::ItPassport, 0.75),
            cand(5, 20, EntityType::PhoneNumber, 0.75),
            cand(30, 35, EntityType::Person, 0.6),
            cand(30, 40, EntityType::Person, 0.6),
        ]);
        let got: Vec<(usize, usize, EntityType)> =
            kept.iter().map(|e| (e.span.start, e.span.end, e.entity_type)).collect();
        assert_eq!(got, [(5, 20, EntityType::PhoneNumber), (30, 40, EntityType::Person)]);
    }

    #[test]
    fn staff_names_match_by_words() {
        let allow = AllowList::default().with_staff_names(["Chiara Marino".to_owned()]);
        assert!(allow.is_staff("Chiara Marino") && allow.is_staff("Marino"));
        assert!(!allow.is_staff("Chiara Rossi"));
    }

    #[test]
    fn allow_list_matches_normalised_values_and_phone_tails() {
        let allow = AllowList::new(["reception@clinic.it", "+39 02 1234 5678"]);
        assert!(allow.contains(EntityType::EmailAddress, "Reception@Clinic.it"));
        assert!(allow.contains(EntityType::PhoneNumber, "02 1234 5678"));
        assert!(!allow.contains(EntityType::PhoneNumber, "02 1234 5679"));
    }
}

//! The detectors rules can name in a policy (`detector = "..."`), each with its parameters.
//! One file per family of detectors; this file is the registry and the shared parts: named
//! cues (a policy's lexicon terms and regex patterns, registered once with the shared
//! scanner) and matchers (cues and entities, found near each other).

mod cues;
mod identifiers;
mod media;
mod platform;
mod quasi;

use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};

use serde::Deserialize;

use super::{Detector, RuleInput};
use crate::engine::entity::{ByteSpan, EntityType, Role, intern};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::{char_at, char_before, is_word_char};
use crate::engine::verdict::FindingSpan;

/// Names a policy may use in `detector = "..."`.
pub const DETECTOR_KINDS: &[&str] =
    &["identifier_with_health", "patient_identifier", "cues", "clinical_media", "platform_limit", "quasi_identifier"];

/// A detector name or its parameters are wrong.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    #[error("unknown detector {0:?} (known: {known})", known = DETECTOR_KINDS.join(", "))]
    Unknown(String),
    #[error("invalid parameters: {0}")]
    Params(String),
    #[error("{reason}")]
    Param { name: String, reason: String },
    #[error("unknown entity type {0:?} in parameters")]
    EntityType(String),
    #[error("no lexicon or patterns named {0:?} in the policy")]
    UnknownCue(String),
}

/// Builds the detector `kind` from its policy parameters, registering the cues it needs.
pub fn build_detector(
    kind: &str,
    params: toml::Table,
    builder: &mut DetectorBuilder<'_>,
) -> Result<Box<dyn Detector>, DetectorError> {
    match kind {
        "identifier_with_health" => identifiers::build(params, builder, true),
        "patient_identifier" => identifiers::build(params, builder, false),
        "cues" => cues::build(params, builder),
        "clinical_media" => media::build(params, builder),
        "platform_limit" => platform::build(params),
        "quasi_identifier" => quasi::build(params),
        other => Err(DetectorError::Unknown(other.to_owned())),
    }
}

/// What detectors register with while a policy compiles: the shared scanner (through
/// `Deref`) plus the policy's named lexicons and patterns, each registered once however many
/// rules use it.
pub struct DetectorBuilder<'a> {
    scanner: &'a mut ScannerBuilder,
    lexicons: &'a BTreeMap<String, Vec<String>>,
    patterns: &'a BTreeMap<String, Vec<String>>,
    cues: HashMap<String, Cue>,
}

impl<'a> DetectorBuilder<'a> {
    pub fn new(
        scanner: &'a mut ScannerBuilder,
        lexicons: &'a BTreeMap<String, Vec<String>>,
        patterns: &'a BTreeMap<String, Vec<String>>,
    ) -> Self {
        Self { scanner, lexicons, patterns, cues: HashMap::new() }
    }

    /// The cue `name`: the terms of `lexicons.NAME` and the patterns of `patterns.NAME`.
    pub fn cue(&mut self, name: &str) -> Result<Cue, DetectorError> {
        if let Some(cue) = self.cues.get(name) {
            return Ok(cue.clone());
        }
        let terms = self.lexicons.get(name);
        let patterns = self.patterns.get(name);
        if terms.is_none() && patterns.is_none() {
            return Err(DetectorError::UnknownCue(name.to_owned()));
        }
        let lexicon = terms.map(|terms| {
            let id = self.scanner.lexicon(&format!("cue.{name}"));
            for (i, term) in terms.iter().enumerate() {
                self.scanner.term(id, term, i as u32);
            }
            id
        });
        let patterns = patterns.map(|ps| ps.iter().map(|p| self.scanner.pattern(p)).collect()).unwrap_or_default();
        let cue = Cue { name: intern(name), lexicon, patterns };
        self.cues.insert(name.to_owned(), cue.clone());
        Ok(cue)
    }

    fn cues(&mut self, names: &[String]) -> Result<Vec<Cue>, DetectorError> {
        names.iter().map(|n| self.cue(n)).collect()
    }
}

impl Deref for DetectorBuilder<'_> {
    type Target = ScannerBuilder;
    fn deref(&self) -> &ScannerBuilder {
        self.scanner
    }
}

impl DerefMut for DetectorBuilder<'_> {
    fn deref_mut(&mut self) -> &mut ScannerBuilder {
        self.scanner
    }
}

/// A named cue registered with the scanner: lexicon terms (whole words, case-insensitive)
/// and regex patterns.
#[derive(Debug, Clone)]
pub struct Cue {
    pub name: &'static str,
    lexicon: Option<LexiconId>,
    patterns: Vec<PatternId>,
}

impl Cue {
    /// Every place the cue occurs in the scanned text, in no particular order. Pattern
    /// matches that start or end inside a word are not counted.
    pub fn spans(&self, scan: &Scan<'_>, out: &mut Vec<ByteSpan>) {
        if let Some(lexicon) = self.lexicon {
            out.extend(scan.hits(lexicon).iter().map(|h| h.span));
        }
        for &pattern in &self.patterns {
            for span in scan.spans(pattern) {
                if span.start == span.end || !clean_edges(scan.text, span.start, span.end) {
                    continue;
                }
                out.push(span);
            }
        }
    }
}

/// A match that begins (ends) with a word character must not continue a word before (after).
fn clean_edges(text: &str, start: usize, end: usize) -> bool {
    let splits_word_before =
        char_at(text, start).is_some_and(is_word_char) && char_before(text, start).is_some_and(is_word_char);
    let splits_word_after =
        char_before(text, end).is_some_and(is_word_char) && char_at(text, end).is_some_and(is_word_char);
    !splits_word_before && !splits_word_after
}

/// Roles a matcher accepts for person entities, by policy name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RoleFilter {
    Any,
    Protected,
    Only(Vec<Role>),
}

pub(crate) fn role_filter(names: &[String]) -> Result<RoleFilter, DetectorError> {
    if names.is_empty() || names.iter().any(|n| n == "any") {
        return Ok(RoleFilter::Any);
    }
    if names.len() == 1 && names[0] == "protected" {
        return Ok(RoleFilter::Protected);
    }
    let mut roles = Vec::new();
    for name in names {
        roles.push(match name.as_str() {
            "unknown" => Role::Unknown,
            "patient" => Role::Patient,
            "author" => Role::Author,
            "staff" => Role::Staff,
            "organisation" => Role::Organisation,
            "other" => Role::Other,
            other => {
                return Err(DetectorError::Param {
                    name: "roles".into(),
                    reason: format!(
                        "unknown role {other:?} (any, protected, unknown, patient, author, staff, organisation, other)"
                    ),
                });
            }
        });
    }
    Ok(RoleFilter::Only(roles))
}

impl RoleFilter {
    pub(crate) fn accepts(&self, role: Role) -> bool {
        match self {
            RoleFilter::Any => true,
            RoleFilter::Protected => role.is_protected(),
            RoleFilter::Only(roles) => roles.contains(&role),
        }
    }
}

/// A matcher as a policy writes it: cues and entity types, optionally only near the anchor.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MatcherParams {
    /// Cue names (lexicons and patterns of the policy).
    pub cues: Vec<String>,
    /// Entity types.
    pub entities: Vec<String>,
    /// Roles accepted for entities (default: any).
    pub roles: Vec<String>,
    /// At most this many words between the anchor and the match, on either side.
    pub window: Option<usize>,
    /// Only before the anchor, at most this many words away.
    pub before: Option<usize>,
    /// Only after the anchor, at most this many words away.
    pub after: Option<usize>,
}

/// Cues and entities that occur somewhere (or near something).
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    cues: Vec<Cue>,
    entities: Vec<EntityType>,
    roles: RoleFilter,
    before: Option<usize>,
    after: Option<usize>,
    one_sided: bool,
}

impl Matcher {
    pub(crate) fn build(
        params: &MatcherParams,
        builder: &mut DetectorBuilder<'_>,
        default_window: Option<usize>,
    ) -> Result<Self, DetectorError> {
        if params.cues.is_empty() && params.entities.is_empty() {
            return Err(DetectorError::Params("a matcher needs cues or entities".into()));
        }
        let window = params.window.or(default_window);
        // With `before` or `after` given, a side left unset is closed; otherwise `window`
        // (or no limit) applies to both sides.
        let (before, after, one_sided) = match (params.before, params.after) {
            (None, None) => (window, window, false),
            (before, after) => (before, after, true),
        };
        Ok(Self {
            cues: builder.cues(&params.cues)?,
            entities: entity_types(&params.entities)?,
            roles: role_filter(&params.roles)?,
            before,
            after,
            one_sided,
        })
    }

    /// Every hit in the input.
    pub(crate) fn hits(&self, input: &RuleInput<'_, '_>) -> Vec<FindingSpan> {
        let scan = &input.analysis.scan;
        let mut out = Vec::new();
        let mut spans = Vec::new();
        for cue in &self.cues {
            spans.clear();
            cue.spans(scan, &mut spans);
            out.extend(spans.iter().map(|&span| FindingSpan { span, entity_type: None, cue: cue.name, score: 1.0 }));
        }
        // Overlapping phrases of a cue ("a nome", "a nome della clinica") are one hit: keep the
        // longest.
        out.sort_by_key(|s| (s.span.start, std::cmp::Reverse(s.span.end)));
        let mut kept: Vec<FindingSpan> = Vec::with_capacity(out.len());
        for hit in out.drain(..) {
            match kept.last_mut() {
                Some(last) if last.span.overlaps(&hit.span) => {
                    if hit.span.len() > last.span.len() {
                        *last = hit;
                    }
                }
                _ => kept.push(hit),
            }
        }
        out = kept;
        for e in &input.analysis.entities {
            if self.entities.contains(&e.entity_type) && self.roles.accepts(e.role) {
                out.push(identifiers::span_of(e));
            }
        }
        out.sort_by_key(|s| (s.span.start, s.span.end));
        out
    }

    /// The hit nearest to `anchor` within this matcher's limits, if any.
    pub(crate) fn near<'h>(
        &self,
        scan: &Scan<'_>,
        anchor: ByteSpan,
        hits: &'h [FindingSpan],
    ) -> Option<&'h FindingSpan> {
        hits.iter()
            .filter_map(|h| {
                let d = word_distance(scan, anchor, h.span);
                let ok = match d {
                    // Inside the anchor ("non" in "non sopporto") is not before or after it.
                    Distance::Overlap => !self.one_sided,
                    Distance::Before(n) => self.one_sided_or(self.before, n),
                    Distance::After(n) => self.one_sided_or(self.after, n),
                };
                ok.then_some((d.words(), h))
            })
            .min_by_key(|(d, _)| *d)
            .map(|(_, h)| h)
    }

    fn one_sided_or(&self, limit: Option<usize>, words: usize) -> bool {
        match limit {
            Some(max) => words <= max,
            // No limit on this side: anywhere, unless only the other side was allowed.
            None => !self.one_sided,
        }
    }
}

/// Where a hit is relative to an anchor, in words between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Distance {
    Overlap,
    Before(usize),
    After(usize),
}

impl Distance {
    fn words(self) -> usize {
        match self {
            Distance::Overlap => 0,
            Distance::Before(n) | Distance::After(n) => n,
        }
    }
}

/// How many words lie strictly between `anchor` and `hit`.
pub(crate) fn word_distance(scan: &Scan<'_>, anchor: ByteSpan, hit: ByteSpan) -> Distance {
    if anchor.overlaps(&hit) || anchor == hit {
        return Distance::Overlap;
    }
    let tokens = &scan.tokens;
    let first = |s: ByteSpan| tokens.partition_point(|t| t.end <= s.start);
    let after_last = |s: ByteSpan| tokens.partition_point(|t| t.start < s.end);
    if hit.end <= anchor.start {
        Distance::Before(first(anchor).saturating_sub(after_last(hit)))
    } else {
        Distance::After(first(hit).saturating_sub(after_last(anchor)))
    }
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(params: toml::Table) -> Result<T, DetectorError> {
    toml::Value::Table(params).try_into().map_err(|e: toml::de::Error| DetectorError::Params(e.message().to_owned()))
}

pub(crate) fn entity_types(names: &[String]) -> Result<Vec<EntityType>, DetectorError> {
    names.iter().map(|n| EntityType::custom(n).map_err(|_| DetectorError::EntityType(n.clone()))).collect()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs a detector over a text analysed by the default recognisers (plus entities the test
    //! adds by hand, for types other issues' recognisers produce).
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
    use crate::engine::context::{Language, PostContext};
    use crate::engine::entity::Entity;
    use crate::engine::recogniser::RecogniseInput;
    use crate::engine::recognisers::{self, LexiconAdditions};
    use crate::engine::roles::RoleCues;
    use crate::engine::rules::Detection;

    pub struct Harness {
        analyzer: Analyzer,
        detector: Box<dyn Detector>,
    }

    impl Harness {
        /// `params` is the TOML of the rule's `params` table; `lexicons`/`patterns` define cues.
        pub fn new(kind: &str, params: &str, lexicons: &[(&str, &[&str])], patterns: &[(&str, &[&str])]) -> Self {
            let lexicons: BTreeMap<String, Vec<String>> =
                lexicons.iter().map(|(n, t)| (n.to_string(), t.iter().map(|s| s.to_string()).collect())).collect();
            let patterns: BTreeMap<String, Vec<String>> =
                patterns.iter().map(|(n, t)| (n.to_string(), t.iter().map(|s| s.to_string()).collect())).collect();
            let mut scanner = ScannerBuilder::new();
            let recognisers = recognisers::built_in(&mut scanner, &LexiconAdditions::default()).unwrap();
            let roles = RoleCues::register(&mut scanner);
            let params: toml::Table = toml::from_str(params).unwrap();
            let detector = {
                let mut builder = DetectorBuilder::new(&mut scanner, &lexicons, &patterns);
                build_detector(kind, params, &mut builder).unwrap()
            };
            let analyzer = Analyzer::new(
                scanner.build().unwrap(),
                recognisers,
                roles,
                AnalyzerSettings::default(),
                AllowList::default(),
            );
            Self { analyzer, detector }
        }

        /// Runs the detector; `extra` entities (type, text, role) are added to what the
        /// recognisers found.
        pub fn detect(
            &self,
            text: &str,
            context: &PostContext,
            extra: &[(EntityType, &str, Role)],
        ) -> Option<Detection> {
            let input = RecogniseInput { language: Language::English, author_name: None };
            let mut analysis = self.analyzer.analyze(text, &input);
            for (ty, value, role) in extra {
                let start = text.find(value).expect("entity text in the text");
                // The extra entity stands in for whatever the recognisers found there, so a
                // test controls the type and role of that span.
                let span = ByteSpan::new(start, start + value.len());
                analysis.entities.retain(|e| e.span.end <= span.start || e.span.start >= span.end);
                analysis.entities.push(Entity { span, entity_type: *ty, score: 0.9, role: *role, recogniser: "test" });
            }
            analysis.entities.sort_by_key(|e| e.span.start);
            self.detector.detect(&RuleInput { analysis: &analysis, context })
        }

        /// The texts of the spans of a detection.
        pub fn spans(&self, text: &str, context: &PostContext) -> Vec<String> {
            let mut spans = self.detect(text, context, &[]).map(|d| d.spans).unwrap_or_default();
            spans.sort_by_key(|s| (s.span.start, s.span.end));
            spans.dedup_by_key(|s| s.span);
            spans.iter().map(|s| text[s.span.start..s.span.end].to_owned()).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::Harness;
    use crate::engine::context::PostContext;

    #[test]
    fn unknown_cues_and_detectors_are_errors() {
        let mut scanner = super::ScannerBuilder::new();
        let empty = Default::default();
        let mut builder = super::DetectorBuilder::new(&mut scanner, &empty, &empty);
        let err = super::build_detector("nope", Default::default(), &mut builder).unwrap_err();
        assert!(err.to_string().contains("unknown detector"));
        let params: toml::Table = toml::from_str("anchor = { cues = [\"missing\"] }").unwrap();
        let err = super::build_detector("cues", params, &mut builder).unwrap_err();
        assert!(err.to_string().contains("\"missing\""), "{err}");
    }

    #[test]
    fn pattern_cues_ignore_matches_inside_words() {
        let h = Harness::new("cues", "anchor = { cues = [\"dose\"] }", &[], &[("dose", &[r"(?i)\d+\s?mg"])]);
        let ctx = PostContext::default();
        assert_eq!(h.spans("take 500mg now", &ctx), ["500mg"]);
        assert!(h.spans("code A500mgX", &ctx).is_empty());
    }
}

//! The `Recogniser` trait: one kind of entity knowledge (a pattern with its checksum, a
//! lexicon with its morphology, a heuristic) turned into scored candidate spans.

use super::context::Language;
use super::entity::{ByteSpan, EntityType, Role};
use super::scan::{LexiconId, Scan};

/// A span a recogniser proposes, before context enhancement and overlap resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub span: ByteSpan,
    pub entity_type: EntityType,
    /// Confidence before context, in `[0, 1]`.
    pub score: f32,
    /// Context words that raise the score when found near the span (Presidio's context
    /// enhancement, but whole-word and multi-word).
    pub context: Option<LexiconId>,
    /// What the recogniser already knows about a person's role.
    pub role: Role,
    pub recogniser: &'static str,
}

impl Candidate {
    pub fn new(span: ByteSpan, entity_type: EntityType, score: f32, recogniser: &'static str) -> Self {
        Self { span, entity_type, score, context: None, role: Role::Unknown, recogniser }
    }

    pub fn with_context(mut self, context: LexiconId) -> Self {
        self.context = Some(context);
        self
    }

    pub fn with_role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }
}

/// What a recogniser may know about the request besides the text.
#[derive(Debug, Clone, Copy)]
pub struct RecogniseInput<'a> {
    pub language: Language,
    /// The writer's own name, when the caller gave it.
    pub author_name: Option<&'a str>,
}

/// A source of entity candidates. Recognisers register their patterns and lexicons with the
/// policy's [`super::scan::ScannerBuilder`] when they are built, and read the shared scan when
/// called, so adding a recogniser adds no pass over the text.
pub trait Recogniser: Send + Sync {
    /// A stable name, used in explanations and tests (e.g. `"fiscal_code"`).
    fn name(&self) -> &'static str;

    /// The entity types this recogniser can produce.
    fn entity_types(&self) -> &[EntityType];

    /// Appends candidates found in `scan` to `out`. Must not panic on any input.
    fn recognise(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, out: &mut Vec<Candidate>);
}

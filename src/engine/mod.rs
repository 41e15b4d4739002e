//! The rule engine, independent of gRPC: recognisers find entities in one shared scan,
//! rules turn entities plus the request context into findings, and the verdict is the most
//! severe finding. Usable as a library and from the CLI.
//!
//! Data flow of a check: [`scan`] (one `RegexSet` pass + one Aho-Corasick pass) →
//! [`recognisers`] (candidates) → [`analyzer`] (context boost, threshold, allow-list, overlap
//! resolution, [`roles`]) → [`rules`] (findings) → [`verdict`].

pub mod analyzer;
pub mod context;
pub mod entity;
pub mod language;
pub mod recogniser;
pub mod recognisers;
pub mod risk;
pub mod roles;
pub mod rules;
pub mod scan;
pub mod text;
pub mod verdict;

use analyzer::{Analysis, Analyzer};
use context::{Language, PostContext};
use recogniser::RecogniseInput;
use rules::RuleSet;
use verdict::{Finding, Verdict};

/// A compiled analyzer and rule set: immutable, shared by all requests of a policy.
#[derive(Debug)]
pub struct Engine {
    analyzer: Analyzer,
    rules: RuleSet,
    default_language: Language,
}

/// The result of checking one text.
pub struct CheckOutcome<'t> {
    pub verdict: Verdict,
    /// Most severe first.
    pub findings: Vec<Finding>,
    pub analysis: Analysis<'t>,
    pub reidentification_risk: f32,
    /// The language messages were written in.
    pub locale: Language,
}

impl Engine {
    pub fn new(analyzer: Analyzer, rules: RuleSet, default_language: Language) -> Self {
        Self { analyzer, rules, default_language }
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The text's language: `given`, or detected.
    pub fn language_of(&self, text: &str, given: Option<Language>) -> Language {
        given.unwrap_or_else(|| language::detect(text, self.default_language))
    }

    /// Finds entities in `text`.
    pub fn analyze<'t>(&'t self, text: &'t str, language: Option<Language>, author_name: Option<&str>) -> Analysis<'t> {
        let language = self.language_of(text, language);
        let input = RecogniseInput { language, author_name };
        self.analyzer.analyze(text, &input)
    }

    /// Checks `text` published in `context`.
    pub fn check<'t>(&'t self, text: &'t str, context: &PostContext) -> CheckOutcome<'t> {
        let analysis = self.analyze(text, context.language, context.author_name.as_deref());
        let locale = context.locale.unwrap_or(analysis.language);
        let findings = self.rules.evaluate(&analysis, context, locale);
        let verdict = verdict::verdict_of(&findings);
        let reidentification_risk = risk::reidentification_risk(&analysis);
        CheckOutcome { verdict, findings, analysis, reidentification_risk, locale }
    }
}

//! The built-in recognisers. Each file is one recogniser with its own unit tests; add a new
//! one by writing a type that implements [`Recogniser`](super::recogniser::Recogniser) and
//! listing it in [`built_in`].

pub mod age;
pub mod context_clues;
pub mod custom;
pub mod email;
pub mod fiscal_code;
pub mod gazetteer;
pub mod health;
pub mod iban;
pub mod location;
pub mod occupation;
pub mod person;
pub mod phone;

use super::recogniser::Recogniser;
use super::scan::ScannerBuilder;

/// What a policy adds to the built-in recognisers: lexicon entries and its own patterns.
#[derive(Debug, Clone, Default)]
pub struct LexiconAdditions {
    pub treatments: Vec<String>,
    pub health_conditions: Vec<String>,
    pub custom_patterns: Vec<custom::CustomPatternSpec>,
}

/// Builds every built-in recogniser plus the policy's custom patterns, registering their
/// patterns and lexicons with `builder`.
pub fn built_in(
    builder: &mut ScannerBuilder,
    additions: &LexiconAdditions,
) -> Result<Vec<Box<dyn Recogniser>>, custom::CustomPatternError> {
    let mut recognisers: Vec<Box<dyn Recogniser>> = vec![
        Box::new(email::EmailRecogniser::new(builder)),
        Box::new(phone::PhoneRecogniser::new(builder)),
        Box::new(fiscal_code::FiscalCodeRecogniser::new(builder)),
        Box::new(iban::IbanRecogniser::new(builder)),
        Box::new(person::PersonRecogniser::new(builder)),
        Box::new(health::HealthLexiconRecogniser::new(
            builder,
            additions.treatments.iter().map(String::as_str),
            additions.health_conditions.iter().map(String::as_str),
        )),
        Box::new(age::AgeRecogniser::new(builder)),
        Box::new(location::LocationRecogniser::new(builder)),
        Box::new(occupation::OccupationRecogniser::new(builder)),
        Box::new(context_clues::ContextClueRecogniser::new(builder)),
    ];
    for spec in &additions.custom_patterns {
        recognisers.push(Box::new(custom::CustomPatternRecogniser::new(builder, spec)?));
    }
    Ok(recognisers)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
    use crate::engine::context::Language;
    use crate::engine::recogniser::{RecogniseInput, Recogniser};
    use crate::engine::roles::RoleCues;
    use crate::engine::scan::ScannerBuilder;

    /// Runs one recogniser through a real analyzer (context, threshold, overlaps) and returns
    /// the values it reports, in text order.
    pub fn found(make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>, text: &str) -> Vec<String> {
        found_in(Language::English, make, text)
    }

    /// [`found`] for a text in `language`.
    pub fn found_in(
        language: Language,
        make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>,
        text: &str,
    ) -> Vec<String> {
        let mut builder = ScannerBuilder::new();
        let recogniser = make(&mut builder);
        let roles = RoleCues::register(&mut builder);
        let analyzer = Analyzer::new(
            builder.build().unwrap(),
            vec![recogniser],
            roles,
            AnalyzerSettings::default(),
            AllowList::default(),
        );
        let input = RecogniseInput { language, author_name: None };
        let analysis = analyzer.analyze(text, &input);
        analysis.entities.iter().map(|e| e.value(text).to_owned()).collect()
    }
}

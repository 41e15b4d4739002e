//! The built-in recognisers. Each file is one recogniser with its own unit tests; add a new
//! one by writing a type that implements [`Recogniser`](super::recogniser::Recogniser) and
//! listing it in [`built_in`].

pub mod age;
pub mod compact;
pub mod context_clues;
pub mod credit_card;
pub mod custom;
pub mod date;
pub mod driving_licences;
pub mod email;
pub mod fiscal_code;
pub mod gazetteer;
pub mod health;
pub mod health_card;
pub mod iban;
pub mod id_documents;
pub mod labels;
pub mod location;
pub mod medical_record;
pub mod network;
pub mod occupation;
pub mod person;
pub mod phone;
pub mod phone_ranges;
pub mod uk_nhs;
pub mod uk_nino;
pub mod uk_postcode;
pub mod vat_code;
pub mod word_set;

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
        Box::new(vat_code::VatCodeRecogniser::new(builder)),
        Box::new(health_card::HealthCardRecogniser::new(builder)),
        Box::new(id_documents::IdDocumentRecogniser::new(builder)),
        Box::new(driving_licences::DrivingLicenceRecogniser::new(builder)),
        Box::new(credit_card::CreditCardRecogniser::new(builder)),
        Box::new(network::NetworkRecogniser::new(builder)),
        Box::new(uk_nhs::NhsNumberRecogniser::new(builder)),
        Box::new(uk_nino::NinoRecogniser::new(builder)),
        Box::new(uk_postcode::PostcodeRecogniser::new(builder)),
        Box::new(date::DateRecogniser::new(builder)),
    ];
    for spec in medical_record::built_in_specs().iter().chain(&additions.custom_patterns) {
        recognisers.push(Box::new(custom::CustomPatternRecogniser::new(builder, spec)?));
    }
    Ok(recognisers)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
    use crate::engine::context::Language;
    use crate::engine::entity::{Entity, EntityType};
    use crate::engine::recogniser::{RecogniseInput, Recogniser};
    use crate::engine::roles::RoleCues;
    use crate::engine::scan::ScannerBuilder;

    /// Runs one recogniser through a real analyzer (context, threshold, overlaps) and returns
    /// the values it reports, in text order.
    pub fn found(make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>, text: &str) -> Vec<String> {
        found_entities(make, text).iter().map(|e| e.value(text).to_owned()).collect()
    }

    /// [`found`] for a text in `language`.
    pub fn found_in(
        language: Language,
        make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>,
        text: &str,
    ) -> Vec<String> {
        entities_in(make, text, language).iter().map(|e| e.value(text).to_owned()).collect()
    }

    /// Like [`found`], with each value's entity type.
    pub fn found_typed(
        make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>,
        text: &str,
    ) -> Vec<(String, EntityType)> {
        found_typed_in(make, text, Language::English)
    }

    /// Like [`found_typed`], for a text in `language`.
    pub fn found_typed_in(
        make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>,
        text: &str,
        language: Language,
    ) -> Vec<(String, EntityType)> {
        entities_in(make, text, language).iter().map(|e| (e.value(text).to_owned(), e.entity_type)).collect()
    }

    /// The entities one recogniser yields through a real analyzer, for an English text.
    pub fn found_entities(make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>, text: &str) -> Vec<Entity> {
        entities_in(make, text, Language::English)
    }

    fn entities_in(
        make: impl FnOnce(&mut ScannerBuilder) -> Box<dyn Recogniser>,
        text: &str,
        language: Language,
    ) -> Vec<Entity> {
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
        analyzer.analyze(text, &input).entities
    }
}

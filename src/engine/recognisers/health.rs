//! `HEALTH_CONDITION` and `TREATMENT`: whole-word lexicon matches in Italian and English,
//! with word-prefix entries for inflected forms. The lexicons live in `lexicons/` as plain
//! text so a compliance officer can read them; a policy can add entries.

use crate::engine::entity::EntityType;
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, Scan, ScannerBuilder};

/// The built-in treatment lexicon.
pub const TREATMENTS: &str = include_str!("lexicons/treatments.txt");
/// The built-in health-condition lexicon.
pub const HEALTH_CONDITIONS: &str = include_str!("lexicons/health_conditions.txt");

/// Terms of a lexicon file: one per line, `#` starts a comment line.
pub fn lexicon_terms(source: &str) -> impl Iterator<Item = &str> {
    source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

pub struct HealthLexiconRecogniser {
    treatments: LexiconId,
    conditions: LexiconId,
}

impl HealthLexiconRecogniser {
    /// Registers the built-in lexicons plus `extra_treatments` and `extra_conditions`.
    pub fn new<'a>(
        builder: &mut ScannerBuilder,
        extra_treatments: impl IntoIterator<Item = &'a str>,
        extra_conditions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let treatments = builder.lexicon("entity.treatment");
        for term in lexicon_terms(TREATMENTS).chain(extra_treatments) {
            builder.term(treatments, term, 0);
        }
        let conditions = builder.lexicon("entity.health_condition");
        for term in lexicon_terms(HEALTH_CONDITIONS).chain(extra_conditions) {
            builder.term(conditions, term, 0);
        }
        Self { treatments, conditions }
    }
}

impl Recogniser for HealthLexiconRecogniser {
    fn name(&self) -> &'static str {
        "health_lexicon"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Treatment, EntityType::HealthCondition]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for (lexicon, entity_type) in
            [(self.treatments, EntityType::Treatment), (self.conditions, EntityType::HealthCondition)]
        {
            for hit in scan.hits(lexicon) {
                out.push(Candidate::new(hit.span, entity_type, 0.8, self.name()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn health(text: &str) -> Vec<String> {
        found(|b| Box::new(HealthLexiconRecogniser::new(b, [], [])), text)
    }

    #[test]
    fn finds_terms_in_both_languages_and_inflections() {
        assert_eq!(health("Due otturazioni e un impianto"), ["otturazioni", "impianto"]);
        assert_eq!(health("Placed two implants after the root canal"), ["implants", "root canal"]);
        assert_eq!(health("È una PULPITE"), ["PULPITE"]);
    }

    #[test]
    fn whole_words_only() {
        assert!(health("crowned champion, decayed? bridges").is_empty());
    }
}

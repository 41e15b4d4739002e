//! Two quasi-identifiers that are phrases, not names: `RELATIVE_TIME` (when the visit was:
//! "stamattina", "ieri", "last Monday", "this week") and `DISTINCTIVE_TRAIT` (what makes
//! someone stand out: "quello coi baffi", "in a wheelchair", "incinta di gemelli", "gioca
//! nella squadra di basket"). A bare weekday ("dal lunedì al venerdì") or "weekend" is not a
//! relative time: opening hours are not a visit.

use crate::engine::entity::EntityType;
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, Scan, ScannerBuilder};

const RELATIVE_TIME: &[&str] = &[
    "oggi",
    "stamattina",
    "stamani",
    "stamane",
    "stasera",
    "stanotte",
    "oggi pomeriggio",
    "questa mattina",
    "questo pomeriggio",
    "questa sera",
    "ieri",
    "ieri sera",
    "ieri mattina",
    "ieri pomeriggio",
    "l'altro ieri",
    "l'altroieri",
    "altroieri",
    "poco fa",
    "la settimana scorsa",
    "questa settimana",
    "settimana scorsa",
    "lo scorso weekend",
    "lo scorso fine settimana",
    "il mese scorso",
    "lunedì scorso",
    "martedì scorso",
    "mercoledì scorso",
    "giovedì scorso",
    "venerdì scorso",
    "sabato scorso",
    "domenica scorsa",
    "today",
    "this morning",
    "this afternoon",
    "this evening",
    "tonight",
    "last night",
    "yesterday",
    "yesterday morning",
    "yesterday afternoon",
    "the other day",
    "earlier today",
    "this week",
    "last week",
    "last weekend",
    "last month",
    "last monday",
    "last tuesday",
    "last wednesday",
    "last thursday",
    "last friday",
    "last saturday",
    "last sunday",
    "on saturday",
    "on sunday",
];

const TRAITS: &[&str] = &[
    "coi baffi",
    "con i baffi",
    "con la barba",
    "col tatuaggio",
    "con il tatuaggio",
    "tatuato",
    "tatuata",
    "dai capelli rossi",
    "coi capelli rossi",
    "con i capelli rossi",
    "in sedia a rotelle",
    "sulla sedia a rotelle",
    "con le stampelle",
    "non vedente",
    "non udente",
    "gemelli",
    "gemelle",
    "incinta di gemelli",
    "trigemini",
    "gioca nella squadra",
    "gioca nella",
    "squadra di basket",
    "squadra di calcio",
    "squadra di pallavolo",
    "squadra di rugby",
    "dell'incidente",
    "incidente sulla",
    "famoso",
    "famosa",
    "il più anziano",
    "la più anziana",
    "il più giovane",
    "la più giovane",
    "with the beard",
    "with a beard",
    "with the moustache",
    "with a moustache",
    "with the tattoo",
    "with the tattoos",
    "tattooed",
    "red hair",
    "red-haired",
    "redhead",
    "in a wheelchair",
    "on crutches",
    "twins",
    "triplets",
    "hearing aid",
    "plays for",
    "football team",
    "rugby team",
    "basketball team",
    "motorway crash",
    "car crash",
    "the accident",
    "famous",
    "the oldest",
    "the youngest",
    "well-known",
    "wonky",
];

pub struct ContextClueRecogniser {
    time: LexiconId,
    traits: LexiconId,
}

impl ContextClueRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let time = builder.lexicon("entity.relative_time");
        for (i, t) in RELATIVE_TIME.iter().enumerate() {
            builder.term(time, t, i as u32);
        }
        let traits = builder.lexicon("entity.distinctive_trait");
        for (i, t) in TRAITS.iter().enumerate() {
            builder.term(traits, t, i as u32);
        }
        Self { time, traits }
    }
}

impl Recogniser for ContextClueRecogniser {
    fn name(&self) -> &'static str {
        "context_clue"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::RelativeTime, EntityType::DistinctiveTrait]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for (lexicon, ty) in [(self.time, EntityType::RelativeTime), (self.traits, EntityType::DistinctiveTrait)] {
            for hit in scan.hits(lexicon) {
                out.push(Candidate::new(hit.span, ty, 0.7, self.name()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn clues(text: &str) -> Vec<String> {
        found(|b| Box::new(ContextClueRecogniser::new(b)), text)
    }

    #[test]
    fn relative_times_in_both_languages() {
        assert_eq!(clues("Stamattina ho estratto un dente"), ["Stamattina"]);
        assert_eq!(clues("after her extraction yesterday"), ["yesterday"]);
        assert_eq!(clues("came back for the third time this week"), ["this week"]);
        assert_eq!(clues("lunedì scorso e last Monday"), ["lunedì scorso", "last Monday"]);
    }

    #[test]
    fn opening_hours_and_weekends_are_not_visits() {
        assert!(clues("Siamo aperti dal lunedì al venerdì dalle 9 alle 19.").is_empty());
        assert!(clues("Weekend hike in the Peak District").is_empty());
    }

    #[test]
    fn distinctive_traits() {
        assert_eq!(clues("quello coi baffi"), ["coi baffi"]);
        assert_eq!(clues("the lady in a wheelchair"), ["in a wheelchair"]);
        assert_eq!(clues("un'insegnante incinta di gemelli"), ["incinta di gemelli"]);
    }
}

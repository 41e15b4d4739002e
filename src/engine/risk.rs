//! Re-identification risk in [0, 1]: how likely a reader who knows the patient's community
//! recognises them.
//!
//! Two parts, combined as independent chances (1 − (1 − a)(1 − b)):
//! - **Direct identifiers** of protected people (names, numbers, handles) almost decide it.
//! - **Quasi-identifiers** (RULES.md §3): an estimated anonymity set k, the number of people
//!   the details fit, as the clinic's catchment (or the named place's population) times the
//!   share of people each detail leaves: an exact age ~1/70, an age band by its share of the
//!   population, an occupation by its rarity, a public role ~1/20,000, a visit time (readers
//!   from the waiting room, family and neighbours know who was in) ~1/20, a distinctive trait
//!   ~1/20, the person's sex 1/2. Risk is 1 / (1 + k/5): about 0.8 when k ≈ 1, 0.5 at k = 5.
//!   It is halved when nothing refers to a specific person, and raised by a quarter when the
//!   text has health content (the stakes, GDPR art. 9).
//!
//! The assessment also says which kinds of detail drove it (types and counts, never values),
//! for the QUASI_IDENTIFIER finding's explanation.

use super::analyzer::Analysis;
use super::context::Language;
use super::entity::{Entity, EntityKind, EntityType};
use super::recognisers::gazetteer::Gazetteer;
use super::recognisers::occupation;
use super::text::{WordTable, word_key};

const DIRECT_WEIGHT: f32 = 0.9;
const HEALTH_FACTOR: f32 = 1.25;
/// People a local clinic's audience is drawn from when the text names no place.
const CATCHMENT: f64 = 50_000.0;
/// k at which the quasi-identifier risk is one half.
const K_HALF: f64 = 5.0;

/// What kind of detail a driver is, with how rare it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    ExactAge,
    AgeBand,
    Village,
    Town,
    City,
    Region,
    Street,
    CommonJob,
    LocalJob,
    PublicRole,
    VisitTime,
    Date,
    Trait,
    Postcode,
}

impl Detail {
    fn label(self, language: Language) -> &'static str {
        let (en, it) = match self {
            Detail::ExactAge => ("exact age", "età esatta"),
            Detail::AgeBand => ("age band", "fascia d'età"),
            Detail::Village => ("village under 5,000", "paese sotto i 5.000 abitanti"),
            Detail::Town => ("town under 50,000", "cittadina sotto i 50.000 abitanti"),
            Detail::City => ("city", "città"),
            Detail::Region => ("region or country", "regione o paese"),
            Detail::Street => ("street or small place", "via o piccola località"),
            Detail::CommonJob => ("common job", "mestiere diffuso"),
            Detail::LocalJob => ("job known locally", "mestiere noto in zona"),
            Detail::PublicRole => ("public role or named employer", "ruolo pubblico o datore di lavoro nominato"),
            Detail::VisitTime => ("time of the visit", "momento della visita"),
            Detail::Date => ("date", "data"),
            Detail::Trait => ("distinctive trait", "tratto distintivo"),
            Detail::Postcode => ("postcode", "codice postale"),
        };
        match language {
            Language::Italian => it,
            Language::English => en,
        }
    }
}

/// One kind of detail that narrowed the anonymity set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Driver {
    pub entity_type: EntityType,
    pub detail: Detail,
    pub count: u32,
}

/// The risk of one text and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskAssessment {
    /// Overall risk in [0, 1] (direct and quasi-identifiers).
    pub score: f32,
    /// The quasi-identifier part alone, in [0, 1], after the health and specific-person factors.
    pub quasi_score: f32,
    /// Estimated number of people the quasi-identifiers fit.
    pub anonymity_set: f64,
    pub drivers: Vec<Driver>,
    pub health: bool,
    /// Whether the text refers to a specific person (a name, "il paziente", "a lady").
    pub specific_person: bool,
    pub sex_known: bool,
}

/// The overall risk (the response's `reidentification_risk`).
pub fn reidentification_risk(analysis: &Analysis<'_>) -> f32 {
    analysis.risk().score
}

/// Assesses one analysed text.
pub fn assess(analysis: &Analysis<'_>) -> RiskAssessment {
    let text = analysis.text();
    let mut keep_anonymous = 1.0f32;
    let mut health = false;
    let mut named_person = false;
    let mut drivers: Vec<Driver> = Vec::new();
    let mut population: Option<f64> = None;
    let mut factor = 1.0f64;
    for entity in &analysis.entities {
        match entity.entity_type.kind() {
            EntityKind::DirectIdentifier if entity.role.is_protected() => {
                keep_anonymous *= 1.0 - DIRECT_WEIGHT * entity.score;
                named_person |= matches!(entity.entity_type, EntityType::Person | EntityType::PersonInitials);
            }
            EntityKind::QuasiIdentifier => {
                let (detail, share, place) = quasi_detail(text, entity);
                if let Some(p) = place {
                    population = Some(population.map_or(p, |q: f64| q.min(p)));
                }
                factor *= share;
                match drivers.iter_mut().find(|d| d.entity_type == entity.entity_type && d.detail == detail) {
                    Some(d) => d.count += 1,
                    None => drivers.push(Driver { entity_type: entity.entity_type, detail, count: 1 }),
                }
            }
            EntityKind::Health => health = true,
            _ => {}
        }
    }
    let direct = 1.0 - keep_anonymous;
    let direct = if health { direct * HEALTH_FACTOR } else { direct }.clamp(0.0, 1.0);

    let (specific_cue, sex_known) = person_cues(analysis);
    let specific_person = specific_cue || named_person;
    let sex_factor = if sex_known { 0.5 } else { 1.0 };
    let anonymity_set = population.unwrap_or(CATCHMENT) * factor * sex_factor;
    let quasi_score = if drivers.is_empty() {
        0.0
    } else {
        let raw = (1.0 / (1.0 + anonymity_set / K_HALF)) as f32;
        let raw = if specific_person { raw } else { raw * 0.5 };
        (if health { raw * HEALTH_FACTOR } else { raw }).clamp(0.0, 1.0)
    };
    drivers.sort_by_key(|d| (d.entity_type, d.detail));
    let score = (1.0 - (1.0 - direct) * (1.0 - quasi_score)).clamp(0.0, 1.0);
    RiskAssessment { score, quasi_score, anonymity_set, drivers, health, specific_person, sex_known }
}

/// What a quasi-identifier says: its kind, the share of people it leaves, and (for a place)
/// the population it narrows the catchment to.
fn quasi_detail(text: &str, entity: &Entity) -> (Detail, f64, Option<f64>) {
    let value = entity.value(text);
    match entity.entity_type {
        EntityType::Age => age_detail(value),
        EntityType::Location => {
            let mut folded = String::new();
            super::text::fold_case(value, &mut folded);
            match Gazetteer::get().population(&folded) {
                Some(0) => (Detail::Region, 1.0, None),
                Some(p) if p < 5_000 => (Detail::Village, 1.0, Some(f64::from(p.max(200)))),
                Some(p) if p < 50_000 => (Detail::Town, 1.0, Some(f64::from(p))),
                Some(p) => (Detail::City, 1.0, Some(f64::from(p).min(CATCHMENT * 4.0))),
                // A street, a square or a place no list has: small.
                None => (Detail::Street, 1.0, Some(2_000.0)),
            }
        }
        EntityType::Occupation => match occupation::rarity(text, entity.span) {
            3 => (Detail::PublicRole, 1.0 / 20_000.0, None),
            2 => (Detail::LocalJob, 1.0 / 300.0, None),
            _ => (Detail::CommonJob, 1.0 / 30.0, None),
        },
        EntityType::RelativeTime => (Detail::VisitTime, 1.0 / 20.0, None),
        EntityType::DateTime => (Detail::Date, 1.0 / 20.0, None),
        EntityType::DistinctiveTrait => (Detail::Trait, 1.0 / 20.0, None),
        EntityType::UkPostcode => (Detail::Postcode, 1.0, Some(40.0)),
        _ => (Detail::Trait, 1.0 / 5.0, None),
    }
}

/// An exact age leaves ~1/70 of people; a band its share of the population.
fn age_detail(value: &str) -> (Detail, f64, Option<f64>) {
    let lower = value.to_lowercase();
    let decade = |d: u32| -> f64 {
        match d {
            0..=69 => 0.12,
            70 => 0.09,
            80 => 0.04,
            _ => 0.008,
        }
    };
    let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
    let number = digits.parse::<u32>().ok();
    let band_words = [
        ("twent", 20),
        ("thirt", 30),
        ("fort", 40),
        ("fift", 50),
        ("sixt", 60),
        ("sevent", 70),
        ("eight", 80),
        ("ninet", 90),
        ("trent", 30),
        ("quarant", 40),
        ("cinquant", 50),
        ("sessant", 60),
        ("settant", 70),
        ("ottant", 80),
        ("novant", 90),
        ("centenar", 100),
        ("octogen", 80),
        ("nonagen", 90),
        ("septuagen", 70),
    ];
    let is_band = lower.ends_with("0s") || lower.ends_with("0's") || lower.contains("ina") || digits.is_empty();
    if is_band {
        let d =
            number.map(|n| n / 10 * 10).or_else(|| band_words.iter().find(|(w, _)| lower.contains(w)).map(|(_, d)| *d));
        return (Detail::AgeBand, d.map_or(0.12, decade), None);
    }
    if lower.contains("classe") || lower.contains("nat") || lower.contains("born") {
        return (Detail::ExactAge, 1.0 / 70.0, None);
    }
    (Detail::ExactAge, 1.0 / 70.0, None)
}

/// Words that refer to one person, and to their sex.
const FEMALE: &[&str] = &[
    "bambina",
    "daughter",
    "donna",
    "female",
    "figlia",
    "girl",
    "her",
    "lady",
    "madre",
    "mamma",
    "moglie",
    "mother",
    "mum",
    "nonna",
    "ragazza",
    "she",
    "signora",
    "signorina",
    "wife",
    "woman",
];
const MALE: &[&str] = &[
    "bambino",
    "boy",
    "figlio",
    "gentleman",
    "he",
    "him",
    "his",
    "husband",
    "lad",
    "male",
    "man",
    "marito",
    "nonno",
    "padre",
    "papà",
    "ragazzo",
    "signor",
    "signore",
    "son",
    "uomo",
];
const ONE_PERSON: &[&str] = &["patient", "paziente", "pz", "qualcuno", "quella", "quello", "someone", "tizia", "tizio"];

/// The three lists in one table (flags 1, 2, 4), looked up by [`word_key`]: every token of a
/// post is looked up once instead of searched in three lists.
static PERSON_CUES: WordTable<256> = WordTable::new(&[(FEMALE, 1), (MALE, 2), (ONE_PERSON, 4)]);

fn person_cues(analysis: &Analysis<'_>) -> (bool, bool) {
    let scan = &analysis.scan;
    let (mut female, mut male, mut one) = (false, false, false);
    for token in &scan.tokens {
        let word = &scan.folded[token.start..token.end];
        if word.len() > 10 {
            continue;
        }
        let Some(key) = word_key(word) else { continue };
        let flags = PERSON_CUES.flags(key);
        female |= flags & 1 != 0;
        male |= flags & 2 != 0;
        one |= flags & 4 != 0;
    }
    (one || female || male, female != male)
}

/// A one-line explanation of an assessment: kinds of detail and counts, never values.
pub fn explain(assessment: &RiskAssessment, language: Language) -> String {
    let k = assessment.anonymity_set;
    let k_text = if k < 10.0 { format!("{k:.1}") } else { format!("{:.0}", k.round()) };
    let details: Vec<String> = assessment
        .drivers
        .iter()
        .map(|d| format!("{}×{} ({})", d.entity_type.as_str(), d.count, d.detail.label(language)))
        .collect();
    match language {
        Language::Italian => format!(
            "Insieme di anonimato stimato k≈{k_text}: {}{}{}{}; rischio {:.2}.",
            details.join(", "),
            if assessment.sex_known { ", sesso" } else { "" },
            if assessment.health { "; con contenuti sanitari" } else { "" },
            if assessment.specific_person { "; riferito a una persona precisa" } else { "" },
            assessment.quasi_score
        ),
        Language::English => format!(
            "Estimated anonymity set k≈{k_text}: {}{}{}{}; risk {:.2}.",
            details.join(", "),
            if assessment.sex_known { ", sex" } else { "" },
            if assessment.health { "; with health content" } else { "" },
            if assessment.specific_person { "; refers to one person" } else { "" },
            assessment.quasi_score
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyStore;

    fn risk(language: Language, text: &str) -> RiskAssessment {
        let store = PolicyStore::with_default();
        let policy = store.get("").unwrap();
        let analysis = policy.engine.analyze(text, Some(language), None);
        assess(&analysis)
    }

    #[test]
    fn cue_lists_are_sorted_for_binary_search() {
        for list in [FEMALE, MALE, ONE_PERSON] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn the_cue_table_holds_exactly_the_listed_words() {
        let flags = |w: &str| {
            u8::from(FEMALE.contains(&w)) | u8::from(MALE.contains(&w)) << 1 | u8::from(ONE_PERSON.contains(&w)) << 2
        };
        let others = ["", "a", "pat", "patients", "signora2", "uomini", "zzzzzzzzzz"];
        for w in FEMALE.iter().chain(MALE).chain(ONE_PERSON).chain(&others) {
            assert_eq!(PERSON_CUES.flags(word_key(w).unwrap()), flags(w), "{w}");
        }
    }

    #[test]
    fn more_and_rarer_quasi_identifiers_raise_the_risk() {
        use Language::*;
        let one = risk(English, "A lady came in for a check-up.");
        let two = risk(English, "A lady in her 80s came in yesterday.");
        let many = risk(English, "A lady in her 80s from Bakewell came in yesterday for an extraction.");
        assert!(one.quasi_score < two.quasi_score && two.quasi_score < many.quasi_score, "{one:?} {two:?} {many:?}");
        assert!(many.quasi_score >= 0.5, "{many:?}");
        let common_job = risk(Italian, "Un insegnante è venuto oggi per un'otturazione.");
        let public_role = risk(Italian, "La sindaca di Bergamo è venuta oggi per un'otturazione.");
        assert!(public_role.quasi_score > common_job.quasi_score);
        assert!(public_role.quasi_score >= 0.5);
    }

    #[test]
    fn health_content_and_a_specific_patient_raise_the_risk() {
        use Language::*;
        let without = risk(Italian, "Un ragazzo di 17 anni di Treviglio è passato oggi a salutarci.");
        let with = risk(Italian, "Il ragazzo di 17 anni di Treviglio oggi si è rotto un incisivo.");
        assert!(with.quasi_score > without.quasi_score);
        assert!(with.health && with.specific_person);
        let nobody = risk(English, "Bakewell is lovely in her 80s yesterday");
        assert!(!nobody.specific_person || nobody.quasi_score < with.quasi_score);
    }

    #[test]
    fn anonymous_teaching_cases_and_the_writers_own_life_stay_low() {
        use Language::*;
        let case = risk(
            English,
            "Case study for peers: adult female in her forties, localised aggressive periodontitis, non-surgical therapy.",
        );
        assert!(case.quasi_score < 0.2, "{case:?}");
        let own = risk(Italian, "Felice di annunciare che da gennaio lavorerò come igienista a Brescia.");
        assert!(own.quasi_score < 0.2, "{own:?}");
        assert_eq!(risk(English, "Flossing once a day removes plaque.").score, 0.0);
    }

    #[test]
    fn explanations_name_kinds_and_counts_never_values() {
        let a = risk(Language::Italian, "La sindaca di Bergamo, 72 anni, oggi ha fatto un impianto.");
        let en = explain(&a, Language::English);
        let it = explain(&a, Language::Italian);
        assert!(en.contains("OCCUPATION×1 (public role") && en.contains("AGE×1 (exact age)"), "{en}");
        assert!(en.contains("with health content"), "{en}");
        assert!(it.contains("OCCUPATION×1") && it.contains("età esatta"), "{it}");
        for text in [&en, &it] {
            assert!(!text.contains("Bergamo") && !text.contains("72 anni") && !text.contains("sindaca"), "{text}");
        }
    }
}

//! `HEALTH_CONDITION` and `TREATMENT`: whole-word lexicon matches in Italian and English, plus
//! FDI tooth numbers in context and drug doses.
//!
//! Morphology: the lexicons list each term's inflected forms (Italian singular and plural,
//! English plurals), and Italian stems whose every continuation is the same procedure carry a
//! `*` ("otturazion*", "devitalizz*"). No stemmer: a stemmer conflates "parodontite" (a
//! disease) with "parodontologo" (the clinic's specialist) and "cura" with "curare" (any care),
//! while explicit forms cost nothing at request time (they are terms of the shared
//! Aho-Corasick pass) and a compliance officer can read them. The lexicons live in `lexicons/`
//! as plain text; a policy can add entries.
//!
//! FDI tooth numbers ("il 36", "tooth 46", "elemento 2.6") are `TREATMENT` (the site of a
//! treatment): after a tooth word they count on their own; after an article only near a
//! dental word, so "il 36%" or "the 46 patients" are not teeth.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

/// The built-in treatment lexicon.
pub const TREATMENTS: &str = include_str!("lexicons/treatments.txt");
/// The built-in health-condition lexicon.
pub const HEALTH_CONDITIONS: &str = include_str!("lexicons/health_conditions.txt");

/// Dental words that make "il 36" a tooth.
const TOOTH_CONTEXT: &[&str] = &[
    "dente",
    "denti",
    "molare",
    "premolare",
    "incisivo",
    "canino",
    "carie",
    "devitalizz*",
    "estratt*",
    "estrazion*",
    "otturazion*",
    "otturat*",
    "impianto",
    "corona",
    "capsula",
    "ascesso",
    "radice",
    "pulpite",
    "granuloma",
    "cura canalare",
    "tooth",
    "teeth",
    "molar",
    "premolar",
    "incisor",
    "canine",
    "cavity",
    "filling",
    "crown",
    "extraction",
    "extracted",
    "root canal",
    "abscess",
    "implant",
];

/// Lexicon terms: one per line, `#` starts a comment line.
pub fn lexicon_terms(source: &str) -> impl Iterator<Item = &str> {
    source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

pub struct HealthLexiconRecogniser {
    treatments: LexiconId,
    conditions: LexiconId,
    tooth_context: LexiconId,
    tooth_named: PatternId,
    tooth_article: PatternId,
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
        let tooth_context = builder.lexicon("treatment.tooth_context");
        for (i, term) in TOOTH_CONTEXT.iter().enumerate() {
            builder.term(tooth_context, term, i as u32);
        }
        let tooth = r"(?:[1-4][1-8]|[5-8][1-5]|[1-4]\.[1-8])";
        Self {
            treatments,
            conditions,
            tooth_context,
            tooth_named: builder.pattern(&format!(
                r"(?i:dente|denti|elemento|elementi|molare|premolare|incisivo|canino|tooth|teeth|molar|premolar|incisor|fdi)[ \u{{a0}}]+(?:n\.?[ \u{{a0}}]?|no\.?[ \u{{a0}}]?|#)?{tooth}"
            )),
            tooth_article: builder.pattern(&format!(
                r"(?i:il|lo|del|al|sul|dal|col|the|on|of)[ \u{{a0}}]+{tooth}"
            )),
        }
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
        let text = scan.text;
        for (lexicon, entity_type) in
            [(self.treatments, EntityType::Treatment), (self.conditions, EntityType::HealthCondition)]
        {
            for hit in scan.hits(lexicon) {
                // A dose right after a drug belongs to it: "amoxicillin 500mg".
                let end = dose_end(text, hit.span.end);
                out.push(Candidate::new(ByteSpan::new(hit.span.start, end), entity_type, 0.8, self.name()));
            }
        }
        for m in scan.matches(self.tooth_named) {
            if is_isolated(text, m.start(), m.end()) && !followed_by_unit(text, m.end()) {
                out.push(Candidate::new(ByteSpan::new(m.start(), m.end()), EntityType::Treatment, 0.8, "fdi_tooth"));
            }
        }
        for m in scan.matches(self.tooth_article) {
            if is_isolated(text, m.start(), m.end()) && !followed_by_unit(text, m.end()) {
                let number_start = m.start()
                    + m.as_str()
                        .char_indices()
                        .rev()
                        .find(|&(_, c)| c == ' ' || c == '\u{a0}')
                        .map_or(0, |(i, c)| i + c.len_utf8());
                out.push(
                    Candidate::new(ByteSpan::new(number_start, m.end()), EntityType::Treatment, 0.3, "fdi_tooth")
                        .with_context(self.tooth_context),
                );
            }
        }
    }
}

/// The end of a dose ("500mg", "400 mg") starting at `end`, or `end`.
fn dose_end(text: &str, end: usize) -> usize {
    let rest = &text[end..];
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && (bytes[i] == b' ') && i < 2 {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || ((bytes[i] == b'.' || bytes[i] == b',') && i > digits_start))
    {
        i += 1;
    }
    if i == digits_start {
        return end;
    }
    let unit_start = if bytes.get(i) == Some(&b' ') { i + 1 } else { i };
    for unit in ["mg", "mcg", "µg", "ml", "g", "UI", "IU"] {
        // `get` rather than slicing: the text after the digits may start with a multi-byte char.
        if rest[unit_start..].get(..unit.len()).is_some_and(|word| word.eq_ignore_ascii_case(unit))
            && is_isolated(text, end + digits_start, end + unit_start + unit.len())
        {
            return end + unit_start + unit.len();
        }
    }
    end
}

/// "il 36%", "il 15 maggio", "the 46 patients": a number with a unit is not a tooth.
fn followed_by_unit(text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '%' || *c == '€')
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        word.as_str(),
        "%" | "€"
            | "anni"
            | "years"
            | "euro"
            | "pazienti"
            | "patients"
            | "persone"
            | "people"
            | "gennaio"
            | "febbraio"
            | "marzo"
            | "aprile"
            | "maggio"
            | "giugno"
            | "luglio"
            | "agosto"
            | "settembre"
            | "ottobre"
            | "novembre"
            | "dicembre"
            | "minuti"
            | "minutes"
            | "ore"
            | "hours"
            | "giorni"
            | "days"
            | "mesi"
            | "months"
    ) || rest.starts_with(['%', '€', ':', '/'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn health(text: &str) -> Vec<String> {
        found(|b| Box::new(HealthLexiconRecogniser::new(b, [], [])), text)
    }

    #[test]
    fn a_number_before_multibyte_text_is_not_a_dose() {
        // Found by the anonymise property tests: "0 😀" after a drug must not slice inside the emoji.
        assert_eq!(dose_end("impianto 0 😀 ", 8), 8);
        assert_eq!(dose_end("x 500mg", 1), 7);
    }

    #[test]
    fn finds_terms_in_both_languages_and_inflections() {
        assert_eq!(health("Due otturazioni e un impianto"), ["otturazioni", "impianto"]);
        assert_eq!(health("Placed two implants after the root canal"), ["implants", "root canal"]);
        assert_eq!(health("È una PULPITE"), ["PULPITE"]);
        assert_eq!(health("dopo la devitalizzazione e le faccette"), ["devitalizzazione", "faccette"]);
        assert_eq!(health("apparecchio invisibile per la parodontite"), ["apparecchio invisibile", "parodontite"]);
        assert_eq!(health("veneers, abscesses and an extraction"), ["veneers", "abscesses", "extraction"]);
    }

    #[test]
    fn drugs_with_doses() {
        assert_eq!(health("take amoxicillin 500mg three times a day"), ["amoxicillin 500mg"]);
        assert_eq!(health("prenda ibuprofene 400 mg e una tachipirina"), ["ibuprofene 400 mg", "tachipirina"]);
    }

    #[test]
    fn fdi_tooth_numbers_in_context() {
        assert_eq!(health("tooth 46 needs a crown"), ["tooth 46", "crown"]);
        assert_eq!(health("devitalizzato il 36 ieri"), ["devitalizzato", "36"]);
        assert!(health("il 36% dei pazienti").is_empty());
        assert!(health("il 15 maggio alle 10").is_empty());
        assert!(health("the 46 patients we saw").is_empty());
        assert_eq!(health("devitalizzato il\u{a0}36"), ["devitalizzato", "36"]);
    }

    #[test]
    fn whole_words_only() {
        assert!(health("crowned champion, decayed? bridgestone").is_empty());
    }
}

//! `PERSON`, first pass: a capitalised name after an honorific or title (sig., sig.ra,
//! signora, dott., dott.ssa, prof., Mr, Mrs, Ms, Dr) or after "paziente"/"patient". Italian
//! particles (De, Di, Da, Lo, La) and apostrophes (D'Angelo, O'Connor) are part of the name.

use crate::engine::entity::{ByteSpan, EntityType, Role};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::{char_before, is_word_char};

/// A capitalised name word: an uppercase letter, then letters, apostrophes or hyphens
/// ("Zoë", "D'Angelo", "Smith-Jones").
const NAME_WORD: &str = r"\p{Lu}[\p{Ll}\p{Lu}\p{M}]*(?:['’\-]\p{Lu}?[\p{Ll}\p{M}]+)*";

/// Lower-case particles that may sit inside a name ("Maria de Filippi", "Ludwig van Beethoven").
const PARTICLES: &str = r"(?:(?:de|di|da|del|della|dei|degli|van|von|der|den|la|le|lo)\s+)?";

/// Honorifics and titles, longest first so "sig.ra" is not read as "sig.".
const TITLES: &str = r"(?:sig\.ra|sig\.na|sigg\.|sig\.|signora|signorina|signor|signore|dott\.ssa|dott\.|dottoressa|dottor|dottore|prof\.ssa|prof\.|professoressa|professore|professor|mrs\.?|mr\.?|ms\.?|miss|dr\.?|doctor)";

const PATIENT: &str = r"(?:paziente|patient)";

pub struct TitledPersonRecogniser {
    titled: PatternId,
    patient: PatternId,
}

impl TitledPersonRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let name = format!(r"(?P<name>{NAME_WORD}(?:\s+{PARTICLES}{NAME_WORD}){{0,3}})");
        Self {
            titled: builder.pattern(&format!(r"(?i:{TITLES})[ \u{{a0}}]+{name}")),
            patient: builder.pattern(&format!(r"(?i:{PATIENT})[ \u{{a0}}]+{name}")),
        }
    }
}

impl Recogniser for TitledPersonRecogniser {
    fn name(&self) -> &'static str {
        "titled_person"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Person]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for (pattern, role, score) in [(self.titled, Role::Unknown, 0.85), (self.patient, Role::Patient, 0.8)] {
            for caps in scan.captures(pattern) {
                let (Some(whole), Some(name)) = (caps.get(0), caps.name("name")) else {
                    continue;
                };
                // The title must start a word ("Mr", not the end of "Summr").
                if char_before(scan.text, whole.start()).is_some_and(is_word_char) {
                    continue;
                }
                let end = trim_trailing_punctuation(name.as_str()) + name.start();
                if end <= name.start() || char_count(&scan.text[name.start()..end]) < 2 {
                    continue;
                }
                out.push(
                    Candidate::new(ByteSpan::new(name.start(), end), EntityType::Person, score, self.name())
                        .with_role(role),
                );
            }
        }
    }
}

fn trim_trailing_punctuation(name: &str) -> usize {
    name.trim_end_matches(['\'', '’', '-']).len()
}

fn char_count(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn people(text: &str) -> Vec<String> {
        found(|b| Box::new(TitledPersonRecogniser::new(b)), text)
    }

    #[test]
    fn names_after_titles() {
        assert_eq!(people("La sig.ra Lucia Fontana ha iniziato"), ["Lucia Fontana"]);
        assert_eq!(people("Placed two implants for Mr. David Clarke this morning"), ["David Clarke"]);
        assert_eq!(
            people("il dott. Gianni De Luca e la dott.ssa Chiara D'Angelo"),
            ["Gianni De Luca", "Chiara D'Angelo"]
        );
        assert_eq!(people("Mrs O'Connor called"), ["O'Connor"]);
        assert_eq!(people("la signora Zoë Müller 😀"), ["Zoë Müller"]);
    }

    #[test]
    fn names_after_patient() {
        assert_eq!(people("Per i pagamenti del paziente Mario Gentile usate"), ["Mario Gentile"]);
    }

    #[test]
    fn no_name_no_match() {
        assert!(people("the doctor will see you, Mr. and Mrs. are titles").is_empty());
        assert!(people("Summr Smith").is_empty());
    }
}

//! `OCCUPATION`: jobs and public roles that narrow down who a patient is ("il fornaio",
//! "teacher", "la sindaca di Bergamo", "calciatore dell'Atalanta", "retired fireman"). The
//! lexicon (`lexicons/occupations.txt`) gives each term a rarity; naming where the person
//! works or plays ("di Bergamo", "dell'Atalanta", "of Bath") makes any role rare.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, Scan, ScannerBuilder};

use super::health::lexicon_terms;

/// The built-in occupation lexicon: `term<TAB>rarity`.
pub const OCCUPATIONS: &str = include_str!("lexicons/occupations.txt");

/// Words before an occupation that belong to it ("retired fireman", "ex sindaco").
const MODIFIERS: &[&str] =
    &["retired", "former", "ex", "ex-", "local", "nostro", "nostra", "famous", "famoso", "famosa", "noto", "nota"];

/// How rare an occupation mention is: 1 common, 2 locally known, 3 public role or named
/// employer, team or town right after it ("sindaca di Bergamo", "teacher at St Mary's").
pub fn rarity(text: &str, span: ByteSpan) -> u8 {
    if employer_end(text, span.end) > span.end {
        return 3;
    }
    let folded = text[span.start..span.end].to_lowercase();
    let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    lexicon_terms(OCCUPATIONS)
        .filter_map(|line| line.split_once('\t'))
        .filter(|(term, _)| {
            let term: Vec<&str> = term.split_whitespace().collect();
            words.windows(term.len()).any(|w| w == term.as_slice())
        })
        .map(|(_, r)| r.trim().parse::<u8>().unwrap_or(1))
        .max()
        .unwrap_or(1)
}

pub struct OccupationRecogniser {
    occupations: LexiconId,
}

impl OccupationRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let occupations = builder.lexicon("entity.occupation");
        for (i, line) in lexicon_terms(OCCUPATIONS).enumerate() {
            let term = line.split('\t').next().unwrap_or("");
            builder.term(occupations, term, i as u32);
        }
        Self { occupations }
    }
}

impl Recogniser for OccupationRecogniser {
    fn name(&self) -> &'static str {
        "occupation"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Occupation]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for hit in scan.hits(self.occupations) {
            // The span is the role itself; a named employer or town after it is its own entity
            // (a LOCATION) and makes the role rare (see `rarity`).
            let start = modifier_start(scan, hit.span.start);
            out.push(Candidate::new(ByteSpan::new(start, hit.span.end), EntityType::Occupation, 0.7, self.name()));
        }
    }
}

/// Extends the start over a modifier right before it ("retired fireman").
fn modifier_start(scan: &Scan<'_>, start: usize) -> usize {
    let i = scan.token_at(start);
    if i == 0 {
        return start;
    }
    let prev = scan.tokens[i - 1];
    let gap = &scan.text[prev.end..start];
    if gap == " " && MODIFIERS.contains(&&scan.folded[prev.start..prev.end]) { prev.start } else { start }
}

/// Extends the end over a named employer, team or town: "di Bergamo", "dell'Atalanta",
/// "del Milan", "of Bath", "at St Mary's".
fn employer_end(text: &str, end: usize) -> usize {
    let rest = &text[end..];
    for prep in [" di ", " del ", " della ", " dello ", " dell'", " dell’", " of ", " at ", " for ", " da ", " a "] {
        if let Some(after) = rest.strip_prefix(prep) {
            let name_len: usize = after
                .split_inclusive(' ')
                .take_while(|w| w.chars().next().is_some_and(char::is_uppercase))
                .take(3)
                .map(str::len)
                .sum();
            if name_len > 0 {
                let name = after[..name_len].trim_end_matches([' ', ',', '.', '!', '?', ';', ':']);
                if !name.is_empty() {
                    return end + prep.len() + name.len();
                }
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn jobs(text: &str) -> Vec<String> {
        found(|b| Box::new(OccupationRecogniser::new(b)), text)
    }

    #[test]
    fn italian_occupations_and_public_roles() {
        assert_eq!(jobs("Roberto Galli, il fornaio di via Garibaldi"), ["fornaio"]);
        assert_eq!(jobs("la sindaca di Bergamo è passata"), ["sindaca"]);
        assert_eq!(jobs("il calciatore dell'Atalanta"), ["calciatore"]);
        assert_eq!(jobs("Il conduttore del telegiornale regionale"), ["conduttore"]);
    }

    #[test]
    fn english_occupations() {
        assert_eq!(jobs("the 45-year-old teacher from Little Snoring"), ["teacher"]);
        assert_eq!(jobs("The retired fireman from Upper Slaughter"), ["retired fireman"]);
        assert_eq!(jobs("the mayor of Bath"), ["mayor"]);
    }

    #[test]
    fn clinic_roles_are_not_occupations() {
        assert!(jobs("la nostra igienista e il dentista, one of the dental nurses").is_empty());
    }

    #[test]
    fn rarity_grows_with_public_roles_and_named_employers() {
        let r = |s: &str, role: &str| rarity(s, ByteSpan::new(0, role.len()));
        assert_eq!(r("teacher", "teacher"), 1);
        assert_eq!(r("fornaio", "fornaio"), 2);
        assert_eq!(r("sindaca", "sindaca"), 3);
        assert_eq!(r("teacher at St Mary's", "teacher"), 3);
        assert_eq!(r("calciatore dell'Atalanta", "calciatore"), 3);
    }
}

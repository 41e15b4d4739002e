//! `AGE`: a person's age, exact or as a band, in Italian and English ("72 anni", "di 17
//! anni", "settantenne", "45-year-old", "aged 45", "in her 80s", "in his eighties").
//! Durations are not ages: "da 3 anni", "3 anni fa", "for 8 years", "18-month follow-up".

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

/// Age words that need no number: "settantenne", "octogenarian", "sulla cinquantina".
const AGE_WORDS: &[&str] = &[
    "ventenn*",
    "trentenn*",
    "quarantenn*",
    "cinquantenn*",
    "sessantenn*",
    "settantenn*",
    "ottantenn*",
    "novantenn*",
    "centenari*",
    "ultrasessantenn*",
    "ultrasettantenn*",
    "ultraottantenn*",
    "ultranovantenn*",
    "undicenn*",
    "dodicenn*",
    "tredicenn*",
    "quattordicenn*",
    "quindicenn*",
    "sedicenn*",
    "diciassettenn*",
    "diciottenn*",
    "diciannovenn*",
    "sulla trentina",
    "sulla quarantina",
    "sulla cinquantina",
    "sulla sessantina",
    "sulla settantina",
    "sull'ottantina",
    "sulla novantina",
    "septuagenarian",
    "octogenarian",
    "nonagenarian",
    "centenarian",
    "in his twenties",
    "in her twenties",
    "in his thirties",
    "in her thirties",
    "in his forties",
    "in her forties",
    "in his fifties",
    "in her fifties",
    "in his sixties",
    "in her sixties",
    "in his seventies",
    "in her seventies",
    "in his eighties",
    "in her eighties",
    "in his nineties",
    "in her nineties",
    "in their eighties",
    "in their nineties",
    "in his early*",
    "in her early*",
    "in his late*",
    "in her late*",
];

/// Words before "N anni" that make it a duration, not an age.
const DURATION_BEFORE: &[&str] =
    &["da", "per", "tra", "fra", "dopo", "ogni", "entro", "oltre", "durata", "garanzia", "for", "after", "every"];

/// Words after "N anni" that make it a duration ("3 anni fa", "10 anni di esperienza").
const DURATION_AFTER: &[&str] = &[
    "fa",
    "di esperienza",
    "di attività",
    "di lavoro",
    "di carriera",
    "di garanzia",
    "dopo",
    "di matrimonio",
    "di servizio",
];

pub struct AgeRecogniser {
    years_it: PatternId,
    enne: PatternId,
    years_en: PatternId,
    decade_en: PatternId,
    birth_year: PatternId,
    words: LexiconId,
}

impl AgeRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let words = builder.lexicon("entity.age");
        for (i, w) in AGE_WORDS.iter().enumerate() {
            builder.term(words, w, i as u32);
        }
        Self {
            years_it: builder.pattern(r"(?i)(?:(?:di|età|età di|anni)[ \u{a0}]+)?\d{1,3}[ \u{a0}]*(?:anni|anno|aa\.)"),
            enne: builder.pattern(r"(?i)\d{1,3}-?enn[ei]"),
            years_en: builder.pattern(
                r"(?i)\d{1,3}(?:[- \u{a0}]years?[- \u{a0}]old|[- ]yr[- ]old|yo)|(?:aged|age)[ \u{a0}]+\d{1,3}",
            ),
            decade_en: builder.pattern(r"(?i)in[ \u{a0}]+(?:his|her|their|my)[ \u{a0}]+(?:early[ \u{a0}-]+|mid[ \u{a0}-]+|late[ \u{a0}-]+)?\d0'?s"),
            birth_year: builder
                .pattern(r"(?i)(?:classe|nat[oa][ \u{a0}]+nel|born[ \u{a0}]+in)[ \u{a0}]+(?:19|20)\d\d"),
            words,
        }
    }
}

impl Recogniser for AgeRecogniser {
    fn name(&self) -> &'static str {
        "age"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Age]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        let text = scan.text;
        let folded = scan.folded.as_str();
        for m in scan.matches(self.years_it) {
            if !is_isolated(text, m.start(), m.end()) {
                continue;
            }
            let number =
                m.as_str().chars().filter(char::is_ascii_digit).collect::<String>().parse::<u32>().unwrap_or(0);
            if number > 120 {
                continue;
            }
            let before = word_before(folded, m.start());
            let after = folded[m.end()..].trim_start();
            if DURATION_BEFORE.contains(&before) || DURATION_AFTER.iter().any(|d| starts_with_word(after, d)) {
                continue;
            }
            // "di 17 anni", "Rossi, 72 anni", "(45 anni)" are ages; a bare "5 anni" is likely one.
            let explicit = m.as_str().len() > digits_and_unit_len(m.as_str())
                || matches!(text[..m.start()].trim_end().chars().last(), Some(',' | '(' | '-' | '–'))
                || ["ha", "compie", "compiuto", "aveva", "a", "età"].contains(&before);
            out.push(Candidate::new(
                span(m.start(), m.end()),
                EntityType::Age,
                if explicit { 0.8 } else { 0.6 },
                self.name(),
            ));
        }
        for pattern in [self.enne, self.years_en, self.decade_en, self.birth_year] {
            for m in scan.matches(pattern) {
                if is_isolated(text, m.start(), m.end()) {
                    out.push(Candidate::new(span(m.start(), m.end()), EntityType::Age, 0.8, self.name()));
                }
            }
        }
        for hit in scan.hits(self.words) {
            out.push(Candidate::new(hit.span, EntityType::Age, 0.75, self.name()));
        }
    }
}

fn span(start: usize, end: usize) -> ByteSpan {
    ByteSpan::new(start, end)
}

/// Length of the "72 anni" part of a match (without a leading "di" / "età").
fn digits_and_unit_len(s: &str) -> usize {
    s.find(|c: char| c.is_ascii_digit()).map_or(s.len(), |i| s.len() - i)
}

fn word_before(folded: &str, pos: usize) -> &str {
    let before = folded[..pos].trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !c.is_alphanumeric() && c != '\'' && c != '’')
        .map_or(0, |(i, c)| i + c.len_utf8());
    &before[start..]
}

fn starts_with_word(text: &str, word: &str) -> bool {
    text.starts_with(word) && !text[word.len()..].chars().next().is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn ages(text: &str) -> Vec<String> {
        found(|b| Box::new(AgeRecogniser::new(b)), text)
    }

    #[test]
    fn italian_ages() {
        assert_eq!(ages("la signora Benedetti, 72 anni, di Seriate"), ["72 anni"]);
        assert_eq!(ages("Il ragazzo di 17 anni che gioca a basket"), ["di 17 anni"]);
        assert_eq!(ages("un settantenne di Bergamo e una 45enne"), ["settantenne", "45enne"]);
        assert_eq!(ages("una signora sulla cinquantina"), ["sulla cinquantina"]);
        assert_eq!(ages("Auguri a Luca, classe 1950"), ["classe 1950"]);
    }

    #[test]
    fn english_ages() {
        assert_eq!(ages("the 45-year-old teacher from Little Snoring"), ["45-year-old"]);
        assert_eq!(ages("a lovely lady in her 80s"), ["in her 80s"]);
        assert_eq!(ages("adult female in her forties"), ["in her forties"]);
        assert_eq!(ages("a man aged 93 and a 7 year old"), ["aged 93", "7 year old"]);
    }

    #[test]
    fn multibyte_punctuation_before_an_age_is_safe() {
        assert_eq!(ages("PSA ≥ 4 e un paziente≥83 anni"), ["83 anni"]);
    }

    #[test]
    fn durations_are_not_ages() {
        assert!(ages("lavoro qui da 10 anni e l'ho visto 3 anni fa").is_empty());
        assert!(ages("10 anni di esperienza, garanzia di 5 anni").is_empty());
        assert!(ages("I've worked here for 8 years, 18-month follow-up").is_empty());
    }
}

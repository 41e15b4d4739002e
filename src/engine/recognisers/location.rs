//! `LOCATION`: places that narrow down who someone is. Italian comuni and frazioni, UK
//! towns and villages and other places from the gazetteer (capitalised, longest match up to
//! four words); streets and squares ("via Garibaldi", "piazza Vittorio Veneto", "Church Lane");
//! and in English a capitalised place after "from" even when no list has it ("from Little
//! Snoring"). The population of a gazetteer place is what makes it rare (see `risk`).

use crate::engine::context::Language;
use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::{is_isolated, single_space};

use super::gazetteer::{Gazetteer, WordClass};
use super::person::{PlainWords, find_apostrophe, is_sentence_initial};

/// Prepositions after which a capitalised word is a place.
const LOCATIVES: &[&str] = &[
    "a", "ad", "in", "di", "da", "verso", "presso", "vicino", "nel", "nella", "dal", "dalla", "from", "to", "at",
    "near", "in", "outside", "around", "of",
];

pub struct LocationRecogniser {
    street_it: PatternId,
    street_en: PatternId,
    from_place: PatternId,
    gazetteer: &'static Gazetteer,
}

impl LocationRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let name_word = r"(?:\p{Lu}[\p{L}\p{M}'’\.]*|[IVXL]+|\d{1,2})";
        let joiner = r"(?:[ \u{a0}]+(?:(?:del|della|dei|degli|delle|dello|di|de|da|d'|dell'|dell’)[ \u{a0}]*)?)";
        Self {
            street_it: builder.pattern(&format!(
                r"(?i:via|viale|v\.le|piazza|p\.za|piazzale|p\.le|corso|c\.so|vicolo|largo|strada|contrada|borgo|lungomare|lungolago|località|loc\.|frazione|fraz\.){joiner}{name_word}(?:{joiner}{name_word}){{0,3}}"
            )),
            street_en: builder.pattern(
                r"(?:\p{Lu}\p{Ll}+[ \u{a0}]){1,3}(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Crescent|Gardens|Square|Terrace|Row|Grove|Mews|Parade|Walk|Way)",
            ),
            from_place: builder.pattern(r"(?:from|From)[ \u{a0}]+(?:\p{Lu}\p{Ll}+[ \u{a0}]?){1,3}"),
            gazetteer: Gazetteer::get(),
        }
    }
}

impl Recogniser for LocationRecogniser {
    fn name(&self) -> &'static str {
        "location"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Location]
    }

    fn recognise(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        let text = scan.text;
        for m in scan.matches(self.street_it) {
            let word = &text[m.start()..];
            // "via" is also English ("via Instagram") and an Italian preposition ("via mail").
            let is_via = word.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("via"));
            if !is_isolated(text, m.start(), m.end()) || (is_via && input.language != Language::Italian) {
                continue;
            }
            out.push(Candidate::new(ByteSpan::new(m.start(), m.end()), EntityType::Location, 0.8, self.name()));
        }
        for m in scan.matches(self.street_en) {
            if is_isolated(text, m.start(), m.end()) {
                out.push(Candidate::new(ByteSpan::new(m.start(), m.end()), EntityType::Location, 0.75, self.name()));
            }
        }
        for m in scan.matches(self.from_place) {
            let after_from = m.start() + "from".len();
            let place_start = after_from
                + text[after_from..].chars().take_while(|c| c.is_whitespace()).map(char::len_utf8).sum::<usize>();
            let place_end = m.start() + m.as_str().trim_end().len();
            if place_start >= place_end || !is_isolated(text, m.start(), place_end) {
                continue;
            }
            let first_end = text[place_start..place_end].find([' ', '\u{a0}']).map_or(place_end, |i| place_start + i);
            let first = self.gazetteer.classify(&scan.folded[place_start..first_end]);
            // "from Sarah", "from Monday", "from The" are not places.
            if first.has(WordClass::GIVEN) || is_function_or_time(&scan.folded[place_start..first_end]) {
                continue;
            }
            out.push(Candidate::new(ByteSpan::new(place_start, place_end), EntityType::Location, 0.6, self.name()));
        }
        self.gazetteer_places(scan, input, out);
    }
}

impl LocationRecogniser {
    fn gazetteer_places(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        let text = scan.text;
        let tokens = &scan.tokens;
        let mut plain = PlainWords::new(text);
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            // Most tokens are lower-case words with no elided article: skip them undecoded.
            if plain.is_plain(t) {
                i += 1;
                continue;
            }
            let start = after_elision(text, t);
            if !text[start..].chars().next().is_some_and(char::is_uppercase) {
                i += 1;
                continue;
            }
            // Longest place name of up to four words separated by single spaces; the longer
            // ones only when some entry starts with the first word.
            let mut best: Option<(usize, WordClass)> = None;
            let (first_class, starts_phrases) = self.gazetteer.classify_starting_phrases(&scan.folded[start..t.end]);
            if first_class.has(WordClass::PLACE) {
                best = Some((i, first_class));
            }
            for k in (i + 1..tokens.len().min(i + 4)).take_while(|_| starts_phrases) {
                if !single_space(text, tokens[k - 1].end, tokens[k].start) {
                    break;
                }
                let class = self.gazetteer.classify(&scan.folded[start..tokens[k].end]);
                if class.has(WordClass::PLACE) {
                    best = Some((k, class));
                }
            }
            let Some((last, class)) = best else {
                i += 1;
                continue;
            };
            let span = ByteSpan::new(start, tokens[last].end);
            let locative = start > t.start || after_locative(scan, i);
            let common = match input.language {
                Language::Italian => class.has(WordClass::COMMON_IT),
                Language::English => class.has(WordClass::COMMON_EN),
            };
            // A place heading a capitalised name is part of an organisation ("Riverside Dental",
            // "Roma Capitale").
            let heads_a_name = tokens.get(last + 1).is_some_and(|n| {
                single_space(text, tokens[last].end, n.start)
                    && text[n.start..n.end].chars().next().is_some_and(char::is_uppercase)
            });
            let score = if heads_a_name {
                0.3
            } else if locative {
                0.8
            } else if common || class.is_name() {
                0.3
            } else if is_sentence_initial(text, span.start) {
                0.55
            } else if self.gazetteer.population(&scan.folded[span.start..span.end]).is_some_and(|p| p > 0 && p < 10_000)
            {
                // A small town's name with no preposition of place may be the person it is
                // named after ("con Cavour"); the person recogniser scores that higher.
                0.5
            } else {
                0.7
            };
            out.push(Candidate::new(span, EntityType::Location, score, self.name()));
            i = last + 1;
        }
    }
}

fn is_function_or_time(folded: &str) -> bool {
    matches!(
        folded,
        "the"
            | "a"
            | "an"
            | "my"
            | "our"
            | "your"
            | "his"
            | "her"
            | "their"
            | "this"
            | "that"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "dr"
            | "mr"
            | "mrs"
            | "ms"
            | "miss"
            | "professor"
            | "today"
            | "tomorrow"
            | "now"
            | "then"
    )
}

fn after_elision(text: &str, token: ByteSpan) -> usize {
    let word = &text[token.start..token.end];
    match find_apostrophe(word) {
        Some(pos) if word[..pos].chars().all(char::is_lowercase) => {
            token.start + pos + word[pos..].chars().next().map_or(1, char::len_utf8)
        }
        _ => token.start,
    }
}

fn after_locative(scan: &Scan<'_>, i: usize) -> bool {
    i > 0 && {
        let prev = scan.tokens[i - 1];
        single_space(scan.text, prev.end, scan.tokens[i].start)
            && LOCATIVES.contains(&&scan.folded[prev.start..prev.end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::{found, found_in};

    fn places_it(text: &str) -> Vec<String> {
        found_in(Language::Italian, |b| Box::new(LocationRecogniser::new(b)), text)
    }

    fn places_en(text: &str) -> Vec<String> {
        found(|b| Box::new(LocationRecogniser::new(b)), text)
    }

    #[test]
    fn italian_comuni_frazioni_streets_and_squares() {
        assert_eq!(places_it("la signora Benedetti, 72 anni, di Seriate"), ["Seriate"]);
        assert_eq!(places_it("il fornaio di via Garibaldi"), ["via Garibaldi"]);
        assert_eq!(
            places_it("ci vediamo in piazza Vittorio Veneto a Reggio nell'Emilia"),
            ["piazza Vittorio Veneto", "Reggio nell'Emilia"]
        );
        assert_eq!(places_it("la squadra di basket di Treviglio"), ["Treviglio"]);
    }

    #[test]
    fn uk_towns_villages_and_streets() {
        assert_eq!(places_en("a lovely lady from Bakewell"), ["Bakewell"]);
        assert_eq!(places_en("the retired fireman from Upper Slaughter with the wonky bridge"), ["Upper Slaughter"]);
        assert_eq!(places_en("she lives on Church Lane"), ["Church Lane"]);
    }

    #[test]
    fn not_places() {
        assert!(places_en("a card from Sarah, from Monday").is_empty());
        assert_eq!(places_en("from\u{a0}Bakewell"), ["Bakewell"]);
        assert!(places_en("sent via Instagram").is_empty());
        assert!(places_en("Speaking for the whole of Riverside Dental").is_empty());
        assert!(places_it("Weekend di relax").is_empty());
    }
}

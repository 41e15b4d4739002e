//! `DATE_TIME`: dates that can identify someone — a date of birth, the day of a visit — in
//! Italian and English forms: numeric ("05/09/2001", "5-9-01", "05.09.2001", ISO
//! "2001-09-05"), written ("3 aprile 1950", "1° maggio", "12 March 1961", "March 12th,
//! 1961", "12th of March"). Every date is checked: the day exists in its month (29 February
//! only in leap years), four-digit years are 1900-2099.
//!
//! Not reported, because they do not single out a day: a year alone, a month and year
//! ("nel gennaio del 2017") unless a birth word is near ("nato nel marzo 1950"), a numeric
//! day and month without a year ("10/12" is as often a ratio or a score), durations ("8
//! years") and decades ("the 60s"). Birth and visit words ("nato il", "DOB", "data di
//! nascita", "appuntamento") raise the score.

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

use super::compact::{LEAD, skip_lead};
use super::labels::{WORDS_AFTER, WORDS_BEFORE, word_lexicon};

/// Month names and abbreviations, Italian then English; the index modulo 12 is the month.
const MONTHS: &[&str] = &[
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "gen",
    "feb",
    "mar",
    "apr",
    "mag",
    "giu",
    "lug",
    "ago",
    "set",
    "ott",
    "nov",
    "dic",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
];

/// Words near a date that make it a date of birth or of a visit.
const CONTEXT: &[&str] = &[
    "nato il",
    "nata il",
    "nato",
    "nata",
    "nati",
    "nascita",
    "data di nascita",
    "nato a",
    "compleanno",
    "classe",
    "dob",
    "d.o.b.",
    "date of birth",
    "born",
    "born on",
    "birthday",
    "appuntamento",
    "visita",
    "ricoverato",
    "ricoverata",
    "intervento",
    "appointment",
    "admitted",
    "seen on",
    "visit",
];

/// Words that make a month and year a birth date.
const BIRTH: &[&str] =
    &["nato", "nata", "nati", "nascita", "classe", "born", "dob", "d.o.b.", "date of birth", "birth"];

const FULL_DATE_SCORE: f32 = 0.6;
/// A day and month without a year ("il 3 aprile", "14 May").
const DAY_MONTH_SCORE: f32 = 0.5;
/// A month and year after a birth word.
const BIRTH_MONTH_SCORE: f32 = 0.6;

pub struct DateRecogniser {
    /// Every date form in one pattern (one pass over the text); the named group that
    /// matched says which form it is.
    pattern: PatternId,
    context: LexiconId,
    birth: LexiconId,
}

impl DateRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let names = month_alternation();
        let english = english_capitalised();
        // Alternatives in priority order at one start; each ends at an ASCII word boundary
        // so a longer form is not cut short ("March 1961" is not "March 19" + "61").
        let pattern = format!(
            concat!(
                "{lead}(?:",
                r"(?P<nd>[0-9]{{1,2}})(?P<ns>[/\-.])(?P<nm>[0-9]{{1,2}})[/\-.](?P<ny>[0-9]{{4}}|[0-9]{{2}})(?-u:\b)",
                r"|(?P<iy>[0-9]{{4}})-(?P<im>[0-9]{{2}})-(?P<id>[0-9]{{2}})(?-u:\b)",
                r"|(?P<dd>[0-9]{{1,2}})(?:°|º|st|nd|rd|th)?(?: of| di)? (?P<dmon>(?i:{names}))\.?(?:,? (?:del )?(?P<dy>[0-9]{{4}}))?(?-u:\b)",
                r"|(?P<mmon>{english})\.? (?P<md>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<my>[0-9]{{4}}))?(?-u:\b)",
                r"|(?P<ymon>(?i:{names})) (?:del |of )?(?P<yy>[0-9]{{4}})(?-u:\b)",
                ")"
            ),
            lead = LEAD,
            names = names,
            english = english
        );
        Self {
            pattern: builder.pattern(&pattern),
            context: word_lexicon(builder, "context.date_time", CONTEXT),
            birth: word_lexicon(builder, "context.date_of_birth", BIRTH),
        }
    }
}

/// Index of the first English name in [`MONTHS`] and of the abbreviations.
const ENGLISH: std::ops::Range<usize> = 12..24;
const ENGLISH_ABBREVIATIONS: std::ops::Range<usize> = 36..48;
const ABBREVIATIONS_FROM: usize = 24;

/// `settembre|dicembre|…`, longest names first so "marzo" is not read as "mar".
fn month_alternation() -> String {
    let mut names: Vec<&str> = MONTHS.to_vec();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names.dedup();
    names.join("|")
}

/// English names and abbreviations as written, capitalised ("March|Mar|…").
fn english_capitalised() -> String {
    let mut names: Vec<String> = ENGLISH
        .chain(ENGLISH_ABBREVIATIONS)
        .map(|i| {
            let name = MONTHS[i];
            name[..1].to_ascii_uppercase() + &name[1..]
        })
        .collect();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names.dedup();
    names.join("|")
}

/// The month a name stands for, if it is written as a date would write it: English names
/// capitalised ("7 may" is a verb, "7 May" a date), abbreviations only with a year ("3 set"
/// is a set of three, "3 set 2020" a date).
fn month_number(name: &str, has_year: bool) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let index = MONTHS.iter().enumerate().filter(|(_, m)| **m == lower).map(|(i, _)| i).find(|&i| {
        let english = ENGLISH.contains(&i) || ENGLISH_ABBREVIATIONS.contains(&i);
        let capitalised = name.starts_with(|c: char| c.is_ascii_uppercase());
        let italian_only = !english && !MONTHS[ENGLISH].contains(&MONTHS[i]);
        (italian_only || capitalised) && (i < ABBREVIATIONS_FROM || has_year)
    })?;
    Some((index % 12) as u32 + 1)
}

/// Whether day, month and (optional) year form a real date. Two-digit years are taken as
/// either century (leap years agree for both, 2000 included).
pub fn is_real_date(day: u32, month: u32, year: Option<u32>) -> bool {
    if let Some(y) = year
        && y >= 100
        && !(1900..=2099).contains(&y)
    {
        return false;
    }
    let leap = year.is_none_or(|y| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0 || y < 100));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    (1..=days).contains(&day)
}

impl Recogniser for DateRecogniser {
    fn name(&self) -> &'static str {
        "date"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::DateTime]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for caps in scan.captures(self.pattern) {
            let Some(whole) = caps.get(0) else { continue };
            let start = skip_lead(&whole.into(), &[]);
            let end = whole.end();
            let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
            let score = if let (Some(d), Some(m), Some(y), Some(sep)) =
                (number("nd"), number("nm"), caps.name("ny"), caps.name("ns"))
            {
                // The two separators must agree ("05/09-2001" is not a date), a dotted date
                // needs a four-digit year ("1.2.10" is a version or a section), and a date is
                // not the middle of a longer dotted or slashed number.
                let text = &scan.text[start..end];
                if text.matches(sep.as_str()).count() != 2 || (sep.as_str() == "." && y.len() != 4) {
                    continue;
                }
                let before = &scan.text[..start];
                let after = &scan.text[end..];
                let dotted = |c: char| matches!(c, '/' | '-' | '.');
                if (after.starts_with(dotted) && after[1..].starts_with(|c: char| c.is_ascii_digit()))
                    || (before.ends_with(dotted) && before[..before.len() - 1].ends_with(|c: char| c.is_ascii_digit()))
                {
                    continue;
                }
                let Ok(y) = y.as_str().parse::<u32>() else { continue };
                // Day first (Italy, UK); month first (US) when only that reading is a date.
                if !(is_real_date(d, m, Some(y)) || is_real_date(m, d, Some(y))) {
                    continue;
                }
                FULL_DATE_SCORE
            } else if let (Some(y), Some(m), Some(d)) = (number("iy"), number("im"), number("id")) {
                if !is_real_date(d, m, Some(y)) {
                    continue;
                }
                FULL_DATE_SCORE
            } else if let Some(month) = caps.name("dmon").or(caps.name("mmon")) {
                let (day, year) = if caps.name("dmon").is_some() { ("dd", "dy") } else { ("md", "my") };
                let year = number(year);
                let (Some(d), Some(m)) = (number(day), month_number(month.as_str(), year.is_some())) else { continue };
                if !is_real_date(d, m, year) {
                    continue;
                }
                if year.is_some() { FULL_DATE_SCORE } else { DAY_MONTH_SCORE }
            } else if let (Some(month), Some(y)) = (caps.name("ymon"), number("yy")) {
                // A month and year only after a birth word ("nato nel marzo 1950").
                let birth = scan.has_context(self.birth, ByteSpan::new(start, end), WORDS_BEFORE, WORDS_AFTER);
                if !birth || month_number(month.as_str(), true).is_none() || !(1900..=2099).contains(&y) {
                    continue;
                }
                BIRTH_MONTH_SCORE
            } else {
                continue;
            };
            if is_isolated(scan.text, start, end) {
                out.push(
                    Candidate::new(ByteSpan::new(start, end), EntityType::DateTime, score, "date")
                        .with_context(self.context),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn dates(text: &str) -> Vec<String> {
        found(|b| Box::new(DateRecogniser::new(b)), text)
    }

    #[test]
    fn numeric_and_iso_dates() {
        assert_eq!(dates("nato il 05/09/2001 a Roma"), ["05/09/2001"]);
        assert_eq!(dates("DOB 5-9-01, visita 2024-03-15"), ["5-9-01", "2024-03-15"]);
        assert_eq!(dates("il 29.02.2024"), ["29.02.2024"]);
        // US month-first when only that reading exists.
        assert_eq!(dates("seen on 12/25/2023"), ["12/25/2023"]);
    }

    #[test]
    fn written_dates_in_italian_and_english() {
        assert_eq!(dates("nato il 3 aprile 1950 a Bergamo"), ["3 aprile 1950"]);
        assert_eq!(dates("born 12 March 1961"), ["12 March 1961"]);
        assert_eq!(dates("on March 12th, 1961 and the 1st of May"), ["March 12th, 1961", "1st of May"]);
        assert_eq!(dates("il 1° maggio"), ["1° maggio"]);
        assert_eq!(dates("closed on Friday 7 March. Normal hours"), ["7 March"]);
        assert_eq!(dates("visita del 3 apr. 2020"), ["3 apr. 2020"]);
        assert_eq!(dates("nato nel marzo 1950"), ["marzo 1950"]);
    }

    #[test]
    fn not_identifying_or_not_real() {
        for text in [
            "nel gennaio del 2017",
            "dal 2010 al 2015",
            "PA 120/80 mmHg, rapporto 10/12",
            "il 31/04/2020",
            "il 29/02/2023",
            "versione 1.2.10",
            "sezione 3.4.2019.5",
            "8 years, the 60s, 10 mg",
            "you may 3 times",
            "patients aged 7 may need it",
            "3 set di esercizi, 2 mar",
            "1.3.4.2019",
            "05/09-2001",
        ] {
            assert!(dates(text).is_empty(), "{text}: {:?}", dates(text));
        }
    }

    #[test]
    fn real_dates() {
        assert!(is_real_date(29, 2, Some(2000)));
        assert!(!is_real_date(29, 2, Some(1900)));
        assert!(is_real_date(29, 2, Some(24)));
        assert!(!is_real_date(31, 4, None));
        assert!(!is_real_date(1, 1, Some(1850)));
    }
}

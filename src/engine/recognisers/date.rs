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
    numeric: PatternId,
    iso: PatternId,
    day_month: PatternId,
    month_day: PatternId,
    month_year: PatternId,
    context: LexiconId,
    birth: LexiconId,
}

impl DateRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let names = month_alternation();
        Self {
            numeric: builder.pattern(r"(?-u)\b(?P<d>\d{1,2})(?P<s>[/\-.])(?P<m>\d{1,2})[/\-.](?P<y>\d{4}|\d{2})"),
            iso: builder.pattern(r"(?-u)\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"),
            day_month: builder.pattern(&format!(
                r"(?i)(?-u:\b)(?P<d>\d{{1,2}})(?:°|º|st|nd|rd|th)?(?: of| di)? (?P<month>{names})\.?(?:,? (?:del )?(?P<y>\d{{4}}))?"
            )),
            month_day: builder.pattern(&format!(
                r"(?-u:\b)(?P<month>{})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?",
                english_capitalised()
            )),
            month_year: builder.pattern(&format!(r"(?i)(?-u:\b)(?P<month>{names}) (?:del |of )?(?P<y>\d{{4}})")),
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

fn parse_u32(s: &str) -> Option<u32> {
    s.parse().ok()
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
        let mut push = |start: usize, end: usize, score: f32| {
            if is_isolated(scan.text, start, end) {
                out.push(
                    Candidate::new(ByteSpan::new(start, end), EntityType::DateTime, score, "date")
                        .with_context(self.context),
                );
            }
        };
        for caps in scan.captures(self.numeric) {
            let (Some(whole), Some(d), Some(m), Some(y), Some(sep)) =
                (caps.get(0), caps.name("d"), caps.name("m"), caps.name("y"), caps.name("s"))
            else {
                continue;
            };
            // The two separators must agree ("05/09-2001" is not a date), a dotted date
            // needs a four-digit year ("1.2.10" is a version or a section number), and a
            // date is not the middle of a longer dotted or slashed number.
            let text = whole.as_str();
            if text.matches(sep.as_str()).count() != 2 || (sep.as_str() == "." && y.len() != 4) {
                continue;
            }
            let before = &scan.text[..whole.start()];
            let after = &scan.text[whole.end()..];
            let dotted = |c: char| matches!(c, '/' | '-' | '.');
            if (after.starts_with(dotted) && after[1..].starts_with(|c: char| c.is_ascii_digit()))
                || (before.ends_with(dotted) && before[..before.len() - 1].ends_with(|c: char| c.is_ascii_digit()))
            {
                continue;
            }
            let (Some(d), Some(m), Some(y)) = (parse_u32(d.as_str()), parse_u32(m.as_str()), parse_u32(y.as_str()))
            else {
                continue;
            };
            // Day first (Italy, UK); month first (US) when only that reading is a date.
            if is_real_date(d, m, Some(y)) || is_real_date(m, d, Some(y)) {
                push(whole.start(), whole.end(), FULL_DATE_SCORE);
            }
        }
        for caps in scan.captures(self.iso) {
            let (Some(whole), Some(y), Some(m), Some(d)) =
                (caps.get(0), caps.name("y"), caps.name("m"), caps.name("d"))
            else {
                continue;
            };
            if let (Some(y), Some(m), Some(d)) = (parse_u32(y.as_str()), parse_u32(m.as_str()), parse_u32(d.as_str()))
                && is_real_date(d, m, Some(y))
            {
                push(whole.start(), whole.end(), FULL_DATE_SCORE);
            }
        }
        for pattern in [self.day_month, self.month_day] {
            for caps in scan.captures(pattern) {
                let (Some(whole), Some(d), Some(month)) = (caps.get(0), caps.name("d"), caps.name("month")) else {
                    continue;
                };
                let year = caps.name("y").and_then(|y| parse_u32(y.as_str()));
                let (Some(d), Some(m)) = (parse_u32(d.as_str()), month_number(month.as_str(), year.is_some())) else {
                    continue;
                };
                if is_real_date(d, m, year) {
                    push(whole.start(), whole.end(), if year.is_some() { FULL_DATE_SCORE } else { DAY_MONTH_SCORE });
                }
            }
        }
        for caps in scan.captures(self.month_year) {
            let (Some(whole), Some(y), Some(month)) = (caps.get(0), caps.name("y"), caps.name("month")) else {
                continue;
            };
            if month_number(month.as_str(), true).is_none() {
                continue;
            }
            let span = ByteSpan::new(whole.start(), whole.end());
            let birth = scan.has_context(self.birth, span, WORDS_BEFORE, WORDS_AFTER);
            if birth && parse_u32(y.as_str()).is_some_and(|y| (1900..=2099).contains(&y)) {
                push(span.start, span.end, BIRTH_MONTH_SCORE);
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
        assert_eq!(dates("closed on Friday 7 March"), ["7 March"]);
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

//! `generalise`: a coarser value in place of the detected one, parsed from the value's own
//! text (Italian and English forms):
//! - `DATE_TIME` to the month ("12 marzo 2024" → "marzo 2024", "12/03/2024" → "03/2024") or
//!   the year ("2024"); times and weekdays are dropped;
//! - `AGE` to a ten-year band ("45 anni" → "40-49 anni", "a 7-year-old" → "a 0-9-year-old";
//!   90 and over → "90+", as HIPAA Safe Harbor does; months, weeks and days become years);
//! - `ADDRESS` to its town ("Via Roma 12, 20121 Milano (MI)" → "Milano",
//!   "221B Baker Street, London NW1 6XE" → "London").
//!
//! A value that cannot be parsed (a relative date, an age in words, a street without a town)
//! returns `None`; the caller then replaces it with `<ENTITY_TYPE>`: never leave it as it was.

use std::sync::LazyLock;

use regex::Regex;

use crate::engine::context::Language;
use crate::engine::entity::EntityType;

/// How coarse a generalised date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateGranularity {
    #[default]
    Month,
    Year,
}

/// The entity types `generalise` applies to.
pub const GENERALISABLE: &[EntityType] = &[EntityType::DateTime, EntityType::Age, EntityType::Address];

/// Whether `generalise` applies to `entity_type`.
pub fn supports(entity_type: EntityType) -> bool {
    GENERALISABLE.contains(&entity_type)
}

/// The generalised value, or `None` when the value's text cannot be parsed.
pub fn generalise(
    entity_type: EntityType,
    value: &str,
    granularity: DateGranularity,
    language: Language,
) -> Option<String> {
    match entity_type {
        EntityType::DateTime => date(value, granularity),
        EntityType::Age => age(value, language),
        EntityType::Address => town(value),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Dates

/// Month names and abbreviations, Italian and English, longest first within a month so the
/// regex prefers "marzo" to "mar".
const MONTHS: &[&str] = &[
    "gennaio|january|gen|jan",
    "febbraio|february|feb",
    "marzo|march|mar",
    "aprile|april|apr",
    "maggio|may|mag",
    "giugno|june|giu|jun",
    "luglio|july|lug|jul",
    "agosto|august|ago|aug",
    "settembre|september|sett|sept|set|sep",
    "ottobre|october|ott|oct",
    "novembre|november|nov",
    "dicembre|december|dic|dec",
];

static MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<&str> = MONTHS.iter().flat_map(|m| m.split('|')).collect();
    // Day before ("12 marzo", "12th of March") or after ("March 12th,"), then a year.
    Regex::new(&format!(
        r"(?i)\b(?:(?P<day>\d{{1,2}})(?:°|º|st|nd|rd|th)?\s+(?:of\s+|di\s+)?)?(?P<month>{})\b\.?(?:\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b,?)?(?:\s*,?\s*(?:del\s+|of\s+)?(?P<year>\d{{4}})\b)?",
        names.join("|")
    ))
    .expect("month regex compiles")
});

/// 2024-03-12 (ISO), 12/03/2024, 12.03.24, 12-3-2024, 03/2024.
static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})|(?P<a>\d{1,2})(?P<s1>[./-])(?P<b>\d{1,2})(?P<s2>[./-])(?P<y>\d{4}|\d{2})|(?P<mm>\d{1,2})(?P<s3>[./-])(?P<my>\d{4}))(?:T|\b)",
    )
    .expect("numeric date regex compiles")
});

static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:19|20)\d{2}\b").expect("year regex compiles"));

fn month_of(name: &str) -> Option<usize> {
    let lower = name.to_lowercase();
    MONTHS.iter().position(|m| m.split('|').any(|n| n == lower))
}

fn date(value: &str, granularity: DateGranularity) -> Option<String> {
    if let Some(c) = NUMERIC_DATE.captures(value) {
        if let Some(year) = c.name("iy") {
            let month: u32 = c["im"].parse().ok()?;
            let day: u32 = c["id"].parse().ok()?;
            if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
                return None;
            }
            return Some(match granularity {
                DateGranularity::Month => format!("{}-{}", year.as_str(), &c["im"]),
                DateGranularity::Year => year.as_str().to_owned(),
            });
        }
        if let Some(year) = c.name("y") {
            if c["s1"] != c["s2"] {
                return None;
            }
            let (a, b): (u32, u32) = (c["a"].parse().ok()?, c["b"].parse().ok()?);
            // Day first (Italy, UK) unless that cannot be: 03/25/2024 is 25 March.
            let month = if b <= 12 && (1..=31).contains(&a) {
                &c["b"]
            } else if a <= 12 && (13..=31).contains(&b) {
                &c["a"]
            } else {
                return None;
            };
            if month.parse::<u32>().ok()? == 0 {
                return None;
            }
            return Some(match granularity {
                DateGranularity::Month => format!("{month}{}{}", &c["s1"], year.as_str()),
                DateGranularity::Year => year.as_str().to_owned(),
            });
        }
        if let Some(year) = c.name("my") {
            let month: u32 = c["mm"].parse().ok()?;
            if !(1..=12).contains(&month) {
                return None;
            }
            return Some(match granularity {
                DateGranularity::Month => format!("{}{}{}", &c["mm"], &c["s3"], year.as_str()),
                DateGranularity::Year => year.as_str().to_owned(),
            });
        }
    }
    if let Some(c) = MONTH_NAME.captures(value) {
        let month = c.name("month")?;
        month_of(month.as_str())?;
        let year = c.name("year").map(|y| y.as_str());
        return match (granularity, year) {
            (DateGranularity::Month, Some(year)) => Some(format!("{} {year}", month.as_str())),
            (DateGranularity::Month, None) => Some(month.as_str().to_owned()),
            (DateGranularity::Year, Some(year)) => Some(year.to_owned()),
            (DateGranularity::Year, None) => None,
        };
    }
    // A bare year is already coarse.
    YEAR.find(value).filter(|m| m.as_str().len() == value.trim().len()).map(|m| m.as_str().to_owned())
}

// ---------------------------------------------------------------------------------------
// Ages

static AGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?P<n>\d{1,3})(?P<sep>[\s-]*)(?P<unit>mesi|mese|months?|settimane|settimana|weeks?|giorni|giorno|days?)?\b",
    )
    .expect("age regex compiles")
});

fn age(value: &str, language: Language) -> Option<String> {
    let c = AGE_NUMBER.captures(value)?;
    let n: u32 = c["n"].parse().ok()?;
    let whole = c.get(0)?;
    let years = match c.name("unit").map(|u| u.as_str().to_lowercase()) {
        None => n,
        Some(unit) if unit.starts_with("mes") || unit.starts_with("month") => n / 12,
        Some(unit) if unit.starts_with("settiman") || unit.starts_with("week") => n / 52,
        Some(_) => n / 365,
    };
    if years > 130 {
        return None;
    }
    let band = if years >= 90 { "90+".to_owned() } else { format!("{}-{}", years / 10 * 10, years / 10 * 10 + 9) };
    let mut out = String::with_capacity(value.len() + 4);
    out.push_str(&value[..whole.start()]);
    out.push_str(&band);
    if c.name("unit").is_some() {
        // "18 mesi" → "0-9 anni": the band is in years.
        out.push_str(&c["sep"]);
        out.push_str(match language {
            Language::Italian => "anni",
            Language::English => "years",
        });
    } else {
        out.push_str(&c["sep"]);
    }
    out.push_str(&value[whole.end()..]);
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Addresses

/// First words of a street (or a unit in a building), never of a town.
const STREET_WORDS: &[&str] = &[
    "via",
    "viale",
    "piazza",
    "piazzale",
    "p.za",
    "p.zza",
    "corso",
    "c.so",
    "largo",
    "vicolo",
    "strada",
    "contrada",
    "lungomare",
    "borgo",
    "salita",
    "interno",
    "int.",
    "scala",
    "street",
    "st",
    "st.",
    "road",
    "rd",
    "rd.",
    "avenue",
    "ave",
    "lane",
    "drive",
    "close",
    "way",
    "place",
    "square",
    "crescent",
    "court",
    "terrace",
    "flat",
    "apartment",
    "apt",
    "unit",
    "house",
    "suite",
];
/// Trailing parts that name a country, not a town.
const COUNTRIES: &[&str] = &[
    "italia",
    "italy",
    "uk",
    "u.k.",
    "united kingdom",
    "england",
    "scotland",
    "wales",
    "northern ireland",
    "gb",
    "great britain",
    "regno unito",
    "inghilterra",
];

/// Italian CAP, UK postcode, province in brackets or as two capitals at the end.
static POSTAL_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{5}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\([A-Z]{2}\)|\s[A-Z]{2}$")
        .expect("postal regex compiles")
});
/// "… 20121 Milano" in an address written without commas.
static TOWN_AFTER_CAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{5}\s+(?P<town>\p{L}[\p{L}'’ .-]*\p{L})").expect("CAP regex compiles"));

fn town(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split([',', '\n', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    for part in parts.iter().skip(1).rev() {
        if COUNTRIES.contains(&part.to_lowercase().as_str()) {
            continue;
        }
        let cleaned = POSTAL_NOISE.replace_all(part, " ");
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if cleaned.is_empty() || !cleaned.chars().any(char::is_alphabetic) {
            continue; // only a postcode
        }
        if looks_like_street(&cleaned) {
            return None; // the town is not written
        }
        return Some(cleaned);
    }
    TOWN_AFTER_CAP.captures(value).map(|c| {
        let town = c["town"].trim();
        POSTAL_NOISE.replace_all(town, " ").split_whitespace().collect::<Vec<_>>().join(" ")
    })
}

fn looks_like_street(part: &str) -> bool {
    let first = part.split_whitespace().next().unwrap_or("");
    first.chars().next().is_some_and(|c| c.is_ascii_digit()) || STREET_WORDS.contains(&first.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use DateGranularity::{Month, Year};
    use Language::{English, Italian};

    fn d(value: &str, g: DateGranularity) -> Option<String> {
        generalise(EntityType::DateTime, value, g, Italian)
    }

    #[test]
    fn dates_to_month_or_year() {
        assert_eq!(d("12 marzo 2024", Month).as_deref(), Some("marzo 2024"));
        assert_eq!(d("lunedì 1° aprile 2024 alle 15:30", Month).as_deref(), Some("aprile 2024"));
        assert_eq!(d("12th of March, 2024", Month).as_deref(), Some("March 2024"));
        assert_eq!(d("March 12, 2024", Month).as_deref(), Some("March 2024"));
        assert_eq!(d("3 Sept 2023", Year).as_deref(), Some("2023"));
        assert_eq!(d("12 marzo", Month).as_deref(), Some("marzo"));
        assert_eq!(d("12 marzo", Year), None);
        assert_eq!(d("12/03/2024", Month).as_deref(), Some("03/2024"));
        assert_eq!(d("12.03.2024 ore 9:00", Year).as_deref(), Some("2024"));
        assert_eq!(d("03/25/2024", Month).as_deref(), Some("03/2024"), "month-first when day-first cannot be");
        assert_eq!(d("2024-03-12T10:00", Month).as_deref(), Some("2024-03"));
        assert_eq!(d("03/2024", Year).as_deref(), Some("2024"));
        assert_eq!(d("2024", Month).as_deref(), Some("2024"));
        assert_eq!(d("martedì 12 marzo", Month).as_deref(), Some("marzo"), "\"mar\" in martedì is not March");
        assert_eq!(d("ieri", Month), None);
        assert_eq!(d("15:30", Month), None);
        assert_eq!(d("45/45/2024", Month), None);
    }

    #[test]
    fn ages_to_ten_year_bands() {
        let a = |v: &str, l| generalise(EntityType::Age, v, Month, l);
        assert_eq!(a("45 anni", Italian).as_deref(), Some("40-49 anni"));
        assert_eq!(a("di 45 anni", Italian).as_deref(), Some("di 40-49 anni"));
        assert_eq!(a("7-year-old", English).as_deref(), Some("0-9-year-old"));
        assert_eq!(a("aged 30", English).as_deref(), Some("aged 30-39"));
        assert_eq!(a("93 years old", English).as_deref(), Some("90+ years old"));
        assert_eq!(a("18 mesi", Italian).as_deref(), Some("0-9 anni"));
        assert_eq!(a("30 months old", English).as_deref(), Some("0-9 years old"));
        assert_eq!(a("quarantacinque anni", Italian), None);
        assert_eq!(a("400 anni", Italian), None);
    }

    #[test]
    fn addresses_to_town() {
        let t = |v: &str| generalise(EntityType::Address, v, Month, Italian);
        assert_eq!(t("Via Roma 12, 20121 Milano (MI)").as_deref(), Some("Milano"));
        assert_eq!(t("Via Roma 12, 20121 Milano MI, Italia").as_deref(), Some("Milano"));
        assert_eq!(t("Piazza Duomo 1, Città di Castello").as_deref(), Some("Città di Castello"));
        assert_eq!(t("Corso Vittorio Emanuele 5 00186 Roma").as_deref(), Some("Roma"));
        assert_eq!(t("221B Baker Street, London NW1 6XE").as_deref(), Some("London"));
        assert_eq!(t("Flat 2, 5 High St, Bristol BS1 4DJ, UK").as_deref(), Some("Bristol"));
        assert_eq!(t("Via Roma 12"), None);
        assert_eq!(t("Flat 2, 5 High St"), None);
        assert_eq!(generalise(EntityType::Person, "Mario", Month, Italian), None);
    }
}

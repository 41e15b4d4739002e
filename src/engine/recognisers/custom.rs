//! Pattern recognisers a policy declares (`MEDICAL_RECORD_NUMBER` formats, a clinic's own
//! badge numbers…): a name, an entity type, a regex, context words that raise confidence, and
//! an optional checksum. They join the shared scan like the built-in ones.
//!
//! A regex with a capture group named `value` reports only that group, so a pattern can
//! anchor on its label and report the number: `(?i)cartella n\. ?(?P<value>\d{4}/\d+)`.

use crate::engine::entity::{ByteSpan, EntityType, intern};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, PatternMatch, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

/// A checksum a custom pattern's matches must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Validator {
    #[default]
    None,
    /// Luhn (mod 10) over the digits.
    Luhn,
    /// ISO 7064 mod 97-10 over the alphanumerics, letters as 10..35 (IBAN-style).
    Mod97,
}

/// A custom pattern recogniser as a policy declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomPatternSpec {
    /// Names the recogniser in explanations, e.g. "cartella_clinica".
    pub name: String,
    pub entity_type: EntityType,
    /// A regex (Rust `regex` syntax; no Unicode `\b`, word boundaries are checked in code).
    /// When it has a group named `value`, only that group is reported.
    pub regex: String,
    /// Words or phrases that raise the score when near a match.
    pub context: Vec<String>,
    pub validator: Validator,
    /// Score of a match without context, in [0, 1].
    pub score: f32,
}

/// Error in a custom pattern's regex.
#[derive(Debug, thiserror::Error)]
#[error("regex {regex:?} does not compile: {source}")]
pub struct CustomPatternError {
    pub regex: String,
    #[source]
    pub source: Box<regex::Error>,
}

pub struct CustomPatternRecogniser {
    name: &'static str,
    entity_type: [EntityType; 1],
    pattern: PatternId,
    context: Option<LexiconId>,
    validator: Validator,
    score: f32,
    /// Whether the regex has a `value` group to report instead of the whole match.
    value_group: bool,
}

impl CustomPatternRecogniser {
    /// Validates the spec's regex and registers it (and its context words) with `builder`.
    pub fn new(builder: &mut ScannerBuilder, spec: &CustomPatternSpec) -> Result<Self, CustomPatternError> {
        let compiled = regex::Regex::new(&spec.regex)
            .map_err(|source| CustomPatternError { regex: spec.regex.clone(), source: Box::new(source) })?;
        let value_group = compiled.capture_names().any(|name| name == Some("value"));
        let context = (!spec.context.is_empty()).then(|| {
            let lexicon = builder.lexicon(&format!("context.custom.{}", spec.name));
            for (i, word) in spec.context.iter().enumerate() {
                builder.term(lexicon, word, i as u32);
            }
            lexicon
        });
        Ok(Self {
            name: intern(&spec.name),
            entity_type: [spec.entity_type],
            pattern: builder.pattern(&spec.regex),
            context,
            validator: spec.validator,
            score: spec.score.clamp(0.0, 1.0),
            value_group,
        })
    }
}

/// Whether `value` passes `validator`.
pub fn validates(validator: Validator, value: &str) -> bool {
    match validator {
        Validator::None => true,
        Validator::Luhn => luhn(value),
        Validator::Mod97 => mod97(value),
    }
}

/// Luhn check over the digits of `value` (separators ignored; no letters); needs at least
/// two digits and at most forty.
pub fn luhn(value: &str) -> bool {
    let mut digits = [0u8; 40];
    let mut len = 0;
    for c in value.chars() {
        if c.is_ascii_digit() {
            if len == digits.len() {
                return false;
            }
            digits[len] = c as u8;
            len += 1;
        } else if c.is_alphabetic() {
            return false;
        }
    }
    super::compact::luhn(&digits[..len])
}

/// ISO 7064 mod 97-10 over the alphanumerics of `value` (letters A=10 … Z=35).
pub fn mod97(value: &str) -> bool {
    let mut remainder: u32 = 0;
    let mut count = 0;
    for c in value.chars().filter(|c| c.is_ascii_alphanumeric()) {
        let n = c.to_digit(36).expect("ascii alphanumeric");
        remainder = if n >= 10 { (remainder * 100 + n) % 97 } else { (remainder * 10 + n) % 97 };
        count += 1;
    }
    count >= 2 && remainder == 1
}

impl Recogniser for CustomPatternRecogniser {
    fn name(&self) -> &'static str {
        self.name
    }

    fn entity_types(&self) -> &[EntityType] {
        &self.entity_type
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        let mut push = |m: PatternMatch<'_>| {
            if m.start() == m.end()
                || !is_isolated(scan.text, m.start(), m.end())
                || !validates(self.validator, m.as_str())
            {
                return;
            }
            let mut candidate =
                Candidate::new(ByteSpan::new(m.start(), m.end()), self.entity_type[0], self.score, self.name);
            if let Some(context) = self.context {
                candidate = candidate.with_context(context);
            }
            out.push(candidate);
        };
        if self.value_group {
            scan.captures(self.pattern)
                .filter_map(|caps| caps.name("value").map(PatternMatch::from))
                .for_each(&mut push);
        } else {
            scan.matches(self.pattern).for_each(&mut push);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    fn spec(regex: &str, context: &[&str], validator: Validator, score: f32) -> CustomPatternSpec {
        CustomPatternSpec {
            name: "cartella".into(),
            entity_type: EntityType::MedicalRecordNumber,
            regex: regex.into(),
            context: context.iter().map(|s| (*s).to_owned()).collect(),
            validator,
            score,
        }
    }

    #[test]
    fn weak_patterns_need_their_context() {
        let s = spec(r"\d{4}/\d{3,6}", &["cartella clinica", "cartella n.", "MRN"], Validator::None, 0.3);
        let make =
            |b: &mut ScannerBuilder| -> Box<dyn Recogniser> { Box::new(CustomPatternRecogniser::new(b, &s).unwrap()) };
        assert_eq!(found(make, "cartella clinica 2024/118 aperta"), ["2024/118"]);
        let make =
            |b: &mut ScannerBuilder| -> Box<dyn Recogniser> { Box::new(CustomPatternRecogniser::new(b, &s).unwrap()) };
        assert!(found(make, "nel 2024/118 casi").is_empty());
    }

    #[test]
    fn validators() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(mod97("GB82WEST12345698765432".chars().skip(4).chain("GB82".chars()).collect::<String>().as_str()));
        assert!(!mod97("12"));
        let s = spec(r"\d{16}", &[], Validator::Luhn, 0.9);
        let make =
            |b: &mut ScannerBuilder| -> Box<dyn Recogniser> { Box::new(CustomPatternRecogniser::new(b, &s).unwrap()) };
        assert_eq!(found(make, "4111111111111111 e 4111111111111112"), ["4111111111111111"]);
    }

    #[test]
    fn a_value_group_reports_only_the_value() {
        let s = spec(r"(?i)cartella n\. ?(?P<value>\d{4}/\d{1,6})", &[], Validator::None, 0.8);
        let make =
            |b: &mut ScannerBuilder| -> Box<dyn Recogniser> { Box::new(CustomPatternRecogniser::new(b, &s).unwrap()) };
        assert_eq!(found(make, "Cartella n. 2024/118 chiusa"), ["2024/118"]);
    }

    #[test]
    fn bad_regex_is_an_error() {
        let mut b = ScannerBuilder::new();
        assert!(CustomPatternRecogniser::new(&mut b, &spec("(", &[], Validator::None, 0.5)).is_err());
    }
}

//! Language of a text, when the caller does not say: `whatlang` (trigram statistics)
//! restricted to the languages Riserbo understands.

use std::sync::OnceLock;
use whatlang::{Detector, Lang};

use super::context::Language;

/// Detects Italian or English; `fallback` when the text gives no reliable signal (very
/// short texts, numbers only).
pub fn detect(text: &str, fallback: Language) -> Language {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| Detector::with_allowlist(vec![Lang::Ita, Lang::Eng]));
    // Trigram statistics settle within a few hundred characters; cap the work per request.
    let sample = prefix_on_char_boundary(text, 1024);
    match detector.detect(sample) {
        Some(info) if info.lang() == Lang::Ita => Language::Italian,
        Some(info) if info.lang() == Lang::Eng => Language::English,
        _ => fallback,
    }
}

fn prefix_on_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_italian_and_english() {
        assert_eq!(
            detect("Stamattina ho estratto il dente del giudizio a un paziente coraggioso", Language::English),
            Language::Italian
        );
        assert_eq!(
            detect("Placed two implants this morning, he was a total champ!", Language::Italian),
            Language::English
        );
        assert_eq!(detect("12345", Language::Italian), Language::Italian);
    }
}

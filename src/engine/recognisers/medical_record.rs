//! `MEDICAL_RECORD_NUMBER`: record numbers have no national format (each hospital and
//! practice system has its own), so the built-in pattern anchors on the label people write
//! before them — "cartella clinica n. 2024/118", "nosologico 24012345", "MRN: A123456",
//! "hospital number 1234567" — and reports the number after it. It is a
//! [`CustomPatternSpec`], the same kind a tenant declares in its policy for its own formats,
//! and runs through [`super::custom::CustomPatternRecogniser`].

use super::custom::{CustomPatternSpec, Validator};
use crate::engine::entity::EntityType;

/// Labels, then an optional "is"/"è" and "n.", "nr", "n°", "#" or ":", then the number: letters (up to
/// four), digits with inner slashes or hyphens, at least four digits in all.
const LABELLED: &str = concat!(
    // ASCII case folding and no optional words before a label ("numero di cartella" is found
    // at "cartella"): the regex can then prefilter on distinctive label literals, ~5x faster.
    r"(?i-u:\b(?:cartella(?: clinica)?|nosologico|(?:codice|id) paziente|mrn|",
    r"medical record(?: number| no\.?)?|hospital (?:number|no\.?)|patient (?:id|number)))(?i)",
    r"[ \t]*(?:(?:is|è)[ \t]+)?(?:n[or]?\.?|n°|#|:)?[ \t]*:?[ \t]*",
    r"(?P<value>[A-Z]{0,4}[\-/]?\d[\d/\-]{2,14}\d)"
);

/// The built-in medical record number recognisers, run like a policy's custom patterns.
pub fn built_in_specs() -> Vec<CustomPatternSpec> {
    vec![CustomPatternSpec {
        name: "medical_record_number".to_owned(),
        entity_type: EntityType::MedicalRecordNumber,
        regex: LABELLED.to_owned(),
        context: Vec::new(),
        validator: Validator::None,
        score: 0.85,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recogniser::Recogniser;
    use crate::engine::recognisers::custom::CustomPatternRecogniser;
    use crate::engine::recognisers::test_support::found;
    use crate::engine::scan::ScannerBuilder;

    fn records(text: &str) -> Vec<String> {
        let spec = built_in_specs().remove(0);
        found(
            move |b: &mut ScannerBuilder| -> Box<dyn Recogniser> {
                Box::new(CustomPatternRecogniser::new(b, &spec).unwrap())
            },
            text,
        )
    }

    #[test]
    fn labelled_record_numbers() {
        assert_eq!(records("cartella clinica n. 2024/118 chiusa"), ["2024/118"]);
        assert_eq!(records("Nosologico: 24012345"), ["24012345"]);
        assert_eq!(records("numero di cartella 2024/7"), ["2024/7"]);
        assert_eq!(records("MRN A1234567, seen today"), ["A1234567"]);
        assert_eq!(records("his hospital number is 1234567"), ["1234567"]);
        assert_eq!(records("hospital number 1234567"), ["1234567"]);
    }

    #[test]
    fn unlabelled_or_short_numbers_are_not_records() {
        assert!(records("2024/118 casi").is_empty());
        assert!(records("cartella 12").is_empty());
        assert!(records("la cartella è pronta").is_empty());
    }
}

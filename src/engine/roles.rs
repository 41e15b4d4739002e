//! Who each mentioned person is: the author, staff, a patient, or unknown. Rules protect
//! patients and unknown people; the author's own name and introduced staff are not flagged.

use super::entity::{ByteSpan, Entity, EntityType, Role};
use super::recogniser::RecogniseInput;
use super::scan::{LexiconId, Scan, ScannerBuilder};

/// Phrases that introduce the writer ("sono Emily", "I'm Tom").
const SELF_INTRODUCTIONS: &[&str] =
    &["sono", "mi chiamo", "il mio nome è", "qui è", "i'm", "i am", "my name is", "this is", "it's"];

/// Phrases that mark the person after them as a patient.
const PATIENT_CUES: &[&str] = &[
    "paziente",
    "pazienti",
    "nostro paziente",
    "nostra paziente",
    "il paziente",
    "la paziente",
    "patient",
    "our patient",
    "my patient",
    "patients",
];

/// The lexicons role assignment reads, registered with the policy's scanner.
#[derive(Debug, Clone)]
pub struct RoleCues {
    self_introduction: LexiconId,
    patient: LexiconId,
}

impl RoleCues {
    pub fn register(builder: &mut ScannerBuilder) -> Self {
        let self_introduction = builder.lexicon("role.self_introduction");
        for (i, term) in SELF_INTRODUCTIONS.iter().enumerate() {
            builder.term(self_introduction, term, i as u32);
        }
        let patient = builder.lexicon("role.patient");
        for (i, term) in PATIENT_CUES.iter().enumerate() {
            builder.term(patient, term, i as u32);
        }
        Self { self_introduction, patient }
    }

    /// Sets the role of every `PERSON` and `PERSON_INITIALS` entity whose recogniser did not.
    pub fn assign(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, entities: &mut [Entity]) {
        for entity in entities.iter_mut() {
            if !matches!(entity.entity_type, EntityType::Person | EntityType::PersonInitials) {
                continue;
            }
            let value = entity.value(scan.text);
            if input.author_name.is_some_and(|author| same_person(author, value)) {
                entity.role = Role::Author;
                continue;
            }
            if entity.role != Role::Unknown {
                continue;
            }
            if immediately_after(scan, self.self_introduction, entity.span, 1) {
                entity.role = Role::Author;
            } else if immediately_after(scan, self.patient, entity.span, 2) {
                entity.role = Role::Patient;
            }
        }
    }
}

/// Whether a hit of `lexicon` ends at most `max_words` words before `span` (0 words means
/// directly before it).
fn immediately_after(scan: &Scan<'_>, lexicon: LexiconId, span: ByteSpan, max_words: usize) -> bool {
    let first = scan.token_at(span.start);
    scan.hits(lexicon).iter().any(|hit| {
        if hit.span.end > span.start {
            return false;
        }
        let hit_last_token = scan.token_at(hit.span.end.saturating_sub(1));
        first > hit_last_token && first - hit_last_token <= max_words
    })
}

/// Whether two names refer to the same person: every word of the shorter appears in the
/// longer, compared case-insensitively ("Tom" and "Tom Baker"; not "Tom Smith" and "Tom Baker").
pub fn same_person(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    short.iter().all(|w| long.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_matches_subsets_only() {
        assert!(same_person("Tom", "Tom Baker"));
        assert!(same_person("giorgia", "Giorgia"));
        assert!(!same_person("Tom Smith", "Tom Baker"));
        assert!(!same_person("", "Tom"));
    }
}

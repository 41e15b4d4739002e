//! Who each mentioned person is: the author, staff, a patient, or unknown. Rules protect
//! patients and unknown people; the author's own name and introduced staff are not flagged.

use super::entity::{ByteSpan, Entity, EntityKind, EntityType, Role};
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

/// Phrases after a name (", nostra paziente", ", our patient") that make it a patient's.
const PATIENT_APPOSITIONS: &[&str] = &[
    "nostra paziente",
    "nostro paziente",
    "la nostra paziente",
    "il nostro paziente",
    "una nostra paziente",
    "un nostro paziente",
    "paziente",
    "our patient",
    "a patient",
    "one of our patients",
    "a patient of ours",
    "my patient",
];

/// Who works with the writer: with a possessive ("la nostra igienista", "our new orthodontist",
/// "my mentor") they introduce staff and colleagues.
const STAFF_ROLES_IT: &[&str] = &[
    "dentista",
    "odontoiatra",
    "igienista",
    "igienista dentale",
    "ortodontista",
    "assistente",
    "assistente alla poltrona",
    "aso",
    "segretaria",
    "segretario",
    "receptionist",
    "dottoressa",
    "dottore",
    "medico",
    "chirurgo",
    "infermiera",
    "infermiere",
    "collaboratrice",
    "collaboratore",
    "collega",
    "mentore",
    "direttore sanitario",
    "direttrice sanitaria",
    "parodontologo",
    "parodontologa",
    "endodontista",
    "pedodontista",
    "implantologo",
    "protesista",
    "odontotecnico",
    "titolare",
    "responsabile",
];
const STAFF_POSSESSIVES_IT: &[&str] = &[
    "la nostra",
    "il nostro",
    "la nostra nuova",
    "il nostro nuovo",
    "nostra",
    "nostro",
    "nuova",
    "nuovo",
    "una delle nostre",
    "uno dei nostri",
    "la mia",
    "il mio",
    "mia",
    "mio",
    "l'",
    "la",
    "il",
];
const STAFF_ROLES_EN: &[&str] = &[
    "dentist",
    "associate dentist",
    "hygienist",
    "dental hygienist",
    "orthodontist",
    "dental nurse",
    "dental nurses",
    "nurse",
    "receptionist",
    "practice manager",
    "therapist",
    "dental therapist",
    "surgeon",
    "oral surgeon",
    "doctor",
    "team member",
    "colleague",
    "mentor",
    "supervisor",
    "tutor",
    "assistant",
    "periodontist",
    "endodontist",
    "principal",
    "clinical director",
];
const STAFF_POSSESSIVES_EN: &[&str] =
    &["our", "our new", "our lovely", "one of our", "one of the", "my", "the practice's"];

/// Public roles: a name next to them, in a text with no health content, is a public figure.
const PUBLIC_ROLES: &[&str] = &[
    "il sindaco",
    "la sindaca",
    "il presidente",
    "la presidente",
    "il ministro",
    "la ministra",
    "il premier",
    "il papa",
    "il re",
    "la regina",
    "il cantante",
    "la cantante",
    "l'attore",
    "l'attrice",
    "il calciatore",
    "lo scrittore",
    "la scrittrice",
    "the mayor",
    "the president",
    "the prime minister",
    "the minister",
    "the pope",
    "the king",
    "the queen",
    "the singer",
    "the actor",
    "the actress",
    "the footballer",
    "the author",
    "president",
    "prime minister",
    "minister",
    "senator",
    "senatore",
];

/// The lexicons role assignment reads, registered with the policy's scanner.
#[derive(Debug, Clone)]
pub struct RoleCues {
    self_introduction: LexiconId,
    patient: LexiconId,
    patient_after: LexiconId,
    staff: LexiconId,
    public: LexiconId,
}

impl RoleCues {
    pub fn register(builder: &mut ScannerBuilder) -> Self {
        let lexicon = |builder: &mut ScannerBuilder, name: &str, terms: &mut dyn Iterator<Item = String>| {
            let id = builder.lexicon(name);
            for (i, term) in terms.enumerate() {
                builder.term(id, &term, i as u32);
            }
            id
        };
        let owned = |terms: &[&str]| terms.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>().into_iter();
        let self_introduction = lexicon(builder, "role.self_introduction", &mut owned(SELF_INTRODUCTIONS));
        let patient = lexicon(builder, "role.patient", &mut owned(PATIENT_CUES));
        let patient_after = lexicon(builder, "role.patient_after", &mut owned(PATIENT_APPOSITIONS));
        let staff_it = STAFF_POSSESSIVES_IT.iter().flat_map(|p| {
            STAFF_ROLES_IT.iter().map(move |r| if p.ends_with('\'') { format!("{p}{r}") } else { format!("{p} {r}") })
        });
        let staff_en = STAFF_POSSESSIVES_EN.iter().flat_map(|p| STAFF_ROLES_EN.iter().map(move |r| format!("{p} {r}")));
        let staff = lexicon(builder, "role.staff", &mut staff_it.chain(staff_en));
        let public = lexicon(builder, "role.public", &mut owned(PUBLIC_ROLES));
        Self { self_introduction, patient, patient_after, staff, public }
    }

    /// Sets the role of every `PERSON` and `PERSON_INITIALS` entity whose recogniser did not.
    pub fn assign(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, entities: &mut [Entity]) {
        let has_health = entities.iter().any(|e| e.entity_type.kind() == EntityKind::Health);
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
            entity.role = if immediately_after(scan, self.self_introduction, entity.span, 1) {
                Role::Author
            } else if immediately_after(scan, self.patient, entity.span, 2)
                || in_apposition(scan, self.patient_after, entity.span)
            {
                Role::Patient
            } else if immediately_after(scan, self.staff, entity.span, 3)
                || in_apposition(scan, self.staff, entity.span)
            {
                Role::Staff
            } else if !has_health
                && (immediately_after(scan, self.public, entity.span, 2)
                    || in_apposition(scan, self.public, entity.span))
            {
                Role::Other
            } else {
                Role::Unknown
            };
        }
    }
}

/// Whether a hit of `lexicon` follows `span` as an apposition: ", nostra paziente",
/// " - our new orthodontist", ", the mayor".
fn in_apposition(scan: &Scan<'_>, lexicon: LexiconId, span: ByteSpan) -> bool {
    let hits = scan.hits(lexicon);
    let from = hits.partition_point(|h| h.span.start < span.end);
    hits[from..].iter().take_while(|h| h.span.start <= span.end + 8).any(|hit| {
        hit.span.start >= span.end && {
            let gap = scan.text[span.end..hit.span.start].trim();
            matches!(gap, "," | "-" | "–" | "—" | "(")
        }
    })
}

/// Whether a hit of `lexicon` ends at most `max_words` words before `span` (0 words means
/// directly before it).
fn immediately_after(scan: &Scan<'_>, lexicon: LexiconId, span: ByteSpan, max_words: usize) -> bool {
    let first = scan.token_at(span.start);
    let hits = scan.hits(lexicon);
    // Hits are ordered by start: look only at the few that start shortly before the span.
    let end = hits.partition_point(|h| h.span.start < span.start);
    let begin = hits[..end].partition_point(|h| h.span.start + 160 < span.start);
    hits[begin..end].iter().any(|hit| {
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

    use crate::engine::analyzer::{AllowList, Analyzer, AnalyzerSettings};
    use crate::engine::context::Language;
    use crate::engine::recognisers::{LexiconAdditions, built_in};

    fn roles(language: Language, text: &str, author: Option<&str>) -> Vec<(String, Role)> {
        let mut builder = ScannerBuilder::new();
        let recognisers = built_in(&mut builder, &LexiconAdditions::default()).unwrap();
        let cues = RoleCues::register(&mut builder);
        let analyzer = Analyzer::new(
            builder.build().unwrap(),
            recognisers,
            cues,
            AnalyzerSettings::default(),
            AllowList::default(),
        );
        let input = RecogniseInput { language, author_name: author };
        let analysis = analyzer.analyze(text, &input);
        analysis
            .entities
            .iter()
            .filter(|e| matches!(e.entity_type, EntityType::Person | EntityType::PersonInitials))
            .map(|e| (e.value(text).to_owned(), e.role))
            .collect()
    }

    fn one(language: Language, text: &str, author: Option<&str>) -> Role {
        let found = roles(language, text, author);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1
    }

    #[test]
    fn the_author_is_not_a_patient() {
        use Language::*;
        assert_eq!(one(Italian, "Sono Giorgia, l'assistente alla poltrona: oggi vi mostro", None), Role::Author);
        assert_eq!(one(English, "Hi, I'm Tom, one of the dental nurses here", None), Role::Author);
        assert_eq!(one(Italian, "Ciao a tutti da Giorgia Neri!", Some("Giorgia Neri")), Role::Author);
    }

    #[test]
    fn staff_introduced_as_staff() {
        use Language::*;
        assert_eq!(
            one(Italian, "Vi presento la dott.ssa Chiara Marino, la nostra nuova ortodontista.", None),
            Role::Staff
        );
        assert_eq!(one(English, "Welcome Dr. Aisha Khan, our new orthodontist!", None), Role::Staff);
        assert_eq!(one(English, "Thank you to my mentor Professor Helen Ward for the support.", None), Role::Staff);
        assert_eq!(one(Italian, "La nostra igienista Sara vi aspetta.", None), Role::Staff);
    }

    #[test]
    fn patients_and_public_figures() {
        use Language::*;
        assert_eq!(one(Italian, "Grazie alla paziente F.R. per la torta", None), Role::Patient);
        assert_eq!(one(English, "Congratulations to Emma Stone, our patient, on her wedding", None), Role::Patient);
        assert_eq!(one(Italian, "Il sindaco Giorgio Gori ha inaugurato la piazza.", None), Role::Other);
        // With health content the same person is a possible patient, not a public figure.
        assert_eq!(one(Italian, "Il sindaco Giorgio Gori ha fatto un impianto.", None), Role::Unknown);
        assert_eq!(one(English, "Placed two implants for Mr. David Clarke", None), Role::Unknown);
    }

    #[test]
    fn same_person_matches_subsets_only() {
        assert!(same_person("Tom", "Tom Baker"));
        assert!(same_person("giorgia", "Giorgia"));
        assert!(!same_person("Tom Smith", "Tom Baker"));
        assert!(!same_person("", "Tom"));
    }
}

//! `EMAIL_ADDRESS`: RFC 5322's common subset (dot-atom local part, dotted domain with a
//! letter TLD). Role addresses of a business (reception@, info@) are marked as the
//! organisation's, so rules do not treat the clinic's own contact as a patient's.

use crate::engine::entity::{ByteSpan, EntityType, Role};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{PatternId, Scan, ScannerBuilder};
use crate::engine::text::is_isolated;

const PATTERN: &str = r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}";

/// Local parts that name a function, not a person.
const ROLE_LOCAL_PARTS: &[&str] = &[
    "info",
    "reception",
    "segreteria",
    "accettazione",
    "admin",
    "amministrazione",
    "contact",
    "contatti",
    "hello",
    "ciao",
    "office",
    "studio",
    "clinic",
    "clinica",
    "appointments",
    "appuntamenti",
    "prenotazioni",
    "booking",
    "bookings",
    "enquiries",
    "support",
    "help",
    "privacy",
    "dpo",
    "noreply",
    "no-reply",
    "team",
    "marketing",
    "social",
    "press",
    "stampa",
    "billing",
    "fatturazione",
    "pec",
];

pub struct EmailRecogniser {
    pattern: PatternId,
}

impl EmailRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        Self { pattern: builder.pattern(PATTERN) }
    }
}

/// Whether an address's local part names a function (reception@, info@), not a person.
pub fn is_role_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    ROLE_LOCAL_PARTS.iter().any(|r| local == *r || local.starts_with(&format!("{r}.")))
}

impl Recogniser for EmailRecogniser {
    fn name(&self) -> &'static str {
        "email"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::EmailAddress]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            let (start, end) = (m.start(), m.end());
            if !is_isolated(scan.text, start, end) || m.as_str().contains("..") {
                continue;
            }
            let role = if is_role_address(m.as_str()) { Role::Organisation } else { Role::Unknown };
            out.push(
                Candidate::new(ByteSpan::new(start, end), EntityType::EmailAddress, 1.0, self.name()).with_role(role),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::found;

    #[test]
    fn finds_addresses_and_marks_role_addresses() {
        let got = found(
            |b| Box::new(EmailRecogniser::new(b)),
            "Scrivi a giulia.bianchi87@gmail.com o reception@clinica-sorriso.it.",
        );
        assert_eq!(got, ["giulia.bianchi87@gmail.com", "reception@clinica-sorriso.it"]);
        assert!(is_role_address("reception@clinica-sorriso.it"));
        assert!(!is_role_address("giulia.bianchi87@gmail.com"));
    }

    #[test]
    fn rejects_non_addresses() {
        let got = found(
            |b| Box::new(EmailRecogniser::new(b)),
            "@handle, a@b, name@@x.it, foo@bar..com, mail at example dot com",
        );
        assert!(got.is_empty(), "{got:?}");
    }
}

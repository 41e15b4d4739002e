//! Readable, stable pseudonyms: "Paziente KBT", "Patient KBT".
//!
//! Several pods share one key Secret and no state, so a pseudonym cannot come from a counter
//! ("Patient A" for the first name seen): each one is derived from a keyed HMAC of
//! (tenant, scope, entity type, canonical value) and spelled in letters. The same value in
//! the same tenant and scope gets the same label in every process; without the tenant's key
//! nobody can tell which value a label stands for or link labels across scopes.
//!
//! Label space: consonants only (20 letters: `BCDFGHJKLMNPQRSTVWXZ`), so a label cannot
//! spell a word in Italian or English, minus a few consonant-only abbreviations that would
//! read as insults or diagnoses (`KKK`, `WTF`, `STD`, `HPV`, …). With the default 3 letters
//! that leaves 7,949 labels per entity type, scope and tenant; the chance that two of `n`
//! distinct values in one scope share a label is about n(n−1)/(2·7949): 0.13 % for 5 values,
//! 0.57 % for 10, 2.4 % for 20. Scopes with more values should ask for more letters
//! (`letters`: 4 gives 158,366 labels, 0.12 % for 20 values and 0.77 % for 50; 5 gives 3.16
//! million, 0.63 % for 200). Collisions merge two values under one label; they never reveal a value.

use hmac::Mac;

use super::keys::TenantKey;
use crate::engine::context::Language;
use crate::engine::entity::EntityType;

/// Letters a label is spelled with.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Labels containing one of these are skipped (deterministically: the next letters derived
/// from the same HMAC are used instead).
const BLOCKED: &[&str] = &["SS", "KKK", "WTF", "FCK", "FFS", "STD", "MST", "HPV", "HCV", "HBV", "TBC", "PMS", "DSM"];
/// Letters in a label when the request does not say.
pub const DEFAULT_LETTERS: usize = 3;
/// Accepted `letters` values.
pub const LETTERS: std::ops::RangeInclusive<usize> = 2..=8;
const DOMAIN: &[u8] = b"riserbo/pseudonym/v1\0";

/// What a label starts with, by entity type and language.
fn prefix(entity_type: EntityType, language: Language) -> &'static str {
    use EntityType::*;
    let (it, en) = match entity_type {
        Person | PersonInitials => ("Paziente", "Patient"),
        PhoneNumber => ("Telefono", "Phone"),
        EmailAddress => ("Email", "Email"),
        SocialHandle => ("Profilo", "Profile"),
        Url => ("Link", "Link"),
        IpAddress => ("IP", "IP"),
        IbanCode => ("IBAN", "IBAN"),
        CreditCard => ("Carta", "Card"),
        ItFiscalCode => ("Codice fiscale", "Fiscal code"),
        MedicalRecordNumber => ("Cartella", "Record"),
        DateTime => ("Data", "Date"),
        Age => ("Età", "Age"),
        Location => ("Luogo", "Place"),
        Address | UkPostcode => ("Indirizzo", "Address"),
        HealthCondition => ("Condizione", "Condition"),
        Treatment => ("Trattamento", "Treatment"),
        _ => ("Codice", "ID"),
    };
    match language {
        Language::Italian => it,
        Language::English => en,
    }
}

/// Where a pseudonym is valid, and the language its word is in.
pub(crate) struct Scope<'a> {
    pub tenant: &'a str,
    pub scope: &'a str,
    pub language: Language,
}

/// Appends the pseudonym of `canonical` (see `crypto::canonical`).
pub(crate) fn write_label(
    key: &TenantKey,
    scope: &Scope<'_>,
    entity_type: EntityType,
    canonical: &str,
    letters: usize,
    out: &mut String,
) {
    out.push_str(prefix(entity_type, scope.language));
    out.push(' ');
    out.push_str(&letters_for(key, scope.tenant, scope.scope, entity_type, canonical, letters));
}

/// The letters of a label: rejection-sampled from a keyed HMAC stream so every letter is
/// uniform over the alphabet and the result depends on nothing but the key and the inputs.
fn letters_for(
    key: &TenantKey,
    tenant: &str,
    scope: &str,
    entity_type: EntityType,
    canonical: &str,
    letters: usize,
) -> String {
    let mut mac = key.hmac();
    mac.update(DOMAIN);
    for field in [tenant, scope, entity_type.as_str(), canonical] {
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    let seed = mac.finalize().into_bytes();
    let mut stream = Stream { key, seed: seed.into(), block: seed.into(), at: 0, counter: 0 };
    loop {
        let label: String = (0..letters).map(|_| stream.letter()).collect();
        if !BLOCKED.iter().any(|b| label.contains(b)) {
            return label;
        }
    }
}

/// An endless keyed byte stream: the seed, then HMAC(key, seed ‖ counter) blocks.
struct Stream<'k> {
    key: &'k TenantKey,
    seed: [u8; 32],
    block: [u8; 32],
    at: usize,
    counter: u32,
}

impl Stream<'_> {
    fn byte(&mut self) -> u8 {
        if self.at == self.block.len() {
            self.counter += 1;
            let mut mac = self.key.hmac();
            mac.update(&self.seed);
            mac.update(&self.counter.to_be_bytes());
            self.block = mac.finalize().into_bytes().into();
            self.at = 0;
        }
        self.at += 1;
        self.block[self.at - 1]
    }

    /// A uniformly chosen letter (bytes ≥ 240 are rejected: 240 = 12 × 20).
    fn letter(&mut self) -> char {
        loop {
            let b = self.byte();
            if b < 240 {
                return ALPHABET[usize::from(b) % ALPHABET.len()] as char;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymise::keys::tests::keyring;

    fn label(tenant_keys: &str, tenant: &str, scope: &str, value: &str, letters: usize, language: Language) -> String {
        let ring = keyring();
        let key = ring.tenant(tenant_keys).unwrap().hash_key();
        let mut out = String::new();
        write_label(key, &Scope { tenant, scope, language }, EntityType::Person, value, letters, &mut out);
        out
    }

    #[test]
    fn labels_are_readable_stable_and_scoped() {
        let a = label("", "", "thread-1", "lucia fontana", 3, Language::Italian);
        assert!(a.starts_with("Paziente "), "{a}");
        let letters = a.strip_prefix("Paziente ").unwrap();
        assert_eq!(letters.len(), 3);
        assert!(letters.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(a, label("", "", "thread-1", "lucia fontana", 3, Language::Italian));
        let en = label("", "", "thread-1", "lucia fontana", 3, Language::English);
        assert_eq!(en, format!("Patient {letters}"), "the language changes the word, not the letters");
        // Another scope or tenant gives unrelated letters (checked over many values, since one
        // value may agree by chance with probability 1/7949).
        let differs = |f: &dyn Fn(&str) -> String, g: &dyn Fn(&str) -> String| {
            (0..20).map(|i| format!("value {i}")).filter(|v| f(v) != g(v)).count()
        };
        let base = |v: &str| label("", "", "thread-1", v, 3, Language::English);
        assert!(differs(&base, &|v| label("", "", "thread-2", v, 3, Language::English)) >= 18);
        assert!(differs(&base, &|v| label("clinica-roma", "clinica-roma", "thread-1", v, 3, Language::English)) >= 18);
        // Even with the same key, the tenant name separates labels.
        assert!(differs(&base, &|v| label("", "other", "thread-1", v, 3, Language::English)) >= 18);
        assert_eq!(label("", "", "s", "x", 6, Language::English).len(), "Patient ".len() + 6);
    }

    #[test]
    fn label_space_matches_the_documented_figures() {
        let valid3 = count_valid(3);
        assert_eq!(valid3, 7949, "update the module docs and docs/anonymise.md");
        let valid4 = count_valid(4);
        assert!((158_000..=160_000).contains(&valid4), "{valid4}");
        // Birthday bound quoted in the docs: P(collision among n) ≈ n(n−1)/(2N).
        let p = |n: f64, space: f64| n * (n - 1.0) / (2.0 * space);
        assert!((p(10.0, valid3 as f64) - 0.0057).abs() < 0.0001);
    }

    fn count_valid(len: u32) -> usize {
        let n = ALPHABET.len().pow(len);
        (0..n)
            .filter(|i| {
                let mut i = *i;
                let label: String = (0..len)
                    .map(|_| {
                        let c = ALPHABET[i % ALPHABET.len()] as char;
                        i /= ALPHABET.len();
                        c
                    })
                    .collect();
                !BLOCKED.iter().any(|b| label.contains(b))
            })
            .count()
    }

    #[test]
    fn observed_collisions_agree_with_the_birthday_bound() {
        // 2,000 values in one scope: expected colliding pairs ≈ C(2000, 2) / 7949 ≈ 251.
        let ring = keyring();
        let key = ring.tenant("").unwrap().hash_key();
        let mut seen = std::collections::HashMap::new();
        let mut pairs = 0usize;
        for i in 0..2000 {
            let l = letters_for(key, "", "scope", EntityType::Person, &format!("patient {i}"), 3);
            let count = seen.entry(l).or_insert(0usize);
            pairs += *count;
            *count += 1;
        }
        assert!((180..=330).contains(&pairs), "{pairs} colliding pairs");
    }
}

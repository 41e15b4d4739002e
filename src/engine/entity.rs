//! What recognisers find: typed spans of text with a score and, for people, a role.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

/// A half-open range `[start, end)` of UTF-8 byte offsets into the analysed text.
///
/// Invariant: both ends lie on `char` boundaries of the text the span was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ByteSpan {
    pub start: usize,
    pub end: usize,
}

impl ByteSpan {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub const fn overlaps(&self, other: &ByteSpan) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub const fn contains(&self, other: &ByteSpan) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

macro_rules! entity_types {
    ($( $variant:ident => $name:literal, $kind:ident; )*) => {
        /// An entity type. Names follow Microsoft Presidio where one exists so users can move
        /// over; `Custom` holds the types a policy declares for its own pattern recognisers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EntityType {
            $( $variant, )*
            /// A type declared by a policy (interned, so the type stays `Copy`).
            Custom(&'static str),
        }

        impl EntityType {
            /// Every built-in type, in declaration order.
            pub const BUILT_IN: &'static [EntityType] = &[ $( EntityType::$variant, )* ];

            /// The wire name, e.g. `"IT_FISCAL_CODE"`.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( EntityType::$variant => $name, )*
                    EntityType::Custom(name) => name,
                }
            }

            /// What kind of information this type is, for rules and defaults.
            pub fn kind(&self) -> EntityKind {
                match self {
                    $( EntityType::$variant => EntityKind::$kind, )*
                    EntityType::Custom(_) => EntityKind::DirectIdentifier,
                }
            }

            /// Parses a built-in name. Custom names are resolved by the policy, which knows them.
            pub fn built_in(name: &str) -> Option<EntityType> {
                match name {
                    $( $name => Some(EntityType::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

entity_types! {
    Person => "PERSON", DirectIdentifier;
    PersonInitials => "PERSON_INITIALS", DirectIdentifier;
    PhoneNumber => "PHONE_NUMBER", DirectIdentifier;
    EmailAddress => "EMAIL_ADDRESS", DirectIdentifier;
    IbanCode => "IBAN_CODE", DirectIdentifier;
    CreditCard => "CREDIT_CARD", DirectIdentifier;
    IpAddress => "IP_ADDRESS", DirectIdentifier;
    Url => "URL", DirectIdentifier;
    SocialHandle => "SOCIAL_HANDLE", DirectIdentifier;
    ItFiscalCode => "IT_FISCAL_CODE", DirectIdentifier;
    ItVatCode => "IT_VAT_CODE", DirectIdentifier;
    ItIdentityCard => "IT_IDENTITY_CARD", DirectIdentifier;
    ItPassport => "IT_PASSPORT", DirectIdentifier;
    ItDriverLicense => "IT_DRIVER_LICENSE", DirectIdentifier;
    ItHealthCard => "IT_HEALTH_CARD", DirectIdentifier;
    UkNhs => "UK_NHS", DirectIdentifier;
    UkNino => "UK_NINO", DirectIdentifier;
    UkPassport => "UK_PASSPORT", DirectIdentifier;
    UkDrivingLicence => "UK_DRIVING_LICENCE", DirectIdentifier;
    MedicalRecordNumber => "MEDICAL_RECORD_NUMBER", DirectIdentifier;
    DateTime => "DATE_TIME", QuasiIdentifier;
    Age => "AGE", QuasiIdentifier;
    Location => "LOCATION", QuasiIdentifier;
    Address => "ADDRESS", DirectIdentifier;
    UkPostcode => "UK_POSTCODE", QuasiIdentifier;
    HealthCondition => "HEALTH_CONDITION", Health;
    Treatment => "TREATMENT", Health;
    // Quasi-identifiers beyond Presidio's names (issue 4): what singles a patient out without a name.
    Occupation => "OCCUPATION", QuasiIdentifier;
    RelativeTime => "RELATIVE_TIME", QuasiIdentifier;
    DistinctiveTrait => "DISTINCTIVE_TRAIT", QuasiIdentifier;
}

/// What an entity type says about a person, which decides how rules and defaults treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// Identifies a person on its own: names, numbers, contacts, handles.
    DirectIdentifier,
    /// Narrows down who a person is in combination: ages, places, dates.
    QuasiIdentifier,
    /// Health or treatment content (special-category data under GDPR art. 9).
    Health,
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a name that is neither built in nor a well-formed custom type name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entity type {0:?}")]
pub struct UnknownEntityType(pub String);

impl FromStr for EntityType {
    type Err = UnknownEntityType;

    /// Parses a built-in name only; see [`EntityType::custom`] for policy-declared types.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntityType::built_in(s).ok_or_else(|| UnknownEntityType(s.to_owned()))
    }
}

impl EntityType {
    /// A policy-declared type. Names are interned once per distinct name, so reloading a
    /// policy does not grow memory; a built-in name returns the built-in variant.
    pub fn custom(name: &str) -> Result<EntityType, UnknownEntityType> {
        if let Some(built_in) = EntityType::built_in(name) {
            return Ok(built_in);
        }
        let well_formed = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && name.as_bytes()[0].is_ascii_uppercase();
        if !well_formed {
            return Err(UnknownEntityType(name.to_owned()));
        }
        let interned = intern(name);
        Ok(EntityType::Custom(interned))
    }
}

/// Interns a name for the life of the process: the same name always returns the same
/// `&'static str`, so names from reloaded policies do not grow memory.
pub fn intern(name: &str) -> &'static str {
    static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = INTERNED.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match set.get(name) {
        Some(existing) => existing,
        None => {
            let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
            set.insert(leaked);
            leaked
        }
    }
}

/// Who a mentioned person is, relative to the post. Rules treat patients (and people whose
/// role is unknown) as the ones to protect; the author and introduced staff are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// Nothing in the text says who this is; rules treat them as a possible patient.
    #[default]
    Unknown,
    /// Referred to as a patient ("il paziente", "our patient", "la sig.ra … nostra paziente").
    Patient,
    /// The writer: `author_name`, or a self-introduction ("sono Emily", "I'm Tom").
    Author,
    /// A member of staff introduced as such ("la dott.ssa Chiara Marino, la nostra nuova ortodontista").
    Staff,
    /// The clinic or organisation itself (its role e-mail, its phone, its VAT number).
    Organisation,
    /// A public figure or anyone else outside the care relationship.
    Other,
}

impl Role {
    /// Whether rules should protect this person as a (possible) patient.
    pub fn is_protected(self) -> bool {
        matches!(self, Role::Unknown | Role::Patient | Role::Other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unknown => "unknown",
            Role::Patient => "patient",
            Role::Author => "author",
            Role::Staff => "staff",
            Role::Organisation => "organisation",
            Role::Other => "other",
        }
    }
}

/// A recognised entity after context enhancement and overlap resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub span: ByteSpan,
    pub entity_type: EntityType,
    /// Confidence in `[0, 1]`.
    pub score: f32,
    pub role: Role,
    /// Name of the recogniser that found it (for explanations and tests).
    pub recogniser: &'static str,
}

impl Entity {
    /// The entity's text in `text` (the text it was recognised in).
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        &text[self.span.start..self.span.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_round_trip() {
        for ty in EntityType::BUILT_IN {
            assert_eq!(ty.as_str().parse::<EntityType>().unwrap(), *ty);
        }
        assert!("NOT_A_TYPE".parse::<EntityType>().is_err());
    }

    #[test]
    fn custom_types_are_interned_and_validated() {
        let a = EntityType::custom("CLINIC_BADGE").unwrap();
        let b = EntityType::custom("CLINIC_BADGE").unwrap();
        match (a, b) {
            (EntityType::Custom(x), EntityType::Custom(y)) => assert!(std::ptr::eq(x, y)),
            _ => panic!("expected custom types"),
        }
        assert_eq!(EntityType::custom("PERSON").unwrap(), EntityType::Person);
        assert!(EntityType::custom("lower").is_err());
        assert!(EntityType::custom("").is_err());
        assert!(EntityType::custom("9LIVES").is_err());
    }

    #[test]
    fn spans_overlap_half_open() {
        let a = ByteSpan::new(0, 5);
        assert!(a.overlaps(&ByteSpan::new(4, 6)));
        assert!(!a.overlaps(&ByteSpan::new(5, 6)));
        assert!(a.contains(&ByteSpan::new(1, 5)));
    }
}

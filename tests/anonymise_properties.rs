//! Property tests of Anonymise's guarantees under every operator, on text assembled from
//! identifier-shaped Italian and English fragments (so recognisers fire) and on arbitrary text.

use std::sync::OnceLock;

use proptest::prelude::*;
use riserbo::Limits;
use riserbo::anonymise::{Keyring, Operator, deanonymise};
use riserbo::engine::entity::EntityType;
use riserbo::engine::text::Utf16Index;
use riserbo::policy::{AnonymiseInput, AnonymiseReport, CompiledPolicy, default_policy};

fn policy() -> &'static CompiledPolicy {
    static POLICY: OnceLock<CompiledPolicy> = OnceLock::new();
    POLICY.get_or_init(default_policy)
}

// Test-only secrets.
const KEYS: &str = r#"
[[tenant]]
name = ""
current = "k1"
key = [{ id = "k1", secret = "c2VjcmV0LWZvci1wcm9wZXJ0eS10ZXN0cy0wMDAwMDE=" }]

[[tenant]]
name = "clinica-roma"
current = "r1"
key = [{ id = "r1", secret = "YW5vdGhlci1zZWNyZXQtZm9yLXByb3BlcnR5LXRlc3Q=" }]
"#;

/// A key file loaded on its own, as each pod of a deployment does.
fn load_keys() -> Keyring {
    Keyring::from_toml(KEYS, "keys.toml", |_| None).expect("test keys load")
}

fn keys() -> &'static Keyring {
    static KEYS: OnceLock<Keyring> = OnceLock::new();
    KEYS.get_or_init(load_keys)
}

/// The types the default policy recognises and anonymises.
const TYPES: &[&str] = &["PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "IT_FISCAL_CODE", "IBAN_CODE"];

const FRAGMENTS: &[&str] = &[
    "la sig.ra Zoë Müller",
    "la signora Benedetti",
    "Benedetti",
    "Mrs. Siân O'Connor",
    "Mr David Clarke",
    "paziente Mario Gentile",
    "patient Amy Lee",
    "dott. Luca Bianchi",
    "RSSMRA80A01H501U",
    "FNTLCU64E52L378C",
    "IT60X0542811101000000123456",
    "IT60 X054 2811 1010 0000 0123 456",
    "+39 328 445 1290",
    "0039 06 678 4343",
    "07700 900456",
    "+44 7700 900456",
    "tel. 02 8645 1234",
    "zoe.muller@gmail.com",
    "amy.lee@example.co.uk",
    "reception@clinica.it",
    "ha fatto l'impianto",
    "root canal",
    "😀",
    "🦷",
    "è",
    "città",
    "e\u{301}",
    "\n",
    " ",
    ", ",
    ". ",
    "(",
    ")",
    "-",
    "’",
    "<",
    ">",
    "[",
    "]",
    ":",
    "0",
    "12",
];

/// Fragments joined by spaces or the way sentences join them.
fn assembled_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => "[a-zA-Zàèìòù0-9 .,@+'-]{0,10}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    let separator = prop::sample::select(vec![" ", " ", " ", ", ", ". ", "; ", " e ", " and ", " 😀 ", "\n", ": "]);
    prop::collection::vec((part, separator), 1..20).prop_map(|parts| {
        let mut text = String::new();
        for (part, separator) in parts {
            text.push_str(&part);
            text.push_str(separator);
        }
        text
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![4 => assembled_text(), 1 => any::<String>()]
}

/// Every operator that transforms (not `keep`), with its parameters varied.
fn transforming_operator() -> impl Strategy<Value = Operator> {
    prop_oneof![
        Just(Operator::default()),
        Just(Operator::Redact),
        (prop::sample::select(vec!['*', '#', '•', 'x']), any::<bool>())
            .prop_map(|(masking_char, from_end)| Operator::Mask { masking_char, chars_to_mask: 0, from_end }),
        prop::sample::select(vec![0usize, 8, 16, 64]).prop_map(|truncate| Operator::Hash { truncate }),
        prop::sample::select(vec![0usize, 2, 3, 5, 8]).prop_map(|letters| Operator::Pseudonymise { letters }),
        Just(Operator::Encrypt { key_id: None }),
    ]
}

/// An operator for each type; `keep` now and then.
fn operator_table() -> impl Strategy<Value = Vec<(String, Operator)>> {
    prop::collection::vec(prop_oneof![5 => transforming_operator(), 1 => Just(Operator::Keep)], TYPES.len())
        .prop_map(|ops| TYPES.iter().map(|t| (*t).to_owned()).zip(ops).collect())
}

fn run(text: &str, input: &AnonymiseInput, tenant: &str, keys: &Keyring) -> Option<AnonymiseReport> {
    policy().anonymise(text, input, &Limits::default(), &keys.context(tenant)).ok()
}

/// The operator Anonymise applies to `ty`: its entry in the table, else the default operator
/// (types the table does not list, such as quasi-identifiers, are replaced).
fn operator_for(table: &[(String, Operator)], ty: EntityType) -> Operator {
    table.iter().find(|(t, _)| t == ty.as_str()).map(|(_, op)| op.clone()).unwrap_or_default()
}

const CONSONANTS: &str = "BCDFGHJKLMNPQRSTVWXZ";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the operators, no detected value survives in the output except inside what
    /// `keep` deliberately left.
    #[test]
    fn output_never_contains_a_detected_value_except_keep(text in any_text(), table in operator_table()) {
        let input = AnonymiseInput { operators: table.clone(), ..Default::default() };
        let Some(report) = run(&text, &input, "", keys()) else { return Ok(()) };
        let out = &report.anonymised;
        let kept: Vec<_> = out.items.iter().filter(|i| i.operator == "keep").map(|i| i.anonymised).collect();
        // Ciphertexts and digests are keyed-function output in base64 or hex: a short value
        // ("Jc", an initial pair) turns up inside one by chance, not because it survived.
        let opaque: Vec<_> =
            out.items.iter().filter(|i| matches!(i.operator, "encrypt" | "hash")).map(|i| i.anonymised).collect();
        for item in out.items.iter().filter(|i| i.operator != "keep") {
            let value = &text[item.original.start..item.original.end];
            for (at, _) in out.text.match_indices(value) {
                let inside_kept = kept.iter().chain(&opaque).any(|k| k.start <= at && at + value.len() <= k.end);
                prop_assert!(inside_kept, "{:?} ({}) survives in {:?}", value, item.operator, out.text);
            }
        }
    }

    /// Each item's output span (UTF-8 and UTF-16) points at exactly what its operator wrote,
    /// and splicing the replacements into the input gives the output.
    #[test]
    fn item_spans_point_at_the_replacement_text(text in any_text(), table in operator_table()) {
        let input = AnonymiseInput { operators: table.clone(), pseudonym_scope: "s".into(), ..Default::default() };
        let Some(report) = run(&text, &input, "", keys()) else { return Ok(()) };
        let out = &report.anonymised;
        let utf16_out: Vec<u16> = out.text.encode_utf16().collect();
        let index = Utf16Index::new(&out.text);
        let mut spliced = String::new();
        let mut cursor = 0;
        let mut redacted = false;
        for item in &out.items {
            let value = &text[item.original.start..item.original.end];
            prop_assert!(out.text.is_char_boundary(item.anonymised.start) && out.text.is_char_boundary(item.anonymised.end));
            let replacement = &out.text[item.anonymised.start..item.anonymised.end];
            let (s16, e16) = (index.utf16(item.anonymised.start), index.utf16(item.anonymised.end));
            prop_assert_eq!(String::from_utf16(&utf16_out[s16..e16]).unwrap(), replacement);
            let operator = operator_for(&table, item.entity_type);
            prop_assert_eq!(item.operator, operator.name());
            match &operator {
                Operator::Replace { .. } => prop_assert_eq!(replacement, format!("<{}>", item.entity_type)),
                Operator::Redact => { prop_assert_eq!(replacement, ""); redacted = true; }
                Operator::Keep => prop_assert_eq!(replacement, value),
                Operator::Mask { masking_char, .. } => {
                    prop_assert_eq!(replacement.chars().count(), value.chars().count());
                    // Unmasked letters and digits can only be a phone number's country prefix.
                    let shown: String = replacement.chars().filter(|c| c.is_alphanumeric() && c != masking_char).collect();
                    let digits: String = value.chars().filter(|c| c.is_alphanumeric()).collect();
                    prop_assert!(shown.is_empty() || (item.entity_type == EntityType::PhoneNumber && shown.len() <= 5 && digits.starts_with(&shown)),
                        "{:?} → {:?}", value, replacement);
                }
                Operator::Hash { truncate } => {
                    prop_assert_eq!(replacement.len(), if *truncate == 0 { 64 } else { *truncate });
                    prop_assert!(replacement.bytes().all(|b| b.is_ascii_hexdigit()));
                }
                Operator::Pseudonymise { letters } => {
                    let (_, label) = replacement.rsplit_once(' ').expect("word and letters");
                    prop_assert_eq!(label.len(), if *letters == 0 { 3 } else { *letters });
                    prop_assert!(label.chars().all(|c| CONSONANTS.contains(c)), "{}", replacement);
                }
                Operator::Encrypt { .. } => {
                    let restored = deanonymise(replacement, &keys().context("")).unwrap();
                    prop_assert_eq!(restored.text, value);
                }
                Operator::Generalise { .. } => prop_assert!(false, "not generated"),
            }
            spliced.push_str(&text[cursor..item.original.start]);
            spliced.push_str(replacement);
            cursor = item.original.end;
        }
        spliced.push_str(&text[cursor..]);
        if !redacted {
            prop_assert_eq!(&spliced, &out.text);
        }
    }

    /// Under `replace`, the output holds nothing the engine detects: anonymising it again
    /// (in the same language: recognisers such as phone numbers read national formats by the
    /// text's language, and detection on a text whose identifiers are gone may guess another)
    /// finds nothing and changes nothing.
    #[test]
    fn anonymising_the_output_again_changes_nothing_under_replace(text in any_text()) {
        let Some(first) = run(&text, &AnonymiseInput::default(), "", keys()) else { return Ok(()) };
        let again = AnonymiseInput { language: Some(first.language), ..Default::default() };
        let Some(second) = run(&first.anonymised.text, &again, "", keys()) else { return Ok(()) };
        prop_assert!(second.anonymised.items.is_empty(), "found again: {:?} in {:?}", second.anonymised.items, first.anonymised.text);
        prop_assert_eq!(second.anonymised.text, first.anonymised.text);
    }

    /// Pseudonyms: the same value gets the same label within a scope, in every process that
    /// loads the same key file; another tenant gives other labels.
    #[test]
    fn pseudonyms_are_stable_within_a_scope_and_differ_across_tenants(text in assembled_text(), scope in "[a-z0-9-]{0,12}") {
        let operators: Vec<(String, Operator)> = TYPES.iter().map(|t| ((*t).to_owned(), Operator::Pseudonymise { letters: 0 })).collect();
        let input = AnonymiseInput { operators, pseudonym_scope: scope, ..Default::default() };
        let Some(here) = run(&text, &input, "", keys()) else { return Ok(()) };
        // Another "pod": its own keyring from the same file.
        let elsewhere = run(&text, &input, "", &load_keys()).unwrap();
        prop_assert_eq!(&here.anonymised, &elsewhere.anonymised);
        // Within the output, one value has one label.
        let out = &here.anonymised;
        for a in &out.items {
            for b in &out.items {
                if a.entity_type == b.entity_type && text[a.original.start..a.original.end] == text[b.original.start..b.original.end] {
                    prop_assert_eq!(&out.text[a.anonymised.start..a.anonymised.end], &out.text[b.anonymised.start..b.anonymised.end]);
                }
            }
        }
        // Another tenant: with 8 letters a chance agreement is 1 in 2.5e10 per value.
        let long: Vec<(String, Operator)> = TYPES.iter().map(|t| ((*t).to_owned(), Operator::Pseudonymise { letters: 8 })).collect();
        let input = AnonymiseInput { operators: long, ..input };
        let roma = run(&text, &input, "clinica-roma", keys()).unwrap();
        let default = run(&text, &input, "", keys()).unwrap();
        prop_assert_eq!(roma.anonymised.items.len(), default.anonymised.items.len());
        let pseudonymised = |item: &&riserbo::anonymise::AnonymisedItem| TYPES.contains(&item.entity_type.as_str());
        for (a, b) in roma.anonymised.items.iter().filter(pseudonymised).zip(default.anonymised.items.iter().filter(pseudonymised)) {
            prop_assert_ne!(&roma.anonymised.text[a.anonymised.start..a.anonymised.end], &default.anonymised.text[b.anonymised.start..b.anonymised.end]);
        }
    }
}

//! Anonymise with arbitrary operator configurations: any text, any default operator, any
//! operator per entity type (known or not), any parameters (mask characters, counts, hash
//! truncations, pseudonym lengths, key ids, replacement values), with the tenant's keys
//! present. Must never panic; every item must lie on character boundaries.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use riserbo::service::proto as pb;

/// Entity types the operators are keyed by: mostly real ones, plus whatever the input says.
const TYPES: &[&str] = &[
    "PERSON",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IT_FISCAL_CODE",
    "IBAN_CODE",
    "DATE_TIME",
    "AGE",
    "LOCATION",
    "ADDRESS",
    "HEALTH_CONDITION",
    "TREATMENT",
    "URL",
    "CREDIT_CARD",
    "UK_NHS",
];

#[derive(Debug, Arbitrary)]
enum Op {
    Replace(String),
    Redact,
    Mask { masking_char: String, chars_to_mask: u32, from_end: bool },
    Hash(u32),
    Pseudonymise(u32),
    Encrypt(String),
    Generalise(i32),
    Keep,
    Unset,
}

#[derive(Debug, Arbitrary)]
struct Input {
    text: String,
    language: u8,
    default_operator: Option<Op>,
    operators: Vec<(u8, Option<String>, Op)>,
    entity_types: Vec<u8>,
    pseudonym_scope: String,
    author_name: String,
}

fn operator(op: Op) -> pb::Operator {
    use pb::operator::Kind;
    let kind = match op {
        Op::Replace(new_value) => Some(Kind::Replace(pb::ReplaceOperator { new_value })),
        Op::Redact => Some(Kind::Redact(pb::RedactOperator {})),
        Op::Mask { masking_char, chars_to_mask, from_end } => {
            Some(Kind::Mask(pb::MaskOperator { masking_char, chars_to_mask, from_end }))
        }
        Op::Hash(truncate) => Some(Kind::Hash(pb::HashOperator { truncate })),
        Op::Pseudonymise(letters) => Some(Kind::Pseudonymise(pb::PseudonymiseOperator { letters })),
        Op::Encrypt(key_id) => Some(Kind::Encrypt(pb::EncryptOperator { key_id })),
        Op::Generalise(date_granularity) => Some(Kind::Generalise(pb::GeneraliseOperator { date_granularity })),
        Op::Keep => Some(Kind::Keep(pb::KeepOperator {})),
        Op::Unset => None,
    };
    pb::Operator { kind }
}

fn entity_type(index: u8, named: Option<String>) -> String {
    named.unwrap_or_else(|| TYPES[usize::from(index) % TYPES.len()].to_owned())
}

fuzz_target!(init: riserbo_fuzz::init(), |input: Input| {
    let request = pb::AnonymiseRequest {
        tenant: String::new(),
        text: input.text,
        language: ["", "it", "en", "xx"][usize::from(input.language) & 0b11].to_owned(),
        entity_types: input.entity_types.into_iter().map(|i| entity_type(i, None)).collect(),
        default_operator: input.default_operator.map(operator),
        operators: input.operators.into_iter().map(|(i, name, op)| (entity_type(i, name), operator(op))).collect(),
        pseudonym_scope: input.pseudonym_scope,
        author_name: input.author_name,
    };
    riserbo_fuzz::anonymise_request(request);
});

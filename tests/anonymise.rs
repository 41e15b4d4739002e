//! Anonymise through a real tonic client against the real server.

mod common;

use common::{TestServer, byte_range, utf16_range};
use riserbo::service::proto::{self as pb, AnonymiseRequest};
use tonic::Code;

fn utf16_slice(text: &str, start: u32, end: u32) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16(&units[start as usize..end as usize]).unwrap()
}

#[tokio::test]
async fn removes_email_phone_fiscal_code_and_iban_and_reports_spans() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "Paziente 🦷: scrivere a lucia.fontana@gmail.com o al +39 328 445 1290; \
                CF FNTLCU64E52L378C; IBAN IT60 X054 2811 1010 0000 0123 456. Grazie è tutto.";
    let values = [
        ("EMAIL_ADDRESS", "lucia.fontana@gmail.com"),
        ("PHONE_NUMBER", "+39 328 445 1290"),
        ("IT_FISCAL_CODE", "FNTLCU64E52L378C"),
        ("IBAN_CODE", "IT60 X054 2811 1010 0000 0123 456"),
    ];
    let response =
        client.anonymise(AnonymiseRequest { text: text.into(), ..Default::default() }).await.unwrap().into_inner();

    for (entity_type, value) in values {
        assert!(!response.text.contains(value), "{value} left in {:?}", response.text);
        let item = response
            .items
            .iter()
            .find(|i| i.entity_type == entity_type)
            .unwrap_or_else(|| panic!("no {entity_type} item"));
        let original = item.original.as_ref().unwrap();
        assert_eq!((original.start, original.end), byte_range(text, value));
        assert_eq!((original.start_utf16, original.end_utf16), utf16_range(text, value));
        let new = item.anonymised.as_ref().unwrap();
        let replacement = format!("<{entity_type}>");
        assert_eq!(&response.text[new.start as usize..new.end as usize], replacement);
        assert_eq!(utf16_slice(&response.text, new.start_utf16, new.end_utf16), replacement);
        assert_eq!(item.operator, "replace");
    }
    assert!(response.text.starts_with("Paziente 🦷: scrivere a <EMAIL_ADDRESS>"));
    assert!(response.text.ends_with("Grazie è tutto."));
    assert_eq!(response.policy.unwrap().id, "riserbo-default");
}

#[tokio::test]
async fn operators_per_entity_type() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "Chiama il +39 328 445 4567 o scrivi a mario@example.com";
    let mut operators = std::collections::HashMap::new();
    operators.insert(
        "PHONE_NUMBER".to_owned(),
        pb::Operator {
            kind: Some(pb::operator::Kind::Mask(pb::MaskOperator {
                masking_char: "*".into(),
                chars_to_mask: 4,
                from_end: true,
            })),
        },
    );
    operators.insert(
        "EMAIL_ADDRESS".to_owned(),
        pb::Operator { kind: Some(pb::operator::Kind::Redact(pb::RedactOperator {})) },
    );
    let response = client
        .anonymise(AnonymiseRequest { text: text.into(), operators, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.text, "Chiama il +39 328 445 **** o scrivi a");
}

#[tokio::test]
async fn only_the_requested_entity_types() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "mario@example.com, +39 328 445 1290";
    let response = client
        .anonymise(AnonymiseRequest {
            text: text.into(),
            entity_types: vec!["PHONE_NUMBER".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.text, "mario@example.com, <PHONE_NUMBER>");
}

#[tokio::test]
async fn bad_requests_are_invalid_argument_naming_the_field() {
    let server = TestServer::start().await;
    let mut client = server.client().await;

    let status = client
        .anonymise(AnonymiseRequest {
            text: "x".into(),
            entity_types: vec!["PHONE_NUMBER".into(), "NOT_A_TYPE".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("entity_types[1]:"), "{}", status.message());

    let status = client
        .anonymise(AnonymiseRequest {
            text: "x".into(),
            default_operator: Some(pb::Operator { kind: None }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("default_operator:"), "{}", status.message());

    let status = client.anonymise(AnonymiseRequest::default()).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("text:"));
}

//! CheckPost through a real tonic client against the real server.

mod common;

use common::{TestServer, byte_range, utf16_range};
use riserbo::service::proto::{self as pb, CheckPostRequest};
use tonic::Code;
use tonic_types::StatusExt;

fn request(text: &str) -> CheckPostRequest {
    CheckPostRequest {
        text: text.to_owned(),
        account: pb::AccountKind::Personal as i32,
        channel: pb::Channel::PublicPost as i32,
        platform: pb::Platform::Instagram as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn naming_a_patient_with_a_treatment_is_blocked_with_offsets_in_both_units() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    // Accents and emoji before the name make UTF-8 and UTF-16 offsets differ.
    let text = "Città di Bergamo 🦷😀: oggi la sig.ra Zoë Müller ha fatto l'impianto, bravissima!";
    let response = client.check_post(request(text)).await.unwrap().into_inner();

    assert_eq!(response.verdict, pb::Verdict::Block as i32);
    let finding = response
        .findings
        .iter()
        .find(|f| {
            f.guideline.as_ref().is_some_and(|g| g.code == "GDC 4.2.3") && f.severity == pb::Verdict::Block as i32
        })
        .expect("a BLOCK finding citing GDC 4.2.3");
    let name = finding.spans.iter().find(|s| s.entity_type == "PERSON").expect("a span on the name");
    assert_eq!((name.start, name.end), byte_range(text, "Zoë Müller"));
    assert_eq!((name.start_utf16, name.end_utf16), utf16_range(text, "Zoë Müller"));
    assert_ne!(name.start, name.start_utf16, "the text must make the two units differ");
    assert!(finding.spans.iter().any(|s| s.entity_type == "TREATMENT"));
    assert!(!finding.message.is_empty() && !finding.suggestion.is_empty());
    assert_eq!(response.language, "it");
    assert!(!response.anonymised_text.contains("Zoë Müller"));
    assert!(response.anonymised_text.contains("<PERSON>"));
    assert!(!response.decision_id.is_empty());
    let policy = response.policy.expect("policy ref");
    assert_eq!(policy.id, "riserbo-default");
    assert_eq!(policy.sha256.len(), 64);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_clean_post_is_allowed() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "Flossing once a day removes plaque your toothbrush can't reach.";
    let response = client.check_post(request(text)).await.unwrap().into_inner();
    assert_eq!(response.verdict, pb::Verdict::Allow as i32);
    assert!(response.findings.is_empty());
    assert_eq!(response.anonymised_text, text);
    assert_eq!(response.language, "en");
}

#[tokio::test]
async fn messages_follow_the_locale() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut req = request("Placed two implants for Mr. David Clarke this morning!");
    req.locale = "it".into();
    let response = client.check_post(req).await.unwrap().into_inner();
    assert_eq!(response.language, "en");
    assert!(response.findings[0].message.starts_with("Il testo"), "{}", response.findings[0].message);
}

#[tokio::test]
async fn the_authors_own_name_is_not_a_patient() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut req = request("Sono la dott.ssa Giorgia Neri e oggi vi parlo di impianti.");
    req.author_name = "Giorgia Neri".into();
    let response = client.check_post(req).await.unwrap().into_inner();
    assert_eq!(response.verdict, pb::Verdict::Allow as i32, "{:?}", response.findings);
}

#[tokio::test]
async fn empty_text_is_invalid_argument_naming_the_field() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let status = client.check_post(request("   ")).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("text:"), "{}", status.message());
    let details = status.get_error_details();
    assert_eq!(details.bad_request().unwrap().field_violations[0].field, "text");
}

#[tokio::test]
async fn oversize_text_is_invalid_argument() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "a".repeat(64 * 1024 + 1);
    let status = client.check_post(request(&text)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("65536"), "{}", status.message());
    // Exactly at the limit is accepted.
    let text = "a".repeat(64 * 1024);
    client.check_post(request(&text)).await.unwrap();
}

#[tokio::test]
async fn the_text_limit_is_configurable() {
    let options =
        riserbo::service::ServeOptions { limits: riserbo::Limits { max_text_bytes: 100 }, ..Default::default() };
    let server =
        TestServer::start_with(std::sync::Arc::new(riserbo::policy::PolicyStore::with_default()), options).await;
    let mut client = server.client().await;
    let status = client.check_post(request(&"b".repeat(101))).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn unknown_tenant_is_not_found() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut req = request("hello");
    req.tenant = "no-such-clinic".into();
    let status = client.check_post(req).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().starts_with("tenant:"));
}

#[tokio::test]
async fn unknown_enum_values_count_as_unspecified() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut req = request("Placed two implants for Mr. David Clarke this morning!");
    req.account = 42;
    req.channel = 99;
    req.platform = -3;
    req.attachments.push(pb::Attachment { kind: 77, ..Default::default() });
    let response = client.check_post(req).await.unwrap().into_inner();
    assert_eq!(response.verdict, pb::Verdict::Block as i32);
}

#[tokio::test]
async fn unsupported_language_is_invalid_argument() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut req = request("Bonjour");
    req.language = "fr".into();
    let status = client.check_post(req).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("language:"));
}

//! People, roles, quasi-identifiers and language detection through the real server.

mod common;

use common::TestServer;
use riserbo::service::proto::{self as pb, AnonymiseRequest, CheckPostRequest};

fn request(text: &str) -> CheckPostRequest {
    CheckPostRequest {
        text: text.to_owned(),
        account: pb::AccountKind::Personal as i32,
        channel: pb::Channel::PublicPost as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn quasi_identifiers_without_a_name_are_a_reviewed_finding_with_an_explanation() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "La signora di 82 anni di Gromo, la sarta del paese, ieri ha fatto una devitalizzazione.";
    let response = client.check_post(request(text)).await.unwrap().into_inner();
    let finding = response.findings.iter().find(|f| f.rule_id == "QID-01").expect("a QID-01 finding");
    assert_eq!(finding.category, pb::Category::QuasiIdentifier as i32);
    assert!(response.verdict >= pb::Verdict::Review as i32);
    assert!(response.reidentification_risk >= 0.5, "{}", response.reidentification_risk);
    // The explanation names kinds and counts, in the text's language, never the values.
    assert!(
        finding.explanation.contains("AGE×1") && finding.explanation.contains("LOCATION×1"),
        "{}",
        finding.explanation
    );
    assert!(finding.explanation.starts_with("Insieme di anonimato"), "{}", finding.explanation);
    for value in ["Gromo", "82 anni", "ieri", "devitalizzazione"] {
        assert!(!finding.explanation.contains(value), "{}", finding.explanation);
    }
    assert_eq!(response.language, "it", "detected when the request leaves it empty");
}

#[tokio::test]
async fn staff_and_the_author_are_people_but_not_patients() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "Welcome Dr. Aisha Khan, our new orthodontist! I'm Tom, one of the dental nurses.";
    let response = client.check_post(request(text)).await.unwrap().into_inner();
    assert_eq!(response.verdict, pb::Verdict::Allow as i32, "{:?}", response.findings);
    assert_eq!(response.language, "en");

    // Anonymise still replaces every person.
    let anonymised =
        client.anonymise(AnonymiseRequest { text: text.to_owned(), ..Default::default() }).await.unwrap().into_inner();
    assert!(!anonymised.text.contains("Aisha Khan") && !anonymised.text.contains("Tom"), "{}", anonymised.text);
}

#[tokio::test]
async fn names_after_greetings_possessives_and_initials_are_found() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (text, name) in [
        ("Ciao Francesca, il tuo apparecchio è pronto!", "Francesca"),
        ("Look at Emma's new veneers!", "Emma"),
        ("Grazie alla paziente G.B. per i fiori, l'impianto va benissimo.", "G.B."),
    ] {
        let response = client.check_post(request(text)).await.unwrap().into_inner();
        assert_eq!(response.verdict, pb::Verdict::Block as i32, "{text}");
        assert!(!response.anonymised_text.contains(name), "{}", response.anonymised_text);
    }
}

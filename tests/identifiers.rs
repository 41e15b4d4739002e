//! Identifier recognition through the embedded default policy (every recogniser together,
//! so shared shapes are resolved as a request sees them), and `riserbo eval-identifiers` on
//! test vectors and clean documents written here.

use std::process::Command;

use riserbo::engine::entity::EntityType;
use riserbo::policy::default_policy;

fn entities(text: &str) -> Vec<(String, EntityType)> {
    let policy = default_policy();
    let analysis = policy.engine.analyze(text, None, None);
    analysis.entities.iter().map(|e| (e.value(text).to_owned(), e.entity_type)).collect()
}

fn typed(text: &str, ty: EntityType) -> Vec<String> {
    entities(text).into_iter().filter(|(_, t)| *t == ty).map(|(v, _)| v).collect()
}

#[test]
fn one_span_one_type_for_shared_shapes() {
    use EntityType::*;
    let cases: &[(&str, &str, EntityType)] = &[
        ("Il numero di passaporto del paziente è YA8335453.", "YA8335453", ItPassport),
        ("Carta d'identità n. YA8335453 rilasciata a Bergamo.", "YA8335453", ItIdentityCard),
        ("My passport number is YA8335453 and it expires soon.", "YA8335453", UkPassport),
        ("Reminder for Olivia, NHS number 943 476 5919.", "943 476 5919", UkNhs),
        ("Chiamami al 328 445 1290 quando puoi.", "328 445 1290", PhoneNumber),
        ("Fattura allo studio, P.IVA 00743110157.", "00743110157", ItVatCode),
        // Also a valid Milan landline: the label outweighs the phone reading.
        ("Il numero di partita IVA è 02100550264.", "02100550264", ItVatCode),
        ("Our VAT number is 00000000000 and 02100550264.", "02100550264", ItVatCode),
        ("NHS number 943 476 5919, mobile 07700 900456.", "07700 900456", PhoneNumber),
        ("Codice fiscale provvisorio 00743110157.", "00743110157", ItFiscalCode),
        ("Cartella clinica n. 2024/118 aperta oggi.", "2024/118", MedicalRecordNumber),
    ];
    for (text, value, ty) in cases {
        let found = entities(text);
        let at_value: Vec<&(String, EntityType)> = found.iter().filter(|(v, _)| v.contains(value)).collect();
        assert_eq!(at_value.len(), 1, "{text}: {found:?}");
        assert_eq!((at_value[0].0.as_str(), at_value[0].1), (*value, *ty), "{text}: {found:?}");
    }
}

#[test]
fn every_identifier_kind_in_one_post() {
    let text = "Paziente Mario Gentile, CF RSSMRA80A01H501U, tel. +39 328 445 1290, \
                mail mario.gentile@example.com, IBAN IT60 X054 2811 1010 0000 0123 456, \
                NHS no. 943 476 5919, NI number AB 12 34 56 C, postcode SW1A 1AA, \
                licence MORGA657054SM9IJ, card 4111 1111 1111 1111, nato il 3 aprile 1950, \
                @mario_g, https://example.com/mario, IP 192.168.1.20.";
    use EntityType::*;
    for ty in [
        ItFiscalCode,
        PhoneNumber,
        EmailAddress,
        IbanCode,
        UkNhs,
        UkNino,
        UkPostcode,
        UkDrivingLicence,
        CreditCard,
        DateTime,
        SocialHandle,
        Url,
        IpAddress,
    ] {
        assert_eq!(typed(text, ty).len(), 1, "{ty}: {:?}", entities(text));
    }
}

#[test]
fn ordinary_clinic_text_has_no_identifiers() {
    let text = "Promo di primavera: pulizia a € 80,00 invece di 100! Orari 9-19, dal 2019-2020 \
                siamo a 3 km dal centro. Amoxicillina 500 mg 3 volte al giorno per 7 giorni; \
                pressione 120/80. Version 2.3.1 of our app is out; call NHS 111 or 112 in an \
                emergency. ISO 9001:2015, lotto 2023AB.";
    let found: Vec<(String, EntityType)> = entities(text)
        .into_iter()
        .filter(|(_, t)| !matches!(t, EntityType::HealthCondition | EntityType::Treatment))
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

#[test]
fn eval_identifiers_scores_vectors_and_clean_documents() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("vectors.jsonl");
    // Written here from the published algorithms: valid and broken check characters.
    std::fs::write(
        &vectors,
        concat!(
            r#"{"kind": "IT_FISCAL_CODE", "text": "RSSMRA80A01H501U", "valid": true}"#,
            "\n",
            r#"{"kind": "IT_FISCAL_CODE", "text": "RSSMRA80A01H501X", "valid": false}"#,
            "\n",
            r#"{"kind": "UK_NHS", "text": "nhs 943 476 5919", "valid": true, "expected_spans": [[4, 16]]}"#,
            "\n",
            r#"{"kind": "UK_NHS", "text": "943 476 5918", "valid": false}"#,
            "\n",
            r#"{"kind": "NOT_A_KIND", "text": "x", "valid": true}"#,
            "\n"
        ),
    )
    .unwrap();
    let clean = dir.path().join("clean");
    std::fs::create_dir(&clean).unwrap();
    std::fs::write(clean.join("a.json"), r#"{"id": "doc-a", "text": "Visita del 3 aprile 2024: nessuna carie."}"#)
        .unwrap();
    std::fs::write(clean.join("b.json"), r#"{"id": "doc-b", "text": "Igiene orale quotidiana."}"#).unwrap();

    let out = Command::new(BIN)
        .args(["eval-identifiers", vectors.to_str().unwrap(), "--clean", clean.to_str().unwrap(), "--strict"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("| IT_FISCAL_CODE | 1 | 4/4 (100.0%) | 2/2 (100.0%) | 1 | 0/6 (0.0%) |"), "{stdout}");
    assert!(stdout.contains("| UK_NHS | 1 | 4/4 (100.0%) | 2/2 (100.0%) | 1 | 0/6 (0.0%) |"), "{stdout}");
    assert!(stdout.contains("NOT_A_KIND | 1 records, not a type this engine produces"), "{stdout}");
    assert!(stdout.contains("  doc-a: DATE_TIME 1"), "{stdout}");
    assert!(stdout.contains("documents with an identifier other than a date: 0"), "{stdout}");
    // Counts only: the documents' text is not printed without --show-values.
    assert!(!stdout.contains("3 aprile"), "{stdout}");
}

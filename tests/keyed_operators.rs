//! Keyed operators (hash, pseudonymise, encrypt) and Deanonymise through the real server and
//! a real gRPC client: round trips, tampering, other tenants, rotation, pods that share a
//! key file, errors, and logs that carry neither patient data nor keys.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::TestServer;
use riserbo::anonymise::Keyring;
use riserbo::policy::{PolicyStore, TenantSet, default_policy};
use riserbo::service::ServeOptions;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{self as pb, AnonymiseRequest, DeanonymiseRequest, operator::Kind};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

// Test secrets (base64 of 32 bytes), made for these tests only.
const ROMA_K1: &str = "pQ3n1jKx0mZ8vB2cR7tY5wE4uI9oP6aS1dF3gH8jK0M=";
const ROMA_K2: &str = "Xy7Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9Xc2Vb4Nm6Q=";
const MILANO_K1: &str = "Mn3Bv5Cx7Zl9Kj2Hg4Fd6Sa8Qp1Wo3Ei5Ru7Ty9Yu0I=";

const IT: &str = "Oggi la sig.ra Zoë Müller 😀 ha fatto l'impianto: chiamala al +39 328 445 1290 o scrivi a zoe.muller@gmail.com. Zoë Müller ringrazia!";
const EN: &str = "Placed two implants for Mrs. Siân O’Connor 🦷 today; call her on +44 7700 900456 or write to sian.oc@example.co.uk. Thanks, Siân O’Connor!";
const IT_VALUES: &[&str] = &["Zoë Müller", "+39 328 445 1290", "zoe.muller@gmail.com"];
const EN_VALUES: &[&str] = &["Siân O’Connor", "+44 7700 900456", "sian.oc@example.co.uk"];

/// Keys before rotation: Rome has k1; Milan has its own k1 (another secret).
fn keys_v1() -> String {
    format!(
        r#"
[[tenant]]
name = "clinica-roma"
current = "k1"
key = [{{ id = "k1", secret = "{ROMA_K1}" }}]

[[tenant]]
name = "clinica-milano"
current = "k1"
key = [{{ id = "k1", secret = "{MILANO_K1}" }}]
"#
    )
}

/// After rotation: Rome adds k2 and makes it current; k1 stays to decrypt old tokens and to
/// keep hashes and pseudonyms stable.
fn keys_v2() -> String {
    format!(
        r#"
[[tenant]]
name = "clinica-roma"
current = "k2"
hash_key = "k1"
key = [{{ id = "k1", secret = "{ROMA_K1}" }}, {{ id = "k2", secret = "{ROMA_K2}" }}]
"#
    )
}

fn store() -> Arc<PolicyStore> {
    let policy = Arc::new(default_policy());
    let tenants = ["clinica-roma", "clinica-milano"].into_iter().map(|t| (t.to_owned(), Arc::clone(&policy))).collect();
    Arc::new(PolicyStore::new(TenantSet { default: policy, tenants }))
}

async fn start(keys: &str, enable_deanonymise: bool) -> TestServer {
    let keys = Keyring::from_toml(keys, "keys.toml", |_| None).expect("test key file loads");
    let options = ServeOptions { keys: Arc::new(keys), enable_deanonymise, ..ServeOptions::default() };
    TestServer::start_with(store(), options).await
}

fn op(kind: Kind) -> pb::Operator {
    pb::Operator { kind: Some(kind) }
}

fn encrypt() -> pb::Operator {
    op(Kind::Encrypt(pb::EncryptOperator { key_id: String::new() }))
}

fn pseudonymise(letters: u32) -> pb::Operator {
    op(Kind::Pseudonymise(pb::PseudonymiseOperator { letters }))
}

fn request(tenant: &str, text: &str, default_operator: pb::Operator) -> AnonymiseRequest {
    AnonymiseRequest {
        tenant: tenant.into(),
        text: text.into(),
        default_operator: Some(default_operator),
        ..Default::default()
    }
}

async fn anonymise(client: &mut PolicyServiceClient<Channel>, request: AnonymiseRequest) -> pb::AnonymiseResponse {
    client.anonymise(request).await.expect("Anonymise answers").into_inner()
}

async fn deanonymise(
    client: &mut PolicyServiceClient<Channel>,
    tenant: &str,
    text: &str,
) -> Result<pb::DeanonymiseResponse, tonic::Status> {
    client
        .deanonymise(DeanonymiseRequest { tenant: tenant.into(), text: text.into() })
        .await
        .map(tonic::Response::into_inner)
}

fn utf16_slice(text: &str, span: &pb::Span) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16(&units[span.start_utf16 as usize..span.end_utf16 as usize]).unwrap()
}

fn byte_slice<'t>(text: &'t str, span: &pb::Span) -> &'t str {
    &text[span.start as usize..span.end as usize]
}

#[tokio::test]
async fn encrypt_then_deanonymise_round_trips_exactly() {
    let server = start(&keys_v1(), true).await;
    let mut client = server.client().await;
    for (text, values) in [(IT, IT_VALUES), (EN, EN_VALUES)] {
        let anonymised = anonymise(&mut client, request("clinica-roma", text, encrypt())).await;
        for value in values {
            assert!(!anonymised.text.contains(value), "{value} left in {}", anonymised.text);
        }
        assert!(anonymised.items.len() >= 4, "name twice, phone, e-mail: {:?}", anonymised.items);
        for item in &anonymised.items {
            let span = item.anonymised.as_ref().unwrap();
            let token = byte_slice(&anonymised.text, span);
            assert!(token.starts_with(&format!("[ENC:{}:k1:", item.entity_type)) && token.ends_with(']'), "{token}");
            assert_eq!(utf16_slice(&anonymised.text, span), token, "UTF-16 span points at the token");
            assert_eq!(item.operator, "encrypt");
        }

        let restored = deanonymise(&mut client, "clinica-roma", &anonymised.text).await.unwrap();
        assert_eq!(restored.text, text, "exact round trip");
        assert_eq!(restored.items.len(), anonymised.items.len());
        for (item, back) in anonymised.items.iter().zip(&restored.items) {
            // The token's span in the request is where Anonymise put it, and the restored
            // value is exactly where the original was.
            assert_eq!(back.token, item.anonymised.clone().map(|s| pb::Span { score: 1.0, ..s }));
            let (original, again) = (item.original.as_ref().unwrap(), back.restored.as_ref().unwrap());
            assert_eq!((original.start, original.end), (again.start, again.end));
            assert_eq!((original.start_utf16, original.end_utf16), (again.start_utf16, again.end_utf16));
            assert_eq!(back.entity_type, item.entity_type);
            assert_eq!(back.key_id, "k1");
        }
    }
}

#[tokio::test]
async fn a_tampered_token_fails_with_a_clear_error() {
    let server = start(&keys_v1(), true).await;
    let mut client = server.client().await;
    let anonymised = anonymise(&mut client, request("clinica-roma", IT, encrypt())).await;
    let first = anonymised.items[0].anonymised.clone().unwrap();
    let token = byte_slice(&anonymised.text, &first).to_owned();

    // One payload character changed.
    let mut bytes = token.clone().into_bytes();
    let at = bytes.len() - 5;
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    let tampered = anonymised.text.replacen(&token, std::str::from_utf8(&bytes).unwrap(), 1);
    let status = deanonymise(&mut client, "clinica-roma", &tampered).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let expected = format!(
        "text: token 1 at bytes {}..{}: does not authenticate: it was altered, or another tenant or key made it",
        first.start, first.end
    );
    assert_eq!(status.message(), expected);
    assert_eq!(status.get_error_details().bad_request().unwrap().field_violations[0].field, "text");
    assert!(!status.message().contains("Zoë"));

    // The entity type edited: the token no longer authenticates either.
    let retyped = anonymised.text.replacen("[ENC:PERSON:", "[ENC:EMAIL_ADDRESS:", 1);
    let status = deanonymise(&mut client, "clinica-roma", &retyped).await.unwrap_err();
    assert!(status.message().contains("does not authenticate"), "{}", status.message());

    // A cut-off token is malformed, not silently left in place.
    let cut = anonymised.text.replacen(&token, &token[..token.len() - 1], 1);
    let status = deanonymise(&mut client, "clinica-roma", &cut).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("is not a well-formed"), "{}", status.message());
}

#[tokio::test]
async fn a_token_from_another_tenant_fails() {
    let server = start(&keys_v1(), true).await;
    let mut client = server.client().await;
    let roma = anonymise(&mut client, request("clinica-roma", EN, encrypt())).await;

    // Milan has a key called k1 too, with another secret: the token does not authenticate.
    let status = deanonymise(&mut client, "clinica-milano", &roma.text).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("token 1") && status.message().contains("does not authenticate"));

    // Even encrypted with the very same secret, the tenant is bound into the token.
    let shared = format!(
        "[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\nkey = [{{ id = \"k1\", secret = \"{ROMA_K1}\" }}]\n\
         [[tenant]]\nname = \"b\"\ncurrent = \"k1\"\nkey = [{{ id = \"k1\", secret = \"{ROMA_K1}\" }}]\n"
    );
    let ring = Keyring::from_toml(&shared, "keys.toml", |_| None).unwrap();
    let policy = default_policy();
    let input = riserbo::policy::AnonymiseInput {
        default_operator: Some(riserbo::anonymise::Operator::Encrypt { key_id: None }),
        ..Default::default()
    };
    let a = policy.anonymise(EN, &input, &riserbo::Limits::default(), &ring.context("a")).unwrap();
    let err = riserbo::anonymise::deanonymise(&a.anonymised.text, &ring.context("b")).unwrap_err();
    assert!(err.to_string().contains("does not authenticate"), "{err}");

    // The default tenant has no keys at all: that is the server's state, not the request's.
    let status = deanonymise(&mut client, "", &roma.text).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().starts_with("tenant: deanonymise needs a key"), "{}", status.message());

    // An unknown tenant is NOT_FOUND, as for every call.
    let status = deanonymise(&mut client, "nobody", &roma.text).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn deanonymise_is_off_unless_enabled() {
    let server = start(&keys_v1(), false).await;
    let mut client = server.client().await;
    let anonymised = anonymise(&mut client, request("clinica-roma", IT, encrypt())).await;
    let status = deanonymise(&mut client, "clinica-roma", &anonymised.text).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("--enable-deanonymise"), "{}", status.message());
    assert_eq!(status.get_error_details().error_info().unwrap().reason, "DEANONYMISE_DISABLED");
}

#[tokio::test]
async fn rotated_keys_still_decrypt_and_new_tokens_use_the_current_id() {
    let before = start(&keys_v1(), true).await;
    let mut client = before.client().await;
    let old = anonymise(&mut client, request("clinica-roma", IT, encrypt())).await;
    let old_labels = anonymise(&mut client, request("clinica-roma", IT, pseudonymise(0))).await;
    before.stop().await.unwrap();

    let after = start(&keys_v2(), true).await;
    let mut client = after.client().await;
    let new = anonymise(&mut client, request("clinica-roma", IT, encrypt())).await;
    assert!(old.text.contains(":k1:") && !old.text.contains(":k2:"));
    assert!(new.text.contains(":k2:") && !new.text.contains(":k1:"), "{}", new.text);
    assert_eq!(deanonymise(&mut client, "clinica-roma", &old.text).await.unwrap().text, IT, "old key id");
    assert_eq!(deanonymise(&mut client, "clinica-roma", &new.text).await.unwrap().text, IT, "current key id");
    // A whole conversation mixing both generations restores too.
    let mixed = format!("{}\n{}", old.text, new.text);
    assert_eq!(deanonymise(&mut client, "clinica-roma", &mixed).await.unwrap().text, format!("{IT}\n{IT}"));

    // hash_key pins pseudonyms to k1, so rotating the encryption key does not rename patients.
    let new_labels = anonymise(&mut client, request("clinica-roma", IT, pseudonymise(0))).await;
    assert_eq!(old_labels.text, new_labels.text);

    // An explicit old key id can still be asked for; an unknown one is a precondition failure.
    let mut explicit = request("clinica-roma", IT, op(Kind::Encrypt(pb::EncryptOperator { key_id: "k1".into() })));
    assert_eq!(anonymise(&mut client, explicit.clone()).await.text, old.text);
    explicit.default_operator = Some(op(Kind::Encrypt(pb::EncryptOperator { key_id: "k7".into() })));
    let status = client.anonymise(explicit).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "default_operator: tenant \"clinica-roma\" has no key id \"k7\"");
}

#[tokio::test]
async fn pseudonyms_agree_across_pods_and_differ_across_scopes_and_tenants() {
    // Two "pods": separate servers, each loading the key file on its own, no shared state.
    let (pod_a, pod_b) = (start(&keys_v1(), false).await, start(&keys_v1(), false).await);
    let (mut a, mut b) = (pod_a.client().await, pod_b.client().await);
    let scoped = |tenant: &str, scope: &str, text: &str, letters: u32| AnonymiseRequest {
        pseudonym_scope: scope.into(),
        ..request(tenant, text, pseudonymise(letters))
    };
    for (text, values, word) in [(IT, IT_VALUES, "Paziente "), (EN, EN_VALUES, "Patient ")] {
        let from_a = anonymise(&mut a, scoped("clinica-roma", "thread-1", text, 0)).await;
        let from_b = anonymise(&mut b, scoped("clinica-roma", "thread-1", text, 0)).await;
        assert_eq!(from_a.text, from_b.text, "pods agree");
        for value in values {
            assert!(!from_a.text.contains(value));
        }
        let labels: Vec<&str> =
            from_a.items.iter().map(|i| byte_slice(&from_a.text, i.anonymised.as_ref().unwrap())).collect();
        assert!(labels[0].starts_with(word), "{labels:?}");
        assert_eq!(labels.first(), labels.last(), "the same name, the same label: {labels:?}");
        assert_eq!(from_a.items[0].operator, "pseudonymise");

        // With 8 letters a chance agreement is 1 in 2.5e10, so "different" can be asserted.
        let here = anonymise(&mut a, scoped("clinica-roma", "thread-1", text, 8)).await;
        let other_scope = anonymise(&mut b, scoped("clinica-roma", "thread-2", text, 8)).await;
        let other_tenant = anonymise(&mut b, scoped("clinica-milano", "thread-1", text, 8)).await;
        for other in [&other_scope, &other_tenant] {
            for (x, y) in here.items.iter().zip(&other.items) {
                let (x, y) = (x.anonymised.as_ref().unwrap(), y.anonymised.as_ref().unwrap());
                assert_ne!(byte_slice(&here.text, x), byte_slice(&other.text, y));
            }
        }
    }
}

#[tokio::test]
async fn hash_mask_and_keep_through_the_service() {
    let server = start(&keys_v1(), false).await;
    let mut client = server.client().await;
    let mut operators = HashMap::new();
    operators.insert("PHONE_NUMBER".to_owned(), op(Kind::Hash(pb::HashOperator { truncate: 12 })));
    operators.insert(
        "EMAIL_ADDRESS".to_owned(),
        op(Kind::Mask(pb::MaskOperator { masking_char: "•".into(), chars_to_mask: 0, from_end: false })),
    );
    operators.insert("PERSON".to_owned(), op(Kind::Keep(pb::KeepOperator {})));
    let response = anonymise(
        &mut client,
        AnonymiseRequest { tenant: "clinica-roma".into(), text: IT.into(), operators, ..Default::default() },
    )
    .await;
    let by_type = |t: &str| {
        response
            .items
            .iter()
            .filter(|i| i.entity_type == t)
            .map(|i| {
                let span = i.anonymised.as_ref().unwrap();
                assert_eq!(utf16_slice(&response.text, span), byte_slice(&response.text, span));
                (byte_slice(&response.text, span).to_owned(), i.operator.clone())
            })
            .collect::<Vec<_>>()
    };
    let (hash, operator) = &by_type("PHONE_NUMBER")[0];
    assert_eq!(operator, "hash");
    assert!(hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    assert_eq!(by_type("EMAIL_ADDRESS")[0].0, "•••.••••••@•••••.•••");
    assert_eq!(
        by_type("PERSON"),
        [("Zoë Müller".to_owned(), "keep".to_owned()), ("Zoë Müller".to_owned(), "keep".to_owned())]
    );
    assert!(response.text.starts_with("Oggi la sig.ra Zoë Müller 😀 ha fatto l'impianto: chiamala al "));
}

#[tokio::test]
async fn keyed_operators_without_keys_are_failed_precondition() {
    let server = TestServer::start().await; // no key file
    let mut client = server.client().await;
    for operator in [encrypt(), pseudonymise(0), op(Kind::Hash(pb::HashOperator { truncate: 0 }))] {
        // Whatever the text: a text with nothing to anonymise fails the same way.
        for text in [IT, "Nessun dato qui."] {
            let mut operators = HashMap::new();
            operators.insert("PERSON".to_owned(), operator.clone());
            let status = client
                .anonymise(AnonymiseRequest { text: text.into(), operators, ..Default::default() })
                .await
                .unwrap_err();
            assert_eq!(status.code(), Code::FailedPrecondition);
            assert!(status.message().starts_with("operators[\"PERSON\"]: "), "{}", status.message());
            assert!(
                status.message().contains("needs a key, and tenant \"\" has none configured"),
                "{}",
                status.message()
            );
        }
    }
}

#[tokio::test]
async fn malformed_operators_are_invalid_argument() {
    let server = start(&keys_v1(), false).await;
    let mut client = server.client().await;
    let cases = [
        (op(Kind::Hash(pb::HashOperator { truncate: 4 })), "hash.truncate must be 0 (all 64) or 8 to 64"),
        (pseudonymise(1), "pseudonymise.letters must be 0 (default 3) or 2 to 8"),
        (op(Kind::Encrypt(pb::EncryptOperator { key_id: "k 1".into() })), "encrypt.key_id must be"),
        (
            op(Kind::Generalise(pb::GeneraliseOperator { date_granularity: 0 })),
            "generalise applies to DATE_TIME, AGE, ADDRESS only, not PERSON",
        ),
    ];
    for (operator, reason) in cases {
        let mut operators = HashMap::new();
        operators.insert("PERSON".to_owned(), operator);
        let status = client
            .anonymise(AnonymiseRequest {
                tenant: "clinica-roma".into(),
                text: IT.into(),
                operators,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
        assert!(status.message().starts_with(&format!("operators[\"PERSON\"]: {reason}")), "{}", status.message());
        let details = status.get_error_details();
        assert_eq!(details.bad_request().unwrap().field_violations[0].field, "operators[\"PERSON\"]");
    }
}

/// The binary as deployed: keys from a file and an environment variable, Deanonymise on,
/// every log line at trace level for riserbo captured. No patient value and no key secret
/// may appear in them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_neither_patient_data_nor_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    std::fs::write(
        &path,
        "[[tenant]]\nname = \"\"\ncurrent = \"k2\"\nkey = [{ id = \"k1\", secret_env = \"TEST_RISERBO_K1\" }, { id = \"k2\", secret_env = \"TEST_RISERBO_K2\" }]\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_riserbo"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--keys", path.to_str().unwrap()])
        .env("RISERBO_ENABLE_DEANONYMISE", "true")
        .env("TEST_RISERBO_K1", ROMA_K1)
        .env("TEST_RISERBO_K2", ROMA_K2)
        .env("RUST_LOG", "riserbo=trace,info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start riserbo serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let addr = loop {
        let line = lines.next().expect("serve exited before serving").unwrap();
        let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        log.push(line);
        if event["message"] == "serving" {
            assert_eq!(event["key_tenants"], 1);
            assert_eq!(event["deanonymise"], true);
            break event["addr"].as_str().unwrap().to_owned();
        }
    };
    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut client = PolicyServiceClient::new(channel);
    let mut operators = HashMap::new();
    operators.insert("PERSON".to_owned(), pseudonymise(0));
    operators.insert("PHONE_NUMBER".to_owned(), op(Kind::Hash(pb::HashOperator { truncate: 0 })));
    let anonymised = anonymise(
        &mut client,
        AnonymiseRequest {
            text: IT.into(),
            operators,
            default_operator: Some(encrypt()),
            pseudonym_scope: "thread-secret-scope".into(),
            ..Default::default()
        },
    )
    .await;
    let restored = deanonymise(&mut client, "", &anonymised.text).await.unwrap();
    assert!(restored.text.contains("zoe.muller@gmail.com"));
    let tampered = anonymised.text.replacen("[ENC:EMAIL_ADDRESS:k2:", "[ENC:EMAIL_ADDRESS:k1:", 1);
    assert!(deanonymise(&mut client, "", &tampered).await.is_err());

    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    assert!(child.wait().unwrap().success());
    log.extend(lines.map_while(Result::ok));
    let log = log.join("\n");
    assert!(log.contains("\"Deanonymise\"") || log.contains("deanonymised"), "the calls were logged: {log}");
    let mut secrets: Vec<String> = IT_VALUES.iter().map(|v| (*v).to_owned()).collect();
    secrets.extend(["Zoë", "Müller", "328 445", "zoe.muller", "thread-secret-scope"].map(str::to_owned));
    secrets.extend([&ROMA_K1[..16], &ROMA_K2[..16]].map(str::to_owned));
    // Tokens and pseudonyms are derived from patient data: they stay out of logs as well.
    for item in &anonymised.items {
        let replacement = byte_slice(&anonymised.text, item.anonymised.as_ref().unwrap());
        match item.operator.as_str() {
            "encrypt" => secrets.push(replacement[replacement.len() - 20..replacement.len() - 1].to_owned()),
            _ => secrets.push(replacement.to_owned()), // the pseudonym and the hash
        }
    }
    assert!(secrets.iter().any(|s| s.starts_with("Paziente ")));
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "{secret:?} appears in the logs:\n{log}");
    }
}

/// `riserbo anonymise` with every operator's CLI syntax, and `riserbo deanonymise` back.
#[test]
fn cli_operators_keys_and_deanonymise() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    std::fs::write(
        &keys,
        format!("[[tenant]]\nname = \"\"\ncurrent = \"k1\"\nkey = [{{ id = \"k1\", secret = \"{ROMA_K1}\" }}]\n"),
    )
    .unwrap();
    let keys = keys.to_str().unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_riserbo"))
            .args(args)
            .env_remove("RISERBO_KEYS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let anonymise = |operator: &str| {
        let (code, out, err) = run(&["anonymise", "--keys", keys, "--scope", "t", "--operator", operator], IT);
        assert_eq!(code, Some(0), "{operator}: {err}");
        out.trim_end().to_owned()
    };
    assert!(anonymise("PERSON=pseudonymise").starts_with("Oggi la sig.ra Paziente "));
    assert_eq!(anonymise("PERSON=pseudonymise:6").matches("Paziente ").count(), 2);
    assert!(anonymise("PHONE_NUMBER=hash:16").contains("chiamala al "));
    assert!(anonymise("PHONE_NUMBER=mask:#:6").contains("chiamala al +39 ### ### 1290"));
    assert!(anonymise("PERSON=redact").starts_with("Oggi la sig.ra 😀"));
    assert!(anonymise("PERSON=replace:[nome]").starts_with("Oggi la sig.ra [nome] 😀"));
    assert!(anonymise("PERSON=keep").starts_with("Oggi la sig.ra Zoë Müller 😀"));
    assert!(anonymise("PERSON=encrypt:k1").starts_with("Oggi la sig.ra [ENC:PERSON:k1:"));

    let (code, encrypted, _) = run(&["anonymise", "--keys", keys, "--default-operator", "encrypt"], IT);
    assert_eq!(code, Some(0));
    let (code, restored, _) = run(&["deanonymise", "--keys", keys], &encrypted);
    assert_eq!(code, Some(0));
    assert_eq!(restored.trim_end(), IT);
    let (code, json, _) = run(&["deanonymise", "--keys", keys, "--json"], &encrypted);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["items"][0]["entity_type"], "PERSON");

    let (code, _, err) = run(&["anonymise", "--operator", "PERSON=pseudonymise"], IT);
    assert_eq!(code, Some(2));
    assert!(err.contains("operators[\"PERSON\"]: pseudonymise needs a key"), "{err}");
    let (code, _, err) = run(&["anonymise", "--operator", "PERSON=generalise"], IT);
    assert_eq!(code, Some(2));
    assert!(err.contains("generalise applies to DATE_TIME, AGE, ADDRESS only"), "{err}");
    let tampered = encrypted.replacen("[ENC:PERSON:k1:", "[ENC:PERSON:k1:A", 1);
    let (code, _, err) = run(&["deanonymise", "--keys", keys], &tampered);
    assert_eq!(code, Some(2));
    assert!(err.contains("token 1 at bytes 15.."), "{err}");
}

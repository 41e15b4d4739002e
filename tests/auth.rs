//! Authentication and tenancy on the real server: API keys and bearer tokens, mutual TLS,
//! roles per method and tenants per call; health and reflection stay open.

mod common;

use std::collections::BTreeSet;

use common::{TestServer, post, reason, store_with_tenants, with_key};
use riserbo::service::ServeOptions;
use riserbo::service::layers::auth::{AuthOptions, ClientGrant, Grant, KeyGrant, Role, Tenants};
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{AnonymiseRequest, GetDecisionStatsRequest};
use sha2::{Digest, Sha256};
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

fn grant(tenants: &[&str], roles: &[Role]) -> Grant {
    Grant {
        tenants: if tenants == ["*"] {
            Tenants::All
        } else {
            Tenants::Only(tenants.iter().map(|t| (*t).to_owned()).collect::<BTreeSet<_>>())
        },
        roles: roles.iter().copied().collect(),
    }
}

fn key(id: &str, secret: &str, grant: Grant) -> KeyGrant {
    KeyGrant { id: id.to_owned(), sha256: Sha256::digest(secret.as_bytes()).into(), grant }
}

async fn server_with_keys() -> TestServer {
    let auth = AuthOptions {
        enabled: true,
        keys: vec![
            key("cms-a", "key-for-clinic-a", grant(&["clinic-a"], &[Role::Check])),
            key("anonymiser", "key-anonymise-only", grant(&["*"], &[Role::Anonymise])),
        ],
        clients: vec![],
    };
    TestServer::start_with(store_with_tenants(&["clinic-a", "clinic-b"]), ServeOptions { auth, ..Default::default() })
        .await
}

#[tokio::test]
async fn missing_credentials_are_unauthenticated() {
    let server = server_with_keys().await;
    let status = server.client().await.check_post(post("clinic-a")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_eq!(reason(&status), "MISSING_CREDENTIALS");
}

#[tokio::test]
async fn wrong_or_malformed_credentials_are_unauthenticated() {
    let server = server_with_keys().await;
    let mut client = server.client().await;
    let status = client.check_post(with_key(post("clinic-a"), "not-a-key")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(reason(&status), "INVALID_CREDENTIALS");

    let mut request = tonic::Request::new(post("clinic-a"));
    request.metadata_mut().insert("authorization", "Basic a2V5LWZvci1jbGluaWMtYQ==".parse().unwrap());
    let status = client.check_post(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn the_key_of_the_tenant_is_answered_under_either_scheme() {
    let server = server_with_keys().await;
    let mut client = server.client().await;
    let response = client.check_post(with_key(post("clinic-a"), "key-for-clinic-a")).await.unwrap().into_inner();
    assert!(!response.decision_id.is_empty());

    let mut request = tonic::Request::new(post("clinic-a"));
    request.metadata_mut().insert("authorization", "ApiKey key-for-clinic-a".parse().unwrap());
    client.check_post(request).await.unwrap();
}

#[tokio::test]
async fn a_tenant_not_granted_is_permission_denied() {
    let server = server_with_keys().await;
    let mut client = server.client().await;
    for tenant in ["clinic-b", "", "no-such-clinic"] {
        let status = client.check_post(with_key(post(tenant), "key-for-clinic-a")).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "tenant {tenant:?}: {status:?}");
        assert_eq!(reason(&status), "TENANT_NOT_GRANTED");
    }
}

#[tokio::test]
async fn a_role_not_granted_is_permission_denied() {
    let server = server_with_keys().await;
    let mut client = server.client().await;
    // The anonymiser may anonymise for every tenant, but not check.
    let anonymise =
        AnonymiseRequest { tenant: "clinic-b".into(), text: "Chiama il 328 445 1290".into(), ..Default::default() };
    client.anonymise(with_key(anonymise, "key-anonymise-only")).await.unwrap();
    let status = client.check_post(with_key(post("clinic-b"), "key-anonymise-only")).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(reason(&status), "ROLE_NOT_GRANTED");
    assert!(status.message().contains("\"check\""), "{}", status.message());

    // Reading decisions needs its own role.
    let stats = GetDecisionStatsRequest { tenant: "clinic-a".into(), ..Default::default() };
    let status = client.get_decision_stats(with_key(stats, "key-for-clinic-a")).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(reason(&status), "ROLE_NOT_GRANTED");
}

#[tokio::test]
async fn health_and_reflection_stay_open() {
    let server = server_with_keys().await;
    let mut health = HealthClient::new(server.channel().await);
    health.check(HealthCheckRequest { service: "riserbo.v1.PolicyService".into() }).await.unwrap();

    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    assert!(stream.message().await.unwrap().is_some());
}

/// A CA, a server certificate for localhost and client certificates, made for the test.
struct Pki {
    ca_pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "Riserbo test CA");
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::DigitalSignature];
        let ca = params.self_signed(&key).unwrap();
        Self { ca_pem: ca.pem(), issuer: rcgen::Issuer::new(params, key) }
    }

    /// (certificate PEM, key PEM) with `common_name` and DNS names.
    fn leaf(&self, common_name: &str, dns: &[&str], usage: rcgen::ExtendedKeyUsagePurpose) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(dns.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

async fn tls_client(
    server: &TestServer,
    pki: &Pki,
    identity: Option<&(String, String)>,
) -> Result<PolicyServiceClient<tonic::transport::Channel>, tonic::transport::Error> {
    use tonic::transport::{Certificate, ClientTlsConfig, Identity};
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem)).domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    let channel = tonic::transport::Channel::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await?;
    Ok(PolicyServiceClient::new(channel))
}

#[tokio::test]
async fn a_client_certificate_names_the_caller_and_its_tenant() {
    let pki = Pki::new();
    let (server_cert, server_key) = pki.leaf("localhost", &["localhost"], rcgen::ExtendedKeyUsagePurpose::ServerAuth);
    let options = ServeOptions {
        tls: Some(riserbo::service::TlsOptions {
            cert_pem: server_cert.into_bytes(),
            key_pem: server_key.into_bytes(),
            client_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        }),
        auth: AuthOptions {
            enabled: true,
            keys: vec![key("cms-a", "key-for-clinic-a", grant(&["clinic-a"], &[Role::Check]))],
            clients: vec![ClientGrant {
                name: "scheduler.clinic-b.example".into(),
                grant: grant(&["clinic-b"], &[Role::Check]),
            }],
        },
        ..Default::default()
    };
    let server = TestServer::start_with(store_with_tenants(&["clinic-a", "clinic-b"]), options).await;
    let client_b = pki.leaf("scheduler", &["scheduler.clinic-b.example"], rcgen::ExtendedKeyUsagePurpose::ClientAuth);
    let stranger = pki.leaf("stranger.example", &["stranger.example"], rcgen::ExtendedKeyUsagePurpose::ClientAuth);

    // Mapped certificate: its tenant is answered, another tenant is not.
    let mut client = tls_client(&server, &pki, Some(&client_b)).await.unwrap();
    client.check_post(post("clinic-b")).await.unwrap();
    let status = client.check_post(post("clinic-a")).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    // A certificate from the CA that no client entry names.
    let mut client = tls_client(&server, &pki, Some(&stranger)).await.unwrap();
    let status = client.check_post(post("clinic-b")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(reason(&status), "INVALID_CREDENTIALS");

    // No certificate: a key still works over TLS, nothing at all does not.
    let mut client = tls_client(&server, &pki, None).await.unwrap();
    client.check_post(with_key(post("clinic-a"), "key-for-clinic-a")).await.unwrap();
    let status = client.check_post(post("clinic-a")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    // A certificate from another CA does not get through the handshake.
    let other = Pki::new();
    let forged = other.leaf("scheduler", &["scheduler.clinic-b.example"], rcgen::ExtendedKeyUsagePurpose::ClientAuth);
    let refused = match tls_client(&server, &pki, Some(&forged)).await {
        Err(_) => true,
        Ok(mut client) => client.check_post(post("clinic-b")).await.is_err(),
    };
    assert!(refused, "a certificate from an unknown CA was accepted");
}

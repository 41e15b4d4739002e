//! Authentication, and the role each method needs. This layer runs per service (health and
//! reflection stay open): it identifies the caller from `authorization` metadata (an API key
//! or bearer token, compared by SHA-256 against the hashes in the configuration) or from the
//! TLS client certificate (its subject common name or DNS names), refuses the call when the
//! caller lacks the method's role, and hands the [`Principal`] to the handler in the request
//! extensions. Which tenant a call acts for is inside the protobuf message, so the tenant
//! check happens once the message is decoded, in [`super::access::Access::admit`].
//!
//! With authentication off every call gets the anonymous principal (every tenant, every
//! role); the server says so loudly at start-up.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tower::Layer;

use super::{AroundCall, Body, Layered, Reply, refuse};
use crate::service::status::Refusal;
use crate::telemetry::Metrics;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Check,
    Anonymise,
    Deanonymise,
    ReadPolicy,
    ReadDecisions,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Check, Role::Anonymise, Role::Deanonymise, Role::ReadPolicy, Role::ReadDecisions];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Check => "check",
            Role::Anonymise => "anonymise",
            Role::Deanonymise => "deanonymise",
            Role::ReadPolicy => "read-policy",
            Role::ReadDecisions => "read-decisions",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Every `PolicyService` method and the role it needs. A method missing here is refused when
/// authentication is on (fail closed); a unit test checks the table covers the proto.
pub const METHODS: &[(&str, Role)] = &[
    ("/riserbo.v1.PolicyService/CheckPost", Role::Check),
    ("/riserbo.v1.PolicyService/CheckPostStream", Role::Check),
    ("/riserbo.v1.PolicyService/Anonymise", Role::Anonymise),
    ("/riserbo.v1.PolicyService/Deanonymise", Role::Deanonymise),
    ("/riserbo.v1.PolicyService/GetPolicy", Role::ReadPolicy),
    ("/riserbo.v1.PolicyService/GetPolicyStatus", Role::ReadPolicy),
    ("/riserbo.v1.PolicyService/ListDecisions", Role::ReadDecisions),
    ("/riserbo.v1.PolicyService/GetDecisionStats", Role::ReadDecisions),
];

/// The method's full path as a static string and the role it needs.
pub fn method(path: &str) -> Option<(&'static str, Role)> {
    METHODS.iter().find(|(p, _)| *p == path).map(|(p, r)| (*p, *r))
}

/// Which tenants a caller may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenants {
    All,
    /// These tenants only ("" is the default tenant).
    Only(BTreeSet<String>),
}

/// What a key or client certificate grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub tenants: Tenants,
    pub roles: BTreeSet<Role>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key id or certificate name; recorded in the decision log as the caller.
    pub id: String,
    pub grant: Grant,
}

impl Principal {
    /// The caller when authentication is off.
    pub fn anonymous() -> Self {
        Principal {
            id: "anonymous".to_owned(),
            grant: Grant { tenants: Tenants::All, roles: Role::ALL.into_iter().collect() },
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grant.roles.contains(&role)
    }

    pub fn may_act_for(&self, tenant: &str) -> bool {
        match &self.grant.tenants {
            Tenants::All => true,
            Tenants::Only(set) => set.contains(tenant),
        }
    }
}

/// One API key or bearer token: only the SHA-256 of the secret is configured.
#[derive(Debug, Clone)]
pub struct KeyGrant {
    pub id: String,
    pub sha256: [u8; 32],
    pub grant: Grant,
}

/// One TLS client identity: a certificate whose subject common name or a DNS name is `name`.
#[derive(Debug, Clone)]
pub struct ClientGrant {
    pub name: String,
    pub grant: Grant,
}

/// Authentication settings.
#[derive(Debug, Clone, Default)]
pub struct AuthOptions {
    pub enabled: bool,
    pub keys: Vec<KeyGrant>,
    pub clients: Vec<ClientGrant>,
}

/// Credentials → principal, built once from the options.
#[derive(Debug)]
pub struct Authenticator {
    enabled: bool,
    keys: HashMap<[u8; 32], Arc<Principal>>,
    clients: HashMap<String, Arc<Principal>>,
    anonymous: Arc<Principal>,
}

impl Authenticator {
    pub fn new(options: &AuthOptions) -> Self {
        let keys = options
            .keys
            .iter()
            .map(|k| (k.sha256, Arc::new(Principal { id: k.id.clone(), grant: k.grant.clone() })))
            .collect();
        let clients = options
            .clients
            .iter()
            .map(|c| (c.name.clone(), Arc::new(Principal { id: c.name.clone(), grant: c.grant.clone() })))
            .collect();
        Self { enabled: options.enabled, keys, clients, anonymous: Arc::new(Principal::anonymous()) }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Identifies the caller of `request`.
    pub fn authenticate<B>(&self, request: &http::Request<B>) -> Result<Arc<Principal>, Refusal> {
        if !self.enabled {
            return Ok(Arc::clone(&self.anonymous));
        }
        if let Some(value) = request.headers().get(http::header::AUTHORIZATION) {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("ApiKey ")))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or(Refusal::InvalidCredentials)?;
            let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
            return self.keys.get(&digest).cloned().ok_or(Refusal::InvalidCredentials);
        }
        if let Some(certs) = peer_certificates(request) {
            let leaf = certs.first().ok_or(Refusal::MissingCredentials)?;
            return certificate_names(leaf.as_ref())
                .iter()
                .find_map(|name| self.clients.get(name).cloned())
                .ok_or(Refusal::InvalidCredentials);
        }
        Err(Refusal::MissingCredentials)
    }
}

/// The verified client certificate chain of a TLS connection (tonic puts the connection's
/// info in every request's extensions).
fn peer_certificates<B>(request: &http::Request<B>) -> Option<Arc<Vec<tonic::transport::CertificateDer<'static>>>> {
    request
        .extensions()
        .get::<tonic::transport::server::TlsConnectInfo<tonic::transport::server::TcpConnectInfo>>()
        .and_then(|info| info.peer_certs())
}

/// The subject common names and DNS subject-alternative names of a DER certificate.
pub fn certificate_names(der: &[u8]) -> Vec<String> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> =
        cert.subject().iter_common_name().filter_map(|cn| cn.as_str().ok().map(str::to_owned)).collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(dns) = name {
                names.push((*dns).to_owned());
            }
        }
    }
    names
}

/// Authenticates, checks the method's role, and passes the principal on.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
    metrics: Metrics,
}

impl AuthLayer {
    pub fn new(authenticator: Arc<Authenticator>, metrics: Metrics) -> Self {
        Self { authenticator, metrics }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

impl AroundCall for AuthLayer {
    fn around(&self, mut request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let principal = match self.authenticator.authenticate(&request) {
            Ok(p) => p,
            Err(refusal) => return Box::pin(std::future::ready(Ok(refuse(refusal, &self.metrics)))),
        };
        if self.authenticator.enabled() {
            // Unknown methods are refused too: a new RPC must be given a role in `METHODS`.
            let role = method(request.uri().path()).map(|(_, role)| role);
            match role {
                Some(role) if principal.has_role(role) => {}
                _ => {
                    let role = role.map_or("unmapped-method", Role::as_str);
                    return Box::pin(std::future::ready(Ok(refuse(Refusal::RoleNotGranted { role }, &self.metrics))));
                }
            }
        }
        tracing::Span::current().record("caller", principal.id.as_str());
        request.extensions_mut().insert(principal);
        next(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(tenants: &[&str], roles: &[Role]) -> Grant {
        Grant {
            tenants: Tenants::Only(tenants.iter().map(|t| (*t).to_owned()).collect()),
            roles: roles.iter().copied().collect(),
        }
    }

    fn request(authorization: Option<&str>) -> http::Request<()> {
        let mut builder = http::Request::builder().uri("/riserbo.v1.PolicyService/CheckPost");
        if let Some(a) = authorization {
            builder = builder.header("authorization", a);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn keys_are_matched_by_hash_under_either_scheme() {
        let options = AuthOptions {
            enabled: true,
            keys: vec![KeyGrant {
                id: "cms".into(),
                sha256: Sha256::digest(b"s3cret-key").into(),
                grant: grant(&["clinic-a"], &[Role::Check]),
            }],
            clients: vec![],
        };
        let auth = Authenticator::new(&options);
        assert_eq!(auth.authenticate(&request(Some("Bearer s3cret-key"))).unwrap().id, "cms");
        assert_eq!(auth.authenticate(&request(Some("ApiKey s3cret-key"))).unwrap().id, "cms");
        assert_eq!(auth.authenticate(&request(Some("Bearer wrong"))).unwrap_err(), Refusal::InvalidCredentials);
        assert_eq!(auth.authenticate(&request(Some("Basic abc"))).unwrap_err(), Refusal::InvalidCredentials);
        assert_eq!(auth.authenticate(&request(None)).unwrap_err(), Refusal::MissingCredentials);
    }

    #[test]
    fn off_means_anonymous_with_everything() {
        let auth = Authenticator::new(&AuthOptions::default());
        let p = auth.authenticate(&request(None)).unwrap();
        assert!(p.may_act_for("any") && Role::ALL.iter().all(|r| p.has_role(*r)));
    }

    #[test]
    fn every_proto_method_has_a_role() {
        use prost::Message;
        let set = prost_types::FileDescriptorSet::decode(crate::service::proto::FILE_DESCRIPTOR_SET).unwrap();
        for file in set.file.iter().filter(|f| f.package() == "riserbo.v1") {
            for service in &file.service {
                for m in &service.method {
                    let path = format!("/riserbo.v1.{}/{}", service.name(), m.name());
                    assert!(method(&path).is_some(), "{path} has no role in auth::METHODS");
                }
            }
        }
    }
}

//! `riserbo serve` configuration: built-in defaults, then an optional TOML file, then
//! environment variables and flags (clap reads both; a flag wins over its variable). The file
//! is parsed with `deny_unknown_fields`, so a misspelt key is an error naming it, and is
//! validated into [`Settings`] before anything starts. The loader takes the environment as a
//! parameter (for secrets the file names by variable), so tests never touch the process's.
//!
//! Every key is documented in README.md ("Configuration"); `riserbo serve` needs none.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::decision_log::{DecisionLogOptions, TextHmacKey};
use crate::error::Limits;
use crate::service::layers::auth::{AuthOptions, ClientGrant, Grant, KeyGrant, Role, Tenants};
use crate::service::layers::rate_limit::{Rate, RateLimitOptions};
use crate::service::{GrpcWebOptions, ServeOptions, TlsOptions};
use crate::telemetry::{LogFormat, TelemetryOptions};

/// The environment variable that holds the decision log's HMAC key unless the file names
/// another.
pub const DEFAULT_HMAC_KEY_ENV: &str = "RISERBO_DECISION_LOG_KEY";

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub server: ServerSection,
    pub limits: LimitsSection,
    pub auth: AuthSection,
    pub tls: Option<TlsSection>,
    pub decision_log: DecisionLogSection,
    pub telemetry: TelemetrySection,
    pub grpc_web: GrpcWebSection,
    pub anonymise: AnonymiseSection,
    pub policy: PolicySection,
}

/// Where the policies come from. Without a path the embedded default policy serves.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySection {
    /// A policy file or a directory of tenant files.
    pub path: Option<PathBuf>,
    /// Reload when a file changes (SIGHUP always reloads). Default true.
    pub watch: Option<bool>,
}

/// Keys for the keyed operators and Deanonymise. The key file itself holds the secrets (or
/// names the environment variables that do); this file only says where it is.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnonymiseSection {
    pub keys_file: Option<PathBuf>,
    pub enable_deanonymise: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub listen: Option<SocketAddr>,
    pub max_text_bytes: Option<usize>,
    pub log_format: Option<LogFormat>,
    pub drain_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    pub max_message_bytes: Option<usize>,
    pub call_timeout_ms: Option<u64>,
    pub max_concurrent_calls: Option<usize>,
    pub rate: Option<RateSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSection {
    /// Every tenant's sustained rate.
    pub requests_per_second: u32,
    /// Requests a tenant may send at once; default: one second's worth.
    pub burst: Option<u32>,
    /// Per-tenant overrides.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantRateSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantRateSection {
    pub requests_per_second: u32,
    pub burst: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSection {
    pub enabled: bool,
    pub keys: Vec<KeySection>,
    pub clients: Vec<ClientSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySection {
    pub id: String,
    /// Hex SHA-256 of the secret.
    pub sha256: String,
    pub tenants: Vec<String>,
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    /// The certificate's subject common name or one of its DNS names.
    pub name: String,
    pub tenants: Vec<String>,
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub client_ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionLogSection {
    pub enabled: Option<bool>,
    pub data_dir: Option<PathBuf>,
    pub retention_days: Option<u32>,
    pub queue_capacity: Option<usize>,
    pub hmac_key_env: Option<String>,
    pub export_otlp: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySection {
    pub otlp_endpoint: Option<String>,
    pub prometheus_listen: Option<SocketAddr>,
    pub service_name: Option<String>,
    pub metrics_interval_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GrpcWebSection {
    pub enabled: Option<bool>,
    pub allowed_origins: Vec<String>,
}

/// Values from flags or their environment variables (clap); each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub max_text_bytes: Option<usize>,
    pub log_format: Option<LogFormat>,
    pub drain_timeout_secs: Option<u64>,
    pub otlp_endpoint: Option<String>,
    pub metrics_listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub no_decision_log: bool,
    pub keys_file: Option<PathBuf>,
    pub enable_deanonymise: Option<bool>,
    pub policy: Option<PathBuf>,
    pub policy_watch: Option<bool>,
}

/// Everything `riserbo serve` runs with.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub telemetry: TelemetryOptions,
    pub serve: ServeOptions,
    /// The key file to load into `serve.keys` (loaded by the caller: keys are not config).
    pub keys_file: Option<PathBuf>,
    /// The policy file or directory (None: the embedded default policy).
    pub policy: Option<PathBuf>,
    /// Whether file changes trigger a reload.
    pub policy_watch: bool,
}

/// The configuration is unusable; the message names the file and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { field: field.into(), reason: reason.into() }
}

impl ConfigFile {
    /// Parses a file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let location = e.span().map(|span| {
                let before = &text[..span.start.min(text.len())];
                format!("line {}: ", before.matches('\n').count() + 1)
            });
            ConfigError::Parse {
                path: path.to_owned(),
                message: format!("{}{}", location.unwrap_or_default(), e.message()),
            }
        })
    }

    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.display().to_string(), message: e.to_string() })?;
        Self::parse(&text, &path.display().to_string())
    }
}

/// Reads the file at `path` (if any) and resolves it with `overrides` and `env`.
pub fn load(
    path: Option<&Path>,
    overrides: &Overrides,
    env: &HashMap<String, String>,
) -> Result<Settings, ConfigError> {
    let file = match path {
        Some(p) => ConfigFile::read(p)?,
        None => ConfigFile::default(),
    };
    resolve(file, overrides, env)
}

/// Defaults, then the file, then the overrides; validated.
pub fn resolve(
    file: ConfigFile,
    overrides: &Overrides,
    env: &HashMap<String, String>,
) -> Result<Settings, ConfigError> {
    let defaults = ServeOptions::default();
    let listen = overrides.listen.or(file.server.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 50051)));
    let max_text_bytes =
        overrides.max_text_bytes.or(file.server.max_text_bytes).unwrap_or(defaults.limits.max_text_bytes);
    let max_message_bytes =
        file.limits.max_message_bytes.unwrap_or(defaults.max_message_bytes.max(max_text_bytes + 4096));
    if max_message_bytes < max_text_bytes {
        return Err(invalid(
            "limits.max_message_bytes",
            format!("{max_message_bytes} is smaller than server.max_text_bytes ({max_text_bytes})"),
        ));
    }
    let call_timeout = file.limits.call_timeout_ms.map_or(defaults.call_timeout, Duration::from_millis);
    if call_timeout.is_zero() {
        return Err(invalid("limits.call_timeout_ms", "must be greater than 0"));
    }
    let max_concurrent_calls = file.limits.max_concurrent_calls.unwrap_or(defaults.max_concurrent_calls);
    if max_concurrent_calls == 0 {
        return Err(invalid("limits.max_concurrent_calls", "must be greater than 0"));
    }

    let serve = ServeOptions {
        limits: Limits { max_text_bytes },
        drain_timeout: Duration::from_secs(
            overrides.drain_timeout_secs.or(file.server.drain_timeout_secs).unwrap_or(defaults.drain_timeout.as_secs()),
        ),
        call_timeout,
        max_concurrent_calls,
        max_message_bytes,
        rate_limits: rate_limits(file.limits.rate)?,
        auth: auth(file.auth, file.tls.as_ref().is_some_and(|t| t.client_ca_file.is_some()))?,
        tls: file.tls.map(tls).transpose()?,
        grpc_web: GrpcWebOptions {
            enabled: file.grpc_web.enabled.unwrap_or(true),
            allowed_origins: origins(file.grpc_web.allowed_origins)?,
        },
        decision_log: decision_log(file.decision_log, overrides, env)?,
        enable_deanonymise: overrides.enable_deanonymise.or(file.anonymise.enable_deanonymise).unwrap_or(false),
        ..defaults
    };
    let keys_file = overrides.keys_file.clone().or(file.anonymise.keys_file);
    let policy = overrides.policy.clone().or(file.policy.path);
    let policy_watch = overrides.policy_watch.or(file.policy.watch).unwrap_or(true);
    let export_decisions = serve.decision_log.as_ref().is_some_and(|d| d.export_otlp);
    let telemetry = TelemetryOptions {
        log_format: overrides.log_format.or(file.server.log_format).unwrap_or_default(),
        otlp_endpoint: overrides
            .otlp_endpoint
            .clone()
            .or(file.telemetry.otlp_endpoint)
            .filter(|e| !e.trim().is_empty()),
        service_name: file.telemetry.service_name.unwrap_or_else(|| "riserbo".to_owned()),
        metrics_interval: Duration::from_secs(file.telemetry.metrics_interval_secs.unwrap_or(10).max(1)),
        export_decisions,
        prometheus_listen: overrides.metrics_listen.or(file.telemetry.prometheus_listen),
    };
    if export_decisions && telemetry.otlp_endpoint.is_none() {
        return Err(invalid("decision_log.export_otlp", "needs telemetry.otlp_endpoint (or --otlp-endpoint)"));
    }
    Ok(Settings { listen, telemetry, serve, keys_file, policy, policy_watch })
}

fn rate(field: &str, per_second: u32, burst: Option<u32>) -> Result<Rate, ConfigError> {
    let per_second = NonZeroU32::new(per_second)
        .ok_or_else(|| invalid(format!("{field}.requests_per_second"), "must be greater than 0"))?;
    let burst = match burst {
        None => per_second,
        Some(b) => NonZeroU32::new(b).ok_or_else(|| invalid(format!("{field}.burst"), "must be greater than 0"))?,
    };
    Ok(Rate { per_second, burst })
}

fn rate_limits(section: Option<RateSection>) -> Result<RateLimitOptions, ConfigError> {
    let Some(section) = section else {
        return Ok(RateLimitOptions::default());
    };
    let default = rate("limits.rate", section.requests_per_second, section.burst)?;
    let mut tenants = HashMap::new();
    for (tenant, t) in section.tenants {
        let field = format!("limits.rate.tenants.{tenant:?}");
        tenants.insert(tenant, rate(&field, t.requests_per_second, t.burst)?);
    }
    Ok(RateLimitOptions { default: Some(default), tenants })
}

fn grant(field: &str, tenants: Vec<String>, roles: Vec<String>) -> Result<Grant, ConfigError> {
    if tenants.is_empty() {
        return Err(invalid(format!("{field}.tenants"), "must list tenants (\"*\" for all, \"\" for the default)"));
    }
    let tenants =
        if tenants.iter().any(|t| t == "*") { Tenants::All } else { Tenants::Only(tenants.into_iter().collect()) };
    let mut granted = BTreeSet::new();
    for (i, role) in roles.iter().enumerate() {
        let known = Role::ALL.map(Role::as_str).join(", ");
        granted.insert(Role::parse(role).ok_or_else(|| {
            invalid(format!("{field}.roles[{i}]"), format!("unknown role {role:?} (known: {known})"))
        })?);
    }
    if granted.is_empty() {
        return Err(invalid(format!("{field}.roles"), "must list at least one role"));
    }
    Ok(Grant { tenants, roles: granted })
}

fn auth(section: AuthSection, client_certificates: bool) -> Result<AuthOptions, ConfigError> {
    let mut keys = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, key) in section.keys.into_iter().enumerate() {
        let field = format!("auth.keys[{i}]");
        if key.id.trim().is_empty() || !ids.insert(key.id.clone()) {
            return Err(invalid(format!("{field}.id"), "must be present and unique"));
        }
        let digest = hex::decode(key.sha256.trim())
            .ok()
            .and_then(|d| <[u8; 32]>::try_from(d).ok())
            .ok_or_else(|| invalid(format!("{field}.sha256"), "must be 64 hex digits (the SHA-256 of the key)"))?;
        keys.push(KeyGrant { id: key.id, sha256: digest, grant: grant(&field, key.tenants, key.roles)? });
    }
    let mut clients = Vec::new();
    for (i, client) in section.clients.into_iter().enumerate() {
        let field = format!("auth.clients[{i}]");
        if client.name.trim().is_empty() {
            return Err(invalid(format!("{field}.name"), "must not be empty"));
        }
        clients.push(ClientGrant { name: client.name, grant: grant(&field, client.tenants, client.roles)? });
    }
    if !clients.is_empty() && !client_certificates {
        return Err(invalid("auth.clients", "client certificates need tls.client_ca_file"));
    }
    if section.enabled && keys.is_empty() && clients.is_empty() {
        return Err(invalid("auth.enabled", "authentication is on but no keys or clients are configured"));
    }
    Ok(AuthOptions { enabled: section.enabled, keys, clients })
}

fn tls(section: TlsSection) -> Result<TlsOptions, ConfigError> {
    let read =
        |field: &str, path: &Path| std::fs::read(path).map_err(|e| invalid(field, format!("{}: {e}", path.display())));
    Ok(TlsOptions {
        cert_pem: read("tls.cert_file", &section.cert_file)?,
        key_pem: read("tls.key_file", &section.key_file)?,
        client_ca_pem: section.client_ca_file.map(|p| read("tls.client_ca_file", &p)).transpose()?,
    })
}

fn origins(origins: Vec<String>) -> Result<Vec<String>, ConfigError> {
    for (i, origin) in origins.iter().enumerate() {
        let ok = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://")) && !origin.ends_with('/'));
        if !ok || http::HeaderValue::from_str(origin).is_err() {
            return Err(invalid(
                format!("grpc_web.allowed_origins[{i}]"),
                "must be \"*\" or an origin like \"https://dashboard.example\" (scheme and host, no path)",
            ));
        }
    }
    Ok(origins)
}

fn decision_log(
    section: DecisionLogSection,
    overrides: &Overrides,
    env: &HashMap<String, String>,
) -> Result<Option<DecisionLogOptions>, ConfigError> {
    if overrides.no_decision_log || section.enabled == Some(false) {
        return Ok(None);
    }
    let data_dir = overrides.data_dir.clone().or(section.data_dir).unwrap_or_else(|| PathBuf::from("riserbo-data"));
    let mut options = DecisionLogOptions::new(data_dir);
    if let Some(days) = section.retention_days {
        if days == 0 {
            return Err(invalid("decision_log.retention_days", "must be greater than 0"));
        }
        options.retention = Duration::from_secs(u64::from(days) * 86_400);
    }
    if let Some(capacity) = section.queue_capacity {
        if capacity == 0 {
            return Err(invalid("decision_log.queue_capacity", "must be greater than 0"));
        }
        options.queue_capacity = capacity;
    }
    // A variable named in the file must be set; the default one is optional.
    let (variable, required) = match section.hmac_key_env {
        Some(name) => (name, true),
        None => (DEFAULT_HMAC_KEY_ENV.to_owned(), false),
    };
    options.hmac_key = match env.get(&variable) {
        Some(value) => Some(TextHmacKey::new(value.as_bytes()).map_err(|reason| invalid(variable.as_str(), reason))?),
        None if required => return Err(invalid("decision_log.hmac_key_env", format!("{variable} is not set"))),
        None => None,
    };
    options.export_otlp = section.export_otlp;
    Ok(Some(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_text(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        resolve(ConfigFile::parse(text, "riserbo.toml")?, &Overrides::default(), &env)
    }

    #[test]
    fn nothing_configured_gives_the_local_defaults() {
        let s = resolve_text("", &[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:50051");
        assert!(!s.serve.auth.enabled);
        assert!(s.serve.tls.is_none());
        let log = s.serve.decision_log.unwrap();
        assert_eq!(log.data_dir, PathBuf::from("riserbo-data"));
        assert!(log.hmac_key.is_none());
        assert!(s.telemetry.otlp_endpoint.is_none());
        assert!(s.serve.grpc_web.enabled && s.serve.grpc_web.allowed_origins.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key_and_line() {
        let err = resolve_text("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n", &[]).unwrap_err().to_string();
        assert!(err.starts_with("riserbo.toml: line 3") && err.contains("lisen"), "{err}");
        let err = resolve_text("[decision_logs]\n", &[]).unwrap_err().to_string();
        assert!(err.contains("decision_logs"), "{err}");
    }

    #[test]
    fn flags_win_over_the_file() {
        let file = ConfigFile::parse("[server]\nlisten = \"127.0.0.1:1\"\nmax_text_bytes = 100\n", "f").unwrap();
        let overrides = Overrides { listen: Some("127.0.0.1:2".parse().unwrap()), ..Default::default() };
        let s = resolve(file, &overrides, &HashMap::new()).unwrap();
        assert_eq!(s.listen.port(), 2);
        assert_eq!(s.serve.limits.max_text_bytes, 100);
    }

    #[test]
    fn the_hmac_key_comes_from_the_given_environment() {
        let s = resolve_text("", &[(DEFAULT_HMAC_KEY_ENV, "a-long-enough-secret-key")]).unwrap();
        assert!(s.serve.decision_log.unwrap().hmac_key.is_some());
        let err = resolve_text("[decision_log]\nhmac_key_env = \"MY_KEY\"\n", &[]).unwrap_err().to_string();
        assert_eq!(err, "decision_log.hmac_key_env: MY_KEY is not set");
        let err = resolve_text("[decision_log]\nhmac_key_env = \"MY_KEY\"\n", &[("MY_KEY", "short")]).unwrap_err();
        assert!(err.to_string().starts_with("MY_KEY: must be at least"), "{err}");
    }

    #[test]
    fn auth_keys_are_validated() {
        let text = r#"
[auth]
enabled = true
[[auth.keys]]
id = "cms"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
tenants = ["clinic-a", ""]
roles = ["check", "anonymise"]
"#;
        let s = resolve_text(text, &[]).unwrap();
        let key = &s.serve.auth.keys[0];
        assert_eq!(key.grant.roles.len(), 2);
        assert!(matches!(&key.grant.tenants, Tenants::Only(t) if t.contains("") && t.contains("clinic-a")));

        let err = resolve_text(&text.replace("\"anonymise\"", "\"anonymize\""), &[]).unwrap_err().to_string();
        assert!(err.starts_with("auth.keys[0].roles[1]: unknown role \"anonymize\""), "{err}");
        let err = resolve_text(&text.replace("9f86", "zz"), &[]).unwrap_err().to_string();
        assert!(err.starts_with("auth.keys[0].sha256"), "{err}");
        let err = resolve_text("[auth]\nenabled = true\n", &[]).unwrap_err().to_string();
        assert!(err.starts_with("auth.enabled"), "{err}");
    }

    #[test]
    fn limits_are_validated() {
        let s = resolve_text(
            "[limits]\ncall_timeout_ms = 250\nmax_concurrent_calls = 4\n[limits.rate]\nrequests_per_second = 5\n[limits.rate.tenants.big]\nrequests_per_second = 50\nburst = 100\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.serve.call_timeout, Duration::from_millis(250));
        assert_eq!(s.serve.max_concurrent_calls, 4);
        assert_eq!(s.serve.rate_limits.default.unwrap().burst.get(), 5);
        assert_eq!(s.serve.rate_limits.tenants["big"].burst.get(), 100);
        let err = resolve_text("[limits.rate]\nrequests_per_second = 0\n", &[]).unwrap_err().to_string();
        assert!(err.starts_with("limits.rate.requests_per_second"), "{err}");
        let err =
            resolve_text("[server]\nmax_text_bytes = 2000\n[limits]\nmax_message_bytes = 1000\n", &[]).unwrap_err();
        assert!(err.to_string().starts_with("limits.max_message_bytes"), "{err}");
    }

    /// The README's configuration example parses (no stale or misspelt key) and sets every
    /// key there is (so every key is documented).
    #[test]
    fn the_readme_documents_every_key() {
        let readme = include_str!("../README.md");
        let start = readme.find("```toml\n[server]").expect("README has the configuration example") + 8;
        let text = &readme[start..start + readme[start..].find("```").unwrap()];
        let file = ConfigFile::parse(text, "README.md").unwrap();
        let ConfigFile { server, limits, auth, tls, decision_log, telemetry, grpc_web, anonymise, policy } = file;
        let ServerSection { listen, max_text_bytes, log_format, drain_timeout_secs } = server;
        assert!(listen.is_some() && max_text_bytes.is_some() && log_format.is_some() && drain_timeout_secs.is_some());
        let LimitsSection { max_message_bytes, call_timeout_ms, max_concurrent_calls, rate } = limits;
        assert!(max_message_bytes.is_some() && call_timeout_ms.is_some() && max_concurrent_calls.is_some());
        let RateSection { requests_per_second: _, burst, tenants } = rate.unwrap();
        assert!(burst.is_some() && tenants.values().all(|t| t.burst.is_some()) && !tenants.is_empty());
        let AuthSection { enabled, keys, clients } = auth;
        assert!(enabled && !keys.is_empty() && !clients.is_empty());
        let TlsSection { cert_file: _, key_file: _, client_ca_file } = tls.unwrap();
        assert!(client_ca_file.is_some());
        let DecisionLogSection { enabled, data_dir, retention_days, queue_capacity, hmac_key_env, export_otlp: _ } =
            decision_log;
        assert!(enabled.is_some() && data_dir.is_some() && retention_days.is_some());
        assert!(queue_capacity.is_some() && hmac_key_env.is_some());
        let TelemetrySection { otlp_endpoint, prometheus_listen, service_name, metrics_interval_secs } = telemetry;
        assert!(otlp_endpoint.is_some() && service_name.is_some() && metrics_interval_secs.is_some());
        assert!(prometheus_listen.is_some());
        let GrpcWebSection { enabled, allowed_origins } = grpc_web;
        assert!(enabled.is_some() && !allowed_origins.is_empty());
        let AnonymiseSection { keys_file, enable_deanonymise } = anonymise;
        assert!(keys_file.is_some() && enable_deanonymise.is_some());
        let PolicySection { path, watch } = policy;
        assert!(path.is_some() && watch.is_some());
    }

    #[test]
    fn origins_are_checked() {
        assert!(resolve_text("[grpc_web]\nallowed_origins = [\"https://dash.example\", \"*\"]\n", &[]).is_ok());
        let err = resolve_text("[grpc_web]\nallowed_origins = [\"dash.example/\"]\n", &[]).unwrap_err().to_string();
        assert!(err.starts_with("grpc_web.allowed_origins[0]"), "{err}");
    }
}

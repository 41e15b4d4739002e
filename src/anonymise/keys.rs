//! Tenant keys for the keyed operators (`hash`, `pseudonymise`, `encrypt`) and Deanonymise.
//!
//! Keys come from a TOML key file (`riserbo serve --keys PATH`, `RISERBO_KEYS`) whose secrets
//! are written inline or named by environment variable; never from the policy file (policies
//! are reviewed, versioned and returned by GetPolicy; keys must not be). The format is in
//! `docs/keys.md`. Guarantees:
//! - the file text, secrets and derived subkeys are held in `Zeroizing` buffers, wiped on
//!   drop (best effort: the process environment and the TOML parser's transient copies are
//!   outside our control);
//! - `Debug` prints tenants and key ids, never key material;
//! - load errors name the file, line and field, never echo the file's content (a secret
//!   written in the wrong place must not end up in a log).
//!
//! Each configured secret is expanded with HKDF-SHA256 into two independent subkeys, one for
//! AES-SIV (`encrypt`) and one for HMAC-SHA256 (`hash`, `pseudonymise`), so one secret per key
//! id is all an operator manages.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit};
use serde::{Deserialize, Deserializer};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Shortest and longest accepted secret, in bytes (before HKDF).
pub const MIN_SECRET_BYTES: usize = 32;
pub const MAX_SECRET_BYTES: usize = 64;

/// HKDF salt: names the scheme, so the same secret used elsewhere derives unrelated keys.
const HKDF_SALT: &[u8] = b"riserbo keys v1";

/// A key file could not be loaded. Messages never include secret values or file content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}: line {line}, column {column}: {message}")]
    Parse { file: String, line: usize, column: usize, message: String },
    #[error("{file}: {field}: {reason}")]
    Invalid { file: String, field: String, reason: String },
}

/// Every tenant's keys. Cheap to share behind an `Arc`; immutable once loaded.
#[derive(Default)]
pub struct Keyring {
    tenants: HashMap<String, TenantKeys>,
}

/// One tenant's keys: every key id it can decrypt with, which one new tokens use, and which
/// one `hash` and `pseudonymise` use.
pub struct TenantKeys {
    tenant: String,
    keys: Vec<TenantKey>,
    /// Index in `keys` of the key new `encrypt` tokens use.
    current: usize,
    /// Index in `keys` of the key `hash` and `pseudonymise` use (stable across rotations of
    /// the encryption key when the file pins it).
    hash_key: usize,
}

/// One key id's derived subkeys.
pub(crate) struct TenantKey {
    id: String,
    /// AES-256-SIV key (two AES-256 keys: S2V/CMAC and CTR).
    siv: Zeroizing<[u8; 64]>,
    /// HMAC-SHA256 key.
    mac: Zeroizing<[u8; 32]>,
}

/// The keys a request may use: its tenant's, if the tenant has any.
#[derive(Clone, Copy)]
pub struct KeyContext<'k> {
    /// The request's tenant ("" is the default tenant).
    pub tenant: &'k str,
    pub keys: Option<&'k TenantKeys>,
}

impl<'k> KeyContext<'k> {
    /// A context with no keys: keyed operators fail with [`super::AnonymiseError::MissingKey`].
    pub fn none(tenant: &'k str) -> Self {
        Self { tenant, keys: None }
    }
}

impl fmt::Debug for KeyContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyContext").field("tenant", &self.tenant).field("keys", &self.keys).finish()
    }
}

impl Keyring {
    /// A keyring with no tenants: keyed operators fail with a clear error.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Loads a key file, reading `secret_env` variables from the process environment.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let file = path.display().to_string();
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| KeyError::Io { file: file.clone(), message: e.to_string() })?,
        );
        Self::from_toml(&text, &file, |name| std::env::var(name).ok())
    }

    /// Parses a key file. `env` looks up `secret_env` variables (injected so tests need not
    /// touch the process environment); `source` names the file in errors.
    pub fn from_toml(text: &str, source: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self, KeyError> {
        let file: KeyFile = toml::from_str(text).map_err(|e| parse_error(text, source, &e))?;
        let invalid = |field: String, reason: String| KeyError::Invalid { file: source.to_owned(), field, reason };
        let mut tenants = HashMap::new();
        for (t, spec) in file.tenants.into_iter().enumerate() {
            let tenant_field = format!("tenant[{t}] ({:?})", spec.name);
            if tenants.contains_key(&spec.name) {
                return Err(invalid(format!("{tenant_field}.name"), "is listed twice".into()));
            }
            if spec.keys.is_empty() {
                return Err(invalid(format!("{tenant_field}.key"), "at least one key is needed".into()));
            }
            let mut keys: Vec<TenantKey> = Vec::with_capacity(spec.keys.len());
            for (k, key) in spec.keys.into_iter().enumerate() {
                let field = |name: &str| format!("{tenant_field}.key[{k}].{name}");
                if !is_valid_key_id(&key.id) {
                    return Err(invalid(field("id"), "must be 1 to 32 of A-Z a-z 0-9 . _ -".into()));
                }
                if keys.iter().any(|existing| existing.id == key.id) {
                    return Err(invalid(field("id"), format!("key id {:?} is listed twice", key.id)));
                }
                let secret = match (key.secret, key.secret_env) {
                    (Some(secret), None) => secret.0,
                    (None, Some(var)) => match env(&var) {
                        Some(value) if !value.trim().is_empty() => Zeroizing::new(value),
                        _ => {
                            return Err(invalid(field("secret_env"), format!("environment variable {var} is not set")));
                        }
                    },
                    _ => return Err(invalid(field("secret"), "give exactly one of secret or secret_env".into())),
                };
                let bytes = decode_secret(&secret).map_err(|reason| invalid(field("secret"), reason.to_owned()))?;
                keys.push(TenantKey::derive(key.id, &bytes));
            }
            let position = |id: &str, name: &str| {
                keys.iter().position(|k| k.id == id).ok_or_else(|| {
                    invalid(
                        format!("{tenant_field}.{name}"),
                        format!("names key id {id:?}, which the tenant does not list"),
                    )
                })
            };
            let current = position(&spec.current, "current")?;
            let hash_key = match &spec.hash_key {
                Some(id) => position(id, "hash_key")?,
                None => current,
            };
            let name = spec.name.clone();
            tenants.insert(name, TenantKeys { tenant: spec.name, keys, current, hash_key });
        }
        Ok(Self { tenants })
    }

    /// The keys of `tenant`, if it has any.
    pub fn tenant(&self, tenant: &str) -> Option<&TenantKeys> {
        self.tenants.get(tenant)
    }

    /// The context a request for `tenant` uses.
    pub fn context<'k>(&'k self, tenant: &'k str) -> KeyContext<'k> {
        KeyContext { tenant, keys: self.tenant(tenant) }
    }

    /// How many tenants have keys.
    pub fn len(&self) -> usize {
        self.tenants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tenants: Vec<&TenantKeys> = self.tenants.values().collect();
        tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        f.debug_struct("Keyring").field("tenants", &tenants).finish()
    }
}

impl TenantKeys {
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The key id new `encrypt` tokens use.
    pub fn current_id(&self) -> &str {
        &self.keys[self.current].id
    }

    /// The key id `hash` and `pseudonymise` use.
    pub fn hash_key_id(&self) -> &str {
        &self.keys[self.hash_key].id
    }

    /// Every key id the tenant can decrypt with.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    pub(crate) fn key(&self, id: &str) -> Option<&TenantKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub(crate) fn current(&self) -> &TenantKey {
        &self.keys[self.current]
    }

    pub(crate) fn hash_key(&self) -> &TenantKey {
        &self.keys[self.hash_key]
    }
}

impl fmt::Debug for TenantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantKeys")
            .field("tenant", &self.tenant)
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .field("current", &self.current_id())
            .field("hash_key", &self.hash_key_id())
            .finish()
    }
}

impl TenantKey {
    /// Expands a secret into the AES-SIV and HMAC subkeys.
    fn derive(id: String, secret: &[u8]) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
        let mut siv = Zeroizing::new([0u8; 64]);
        let mut mac = Zeroizing::new([0u8; 32]);
        // 64 and 32 bytes are far below HKDF-SHA256's 8160-byte limit.
        hkdf.expand(b"aes-256-siv", siv.as_mut()).expect("64 bytes is a valid HKDF length");
        hkdf.expand(b"hmac-sha256", mac.as_mut()).expect("32 bytes is a valid HKDF length");
        Self { id, siv, mac }
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// A fresh HMAC-SHA256 keyed with this key's MAC subkey.
    pub(crate) fn hmac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.mac.as_ref()).expect("HMAC takes keys of any length")
    }

    /// A fresh AES-256-SIV instance (SIV's API takes `&mut self`, so one per use).
    pub(crate) fn siv(&self) -> aes_siv::siv::Aes256Siv {
        let key: &aes_siv::Key<aes_siv::siv::Aes256Siv> =
            self.siv.as_slice().try_into().expect("the SIV key is 64 bytes, as AES-256-SIV takes");
        <aes_siv::siv::Aes256Siv as aes_siv::KeyInit>::new(key)
    }
}

/// Key ids appear inside tokens, so they are restricted to characters that survive in text
/// and cannot end a token early.
pub fn is_valid_key_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Decodes a base64 secret (standard alphabet, padding optional) and checks it looks random
/// enough to be a key: long enough, and not one byte repeated (a placeholder).
fn decode_secret(secret: &str) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    const BASE64: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Zeroizing<String> = Zeroizing::new(secret.chars().filter(|c| !c.is_whitespace()).collect());
    let bytes = Zeroizing::new(BASE64.decode(compact.as_bytes()).map_err(|_| "is not valid base64")?);
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
        return Err("must be base64 of 32 to 64 random bytes (e.g. `openssl rand -base64 32`)");
    }
    if bytes.iter().all(|b| *b == bytes[0]) {
        return Err("is one byte repeated, not a random key");
    }
    Ok(bytes)
}

/// "line L, column C: message", with anything quoted in the message removed: serde's messages
/// quote the offending value ("invalid type: string \"…\""), which may be a secret.
fn parse_error(text: &str, source: &str, error: &toml::de::Error) -> KeyError {
    let (line, column) = match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, column)
        }
        None => (0, 0),
    };
    KeyError::Parse { file: source.to_owned(), line, column, message: without_quoted(error.message()) }
}

fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The key file as written. See docs/keys.md.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default, rename = "tenant")]
    tenants: Vec<TenantSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantSpec {
    /// The `tenant` of requests; "" is the default tenant.
    name: String,
    /// Key id for new `encrypt` tokens (and, unless `hash_key` is given, hash and pseudonyms).
    current: String,
    /// Key id for `hash` and `pseudonymise`.
    #[serde(default)]
    hash_key: Option<String>,
    #[serde(default, rename = "key")]
    keys: Vec<KeySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    id: String,
    #[serde(default)]
    secret: Option<Secret>,
    /// Name of an environment variable holding the secret.
    #[serde(default)]
    secret_env: Option<String>,
}

/// A secret as read from the file: zeroized on drop, never printed.
struct Secret(Zeroizing<String>);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(Zeroizing::new(s)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Test secrets: fixed, random-looking, obviously not for production.
    pub(crate) const SECRET_A: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    pub(crate) const SECRET_B: &str = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=";

    pub(crate) fn keyring() -> Keyring {
        let text = format!(
            r#"
[[tenant]]
name = ""
current = "k2"
hash_key = "k1"
key = [ {{ id = "k1", secret = "{SECRET_A}" }}, {{ id = "k2", secret_env = "TEST_K2" }} ]

[[tenant]]
name = "clinica-roma"
current = "k1"
[[tenant.key]]
id = "k1"
secret = "{SECRET_B}"
"#
        );
        Keyring::from_toml(&text, "keys.toml", |v| (v == "TEST_K2").then(|| SECRET_B.to_owned())).unwrap()
    }

    #[test]
    fn loads_tenants_keys_and_current_ids() {
        let ring = keyring();
        assert_eq!(ring.len(), 2);
        let default = ring.tenant("").unwrap();
        assert_eq!(default.current_id(), "k2");
        assert_eq!(default.hash_key_id(), "k1");
        assert_eq!(default.key_ids().collect::<Vec<_>>(), ["k1", "k2"]);
        let roma = ring.tenant("clinica-roma").unwrap();
        assert_eq!((roma.current_id(), roma.hash_key_id()), ("k1", "k1"));
        assert!(ring.tenant("other").is_none());
    }

    #[test]
    fn debug_never_prints_key_material() {
        let ring = keyring();
        let printed = format!("{ring:?} {:?}", ring.context(""));
        assert!(printed.contains("clinica-roma") && printed.contains("k2"), "{printed}");
        for secret in [SECRET_A, SECRET_B] {
            assert!(!printed.contains(&secret[..12]), "{printed}");
        }
        let key = ring.tenant("").unwrap().current();
        assert!(!printed.contains(&hex::encode(&key.mac[..8])));
        assert!(!printed.contains(&hex::encode(&key.siv[..8])));
    }

    #[test]
    fn the_same_secret_derives_the_same_keys_and_different_subkeys() {
        let ring = keyring();
        let a = ring.tenant("").unwrap().key("k2").unwrap();
        let b = ring.tenant("clinica-roma").unwrap().key("k1").unwrap();
        assert_eq!(a.mac.as_ref(), b.mac.as_ref(), "derivation depends on the secret only");
        assert_ne!(&a.siv[..32], a.mac.as_ref());
        assert_ne!(&a.siv[..32], &a.siv[32..]);
    }

    fn load_err(text: &str) -> String {
        Keyring::from_toml(text, "keys.toml", |_| None).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_field_and_never_echo_secrets() {
        let err = load_err(&format!(
            "[[tenant]]\nname = \"a\"\ncurrent = \"k9\"\n[[tenant.key]]\nid = \"k1\"\nsecret = \"{SECRET_A}\"\n"
        ));
        assert_eq!(err, "keys.toml: tenant[0] (\"a\").current: names key id \"k9\", which the tenant does not list");

        let err = load_err(
            "[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\n[[tenant.key]]\nid = \"k1\"\nsecret = \"c2hvcnQ=\"\n",
        );
        assert!(
            err.ends_with("key[0].secret: must be base64 of 32 to 64 random bytes (e.g. `openssl rand -base64 32`)")
        );

        let zeros = "A".repeat(44);
        let err = load_err(&format!(
            "[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\nkey = [{{ id = \"k1\", secret = \"{zeros}\" }}]\n"
        ));
        assert!(err.ends_with("is one byte repeated, not a random key"), "{err}");

        let err =
            load_err("[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\nkey = [{ id = \"k1\", secret_env = \"NOPE\" }]\n");
        assert!(err.ends_with("key[0].secret_env: environment variable NOPE is not set"), "{err}");

        let err = load_err(&format!(
            "[[tenant]]\nname = \"a\"\ncurrent = \"k 1\"\nkey = [{{ id = \"k 1\", secret = \"{SECRET_A}\" }}]\n"
        ));
        assert!(err.contains("key[0].id: must be 1 to 32"), "{err}");

        // A secret in the wrong place: the parse error points at it without repeating it.
        let err = load_err(&format!("[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\nkey = \"{SECRET_A}\"\n"));
        assert!(err.starts_with("keys.toml: line 4"), "{err}");
        assert!(!err.contains(&SECRET_A[..12]), "{err}");

        let err = load_err("[[tenant]]\nname = \"a\"\ncurrent = \"k1\"\nsurprise = 1\nkey = []\n");
        assert!(err.contains("surprise"), "{err}");
    }

    #[test]
    fn loads_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(
            &path,
            format!("[[tenant]]\nname = \"\"\ncurrent = \"a\"\nkey = [{{ id = \"a\", secret = \"{SECRET_A}\" }}]\n"),
        )
        .unwrap();
        let ring = Keyring::load(&path).unwrap();
        assert_eq!(ring.tenant("").unwrap().current_id(), "a");
        let err = Keyring::load(&dir.path().join("missing.toml")).unwrap_err();
        assert!(matches!(err, KeyError::Io { .. }), "{err}");
    }
}

//! The cryptographic operators: `hash` (HMAC-SHA256, hex) and `encrypt` (deterministic
//! AES-256-SIV tokens), and Deanonymise, which finds tokens in a text and decrypts them.
//!
//! Token format (docs/keys.md): `[ENC:<ENTITY_TYPE>:<key id>:<payload>]`, where the payload
//! is unpadded base64url of the SIV tag followed by the ciphertext. The tenant, key id and
//! entity type are bound in as associated data, so a token whose type or key id was edited,
//! or that another tenant made, does not authenticate. `[ENC:` is reserved: Deanonymise
//! treats anything starting with it as a token and rejects it if it is malformed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use super::AnonymiseError;
use super::keys::{KeyContext, TenantKey, is_valid_key_id};
use crate::engine::entity::{ByteSpan, EntityType};

/// Opens every token.
pub const TOKEN_MARKER: &str = "[ENC:";
/// Version and purpose, bound into every token as the first associated-data item.
const TOKEN_DOMAIN: &[u8] = b"riserbo/encrypt/v1";
/// Domain separation for `hash`, so a hash can never equal a pseudonym's HMAC.
const HASH_DOMAIN: &[u8] = b"riserbo/hash/v1\0";
/// Longest entity type name (as `EntityType::custom` allows).
const MAX_TYPE_LEN: usize = 64;

/// The form of a value that `hash` and `pseudonymise` key on, so that the same patient
/// detail written differently gets the same output: identifiers lose spaces, dashes and dots
/// and are upper-cased ("IT60 X054…" = "it60x054…"), phone numbers keep `+` and digits ("0039"
/// becomes "+39"), everything else is lower-cased with runs of spaces collapsed and
/// typographic apostrophes made plain ("D’Angelo" = "d'angelo").
pub(crate) fn canonical(entity_type: EntityType, value: &str) -> String {
    use EntityType::*;
    match entity_type {
        PhoneNumber => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            let international = value.trim_start().starts_with('+');
            match digits.strip_prefix("00") {
                Some(rest) if !international => format!("+{rest}"),
                _ if international => format!("+{digits}"),
                _ => digits,
            }
        }
        IbanCode | CreditCard | ItFiscalCode | ItVatCode | ItIdentityCard | ItPassport | ItDriverLicense
        | ItHealthCard | UkNhs | UkNino | UkPassport | UkDrivingLicence | MedicalRecordNumber | UkPostcode => {
            value.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
        }
        _ => {
            let mut out = String::with_capacity(value.len());
            for word in value.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.extend(word.chars().map(|c| if c == '’' { '\'' } else { c }).flat_map(char::to_lowercase));
            }
            out
        }
    }
}

/// Appends the hex HMAC-SHA256 of the value's canonical form, keeping `truncate` hex
/// characters (0: all 64).
pub(crate) fn write_hash(key: &TenantKey, entity_type: EntityType, value: &str, truncate: usize, out: &mut String) {
    let mut mac = key.hmac();
    mac.update(HASH_DOMAIN);
    mac.update(canonical(entity_type, value).as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    let keep = if truncate == 0 { digest.len() } else { truncate.min(digest.len()) };
    out.push_str(&digest[..keep]);
}

/// Appends the token for `value`. Deterministic: the same tenant, key, type and value always
/// give the same token (so tokens can be joined on, as with Google DLP's deterministic
/// encryption), and nothing else gives it.
pub(crate) fn write_token(tenant: &str, key: &TenantKey, entity_type: &str, value: &str, out: &mut String) {
    let mut siv = key.siv();
    let sealed = siv
        .encrypt([TOKEN_DOMAIN, tenant.as_bytes(), key.id().as_bytes(), entity_type.as_bytes()], value.as_bytes())
        .expect("four associated-data items are within SIV's limit");
    out.push_str(TOKEN_MARKER);
    out.push_str(entity_type);
    out.push(':');
    out.push_str(key.id());
    out.push(':');
    URL_SAFE_NO_PAD.encode_string(&sealed, out);
    out.push(']');
}

/// Why a token cannot be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not of the form `[ENC:TYPE:KEY_ID:PAYLOAD]`.
    Malformed,
    /// The tenant has no key with the token's key id.
    UnknownKeyId,
    /// The tag does not verify: the token was altered, or another tenant or key made it.
    DoesNotAuthenticate,
    /// Decrypts, but not to UTF-8 text (cannot come from Anonymise).
    NotText,
}

impl TokenProblem {
    pub fn describe(self) -> &'static str {
        match self {
            TokenProblem::Malformed => "is not a well-formed [ENC:TYPE:KEY_ID:PAYLOAD] token",
            TokenProblem::UnknownKeyId => "names a key id this tenant does not have (a token from another tenant?)",
            TokenProblem::DoesNotAuthenticate => {
                "does not authenticate: it was altered, or another tenant or key made it"
            }
            TokenProblem::NotText => "does not decrypt to text",
        }
    }
}

/// One restored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredItem {
    /// The entity type written in the token.
    pub entity_type: String,
    pub key_id: String,
    /// Where the token was in the input text.
    pub token: ByteSpan,
    /// Where the restored value is in the output text.
    pub restored: ByteSpan,
}

/// The output of [`deanonymise`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deanonymised {
    pub text: String,
    /// In text order.
    pub items: Vec<RestoredItem>,
}

/// A token's parts, as byte ranges of the text.
struct TokenParts<'t> {
    span: ByteSpan,
    entity_type: &'t str,
    key_id: &'t str,
    payload: &'t str,
}

/// Parses the token starting at `start` (where `TOKEN_MARKER` is).
fn parse_token(text: &str, start: usize) -> Option<TokenParts<'_>> {
    let rest = &text[start + TOKEN_MARKER.len()..];
    let (entity_type, rest) = rest.split_once(':')?;
    let type_ok = !entity_type.is_empty()
        && entity_type.len() <= MAX_TYPE_LEN
        && entity_type.as_bytes()[0].is_ascii_uppercase()
        && entity_type.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !type_ok {
        return None;
    }
    let (key_id, rest) = rest.split_once(':')?;
    if !is_valid_key_id(key_id) {
        return None;
    }
    let payload_len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')).count();
    if payload_len == 0 || rest.as_bytes().get(payload_len) != Some(&b']') {
        return None;
    }
    let payload = &rest[..payload_len];
    let end = start + TOKEN_MARKER.len() + entity_type.len() + 1 + key_id.len() + 1 + payload_len + 1;
    Some(TokenParts { span: ByteSpan::new(start, end), entity_type, key_id, payload })
}

/// Replaces every token in `text` by the value it encrypts. All or nothing: the first token
/// that cannot be restored fails the call (nothing half-restored is returned).
pub fn deanonymise(text: &str, keys: &KeyContext<'_>) -> Result<Deanonymised, AnonymiseError> {
    let Some(tenant_keys) = keys.keys else {
        return Err(AnonymiseError::MissingKey {
            field: "tenant".to_owned(),
            tenant: keys.tenant.to_owned(),
            operator: "deanonymise",
        });
    };
    let mut out = String::with_capacity(text.len());
    let mut items = Vec::new();
    let mut cursor = 0;
    for (index, start) in memchr::memmem::find_iter(text.as_bytes(), TOKEN_MARKER.as_bytes()).enumerate() {
        if start < cursor {
            continue; // cannot happen: a token has no "[ENC:" inside
        }
        let fail = |span: ByteSpan, problem: TokenProblem| AnonymiseError::Token { index: index + 1, span, problem };
        let Some(token) = parse_token(text, start) else {
            let end = text[start..].find(char::is_whitespace).map_or(text.len(), |i| start + i);
            return Err(fail(ByteSpan::new(start, end), TokenProblem::Malformed));
        };
        let key = tenant_keys.key(token.key_id).ok_or(fail(token.span, TokenProblem::UnknownKeyId))?;
        let sealed = URL_SAFE_NO_PAD.decode(token.payload).map_err(|_| fail(token.span, TokenProblem::Malformed))?;
        let plain = key
            .siv()
            .decrypt(
                [TOKEN_DOMAIN, keys.tenant.as_bytes(), token.key_id.as_bytes(), token.entity_type.as_bytes()],
                &sealed,
            )
            .map_err(|_| fail(token.span, TokenProblem::DoesNotAuthenticate))?;
        let value = String::from_utf8(plain).map_err(|_| fail(token.span, TokenProblem::NotText))?;
        out.push_str(&text[cursor..token.span.start]);
        let restored_at = out.len();
        out.push_str(&value);
        items.push(RestoredItem {
            entity_type: token.entity_type.to_owned(),
            key_id: token.key_id.to_owned(),
            token: token.span,
            restored: ByteSpan::new(restored_at, out.len()),
        });
        cursor = token.span.end;
    }
    out.push_str(&text[cursor..]);
    Ok(Deanonymised { text: out, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymise::keys::tests::keyring;

    fn token(keys: &KeyContext<'_>, key_id: &str, entity_type: &str, value: &str) -> String {
        let mut out = String::new();
        write_token(keys.tenant, keys.keys.unwrap().key(key_id).unwrap(), entity_type, value, &mut out);
        out
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical(EntityType::PhoneNumber, "+39 328 445 1290"), "+393284451290");
        assert_eq!(canonical(EntityType::PhoneNumber, "0039 328-445-1290"), "+393284451290");
        assert_eq!(canonical(EntityType::PhoneNumber, "328 445 1290"), "3284451290");
        assert_eq!(canonical(EntityType::IbanCode, "it60 x054 2811"), "IT60X0542811");
        assert_eq!(canonical(EntityType::Person, "  Zoë   D’Angelo "), "zoë d'angelo");
    }

    #[test]
    fn hash_is_keyed_hex_and_truncates() {
        let ring = keyring();
        let key = ring.tenant("").unwrap().hash_key();
        let other = ring.tenant("clinica-roma").unwrap().hash_key();
        let hash = |key: &TenantKey, value: &str, truncate: usize| {
            let mut out = String::new();
            write_hash(key, EntityType::PhoneNumber, value, truncate, &mut out);
            out
        };
        let full = hash(key, "+39 328 445 1290", 0);
        assert_eq!(full.len(), 64);
        assert!(full.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(hash(key, "0039 3284451290", 0), full, "canonical form");
        assert_eq!(hash(key, "+39 328 445 1290", 12), full[..12]);
        assert_ne!(hash(other, "+39 328 445 1290", 0), full, "another tenant's key");
        // Not a bare SHA-256 of the value.
        use sha2::Digest;
        assert_ne!(full, hex::encode(sha2::Sha256::digest(b"+393284451290")));
    }

    #[test]
    fn tokens_round_trip_and_are_deterministic() {
        let ring = keyring();
        let keys = ring.context("");
        let value = "Zoë Müller 😀";
        let t = token(&keys, "k2", "PERSON", value);
        assert!(t.starts_with("[ENC:PERSON:k2:") && t.ends_with(']'), "{t}");
        assert_eq!(t, token(&keys, "k2", "PERSON", value), "deterministic");
        assert_ne!(t, token(&keys, "k1", "PERSON", value), "per key");
        let text = format!("Ciao {t}, a presto {t}!");
        let out = deanonymise(&text, &keys).unwrap();
        assert_eq!(out.text, format!("Ciao {value}, a presto {value}!"));
        assert_eq!(out.items.len(), 2);
        assert_eq!(&out.text[out.items[1].restored.start..out.items[1].restored.end], value);
        assert_eq!(&text[out.items[0].token.start..out.items[0].token.end], t);
        assert_eq!(out.items[0].key_id, "k2");
    }

    #[test]
    fn old_key_ids_still_decrypt() {
        let ring = keyring();
        let keys = ring.context("");
        let old = token(&keys, "k1", "EMAIL_ADDRESS", "zoe@example.com");
        assert_eq!(deanonymise(&old, &keys).unwrap().text, "zoe@example.com");
    }

    #[test]
    fn tampered_and_foreign_tokens_fail_with_a_clear_problem() {
        let ring = keyring();
        let keys = ring.context("");
        let t = token(&keys, "k2", "PERSON", "Mario Rossi");
        let problem = |text: &str| match deanonymise(text, &keys) {
            Err(AnonymiseError::Token { problem, .. }) => problem,
            other => panic!("expected a token error, got {other:?}"),
        };
        // Every single-character change of the payload is detected.
        let payload_start = "[ENC:PERSON:k2:".len();
        for i in payload_start..t.len() - 1 {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(
                matches!(problem(&tampered), TokenProblem::DoesNotAuthenticate | TokenProblem::Malformed),
                "{tampered}"
            );
        }
        // Retyped or re-keyed tokens do not authenticate.
        assert_eq!(problem(&t.replace(":PERSON:", ":EMAIL_ADDRESS:")), TokenProblem::DoesNotAuthenticate);
        assert_eq!(problem(&t.replace(":k2:", ":k1:")), TokenProblem::DoesNotAuthenticate);
        assert_eq!(problem(&t.replace(":k2:", ":k7:")), TokenProblem::UnknownKeyId);
        assert_eq!(problem(&t[..t.len() - 1]), TokenProblem::Malformed);
        assert_eq!(problem("see [ENC:person:k1:abc]"), TokenProblem::Malformed);

        // Another tenant's token: even with a key id this tenant has, it does not authenticate.
        let roma = ring.context("clinica-roma");
        let foreign = token(&roma, "k1", "PERSON", "Mario Rossi");
        assert_eq!(problem(&foreign), TokenProblem::DoesNotAuthenticate);
        // And the error names the token, not its value.
        let err = deanonymise(&format!("Ciao {foreign}"), &keys).unwrap_err().to_string();
        assert!(err.starts_with("text: token 1 at bytes 5.."), "{err}");
        assert!(!err.contains("Mario"), "{err}");
    }

    #[test]
    fn without_keys_it_is_a_missing_key_error() {
        let err = deanonymise("nothing here", &KeyContext::none("acme")).unwrap_err();
        assert!(matches!(err, AnonymiseError::MissingKey { .. }), "{err}");
    }
}

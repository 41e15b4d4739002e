//! One decision as the log keeps it. Masked by construction: every field is an identifier,
//! a count, an enum, a time or a digest. There is no field that could hold the request's
//! text or an entity's value, so nothing the engine saw can reach the log by mistake.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::engine::verdict::Verdict;
use crate::policy::{EntityCount, PolicyRef};

/// Which RPC made the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    CheckPost,
    Anonymise,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::CheckPost => "CheckPost",
            DecisionKind::Anonymise => "Anonymise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CheckPost" => Some(DecisionKind::CheckPost),
            "Anonymise" => Some(DecisionKind::Anonymise),
            _ => None,
        }
    }
}

/// A name (rule id, entity type) and how many times it occurred in one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub name: String,
    pub count: u32,
}

/// One recorded decision: the allow-list of what the log may hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// UUIDv7, also returned to the caller (`decision_id`).
    pub id: String,
    pub time: SystemTime,
    pub kind: DecisionKind,
    pub tenant: String,
    /// The authenticated principal ("anonymous" when authentication is off).
    pub caller: String,
    /// The caller's own identifiers (post id, author id) from `CheckPostRequest.labels`.
    pub labels: BTreeMap<String, String>,
    pub policy: PolicyRef,
    /// CheckPost's verdict; Anonymise has none.
    pub verdict: Option<Verdict>,
    /// Rule ids with how many findings each produced.
    pub rules: Vec<Count>,
    /// Entity types with how many entities of each were found (CheckPost) or transformed
    /// (Anonymise).
    pub entities: Vec<Count>,
    pub latency: Duration,
    /// Hex HMAC-SHA256 of the text under the operator's key: lets a DPO match a complaint
    /// ("this post went out") to its decision without the log storing the text. `None` when
    /// no key is configured.
    pub text_hmac: Option<String>,
}

impl Decision {
    /// A decision with no verdict, rules, entities, labels or HMAC yet; latency runs from
    /// `started` to now.
    pub fn new(
        kind: DecisionKind,
        id: &str,
        tenant: &str,
        caller: &str,
        policy: &PolicyRef,
        started: std::time::Instant,
    ) -> Self {
        Decision {
            id: id.to_owned(),
            time: SystemTime::now(),
            kind,
            tenant: tenant.to_owned(),
            caller: caller.to_owned(),
            labels: BTreeMap::new(),
            policy: policy.clone(),
            verdict: None,
            rules: Vec::new(),
            entities: Vec::new(),
            latency: started.elapsed(),
            text_hmac: None,
        }
    }

    /// Rule ids with counts, from the rule id of every finding (in order of first appearance).
    pub fn count_rules<'a>(rule_ids: impl IntoIterator<Item = &'a str>) -> Vec<Count> {
        let mut counts: Vec<Count> = Vec::new();
        for id in rule_ids {
            match counts.iter_mut().find(|c| c.name == id) {
                Some(c) => c.count += 1,
                None => counts.push(Count { name: id.to_owned(), count: 1 }),
            }
        }
        counts
    }

    /// Entity types with counts, from the policy's report.
    pub fn count_entities(counts: &[EntityCount]) -> Vec<Count> {
        counts.iter().map(|c| Count { name: c.entity_type.as_str().to_owned(), count: c.count }).collect()
    }
}

/// The key of the text HMAC. Its `Debug` never prints the key.
#[derive(Clone)]
pub struct TextHmacKey(Vec<u8>);

/// Shorter keys would make the HMAC guessable by brute force over likely texts' keys.
pub const MIN_HMAC_KEY_BYTES: usize = 16;

impl TextHmacKey {
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, String> {
        let key = key.into();
        if key.len() < MIN_HMAC_KEY_BYTES {
            return Err(format!("must be at least {MIN_HMAC_KEY_BYTES} bytes"));
        }
        Ok(Self(key))
    }

    /// Hex HMAC-SHA256 of `text`.
    pub fn digest(&self, text: &str) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for TextHmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TextHmacKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_counts_keep_first_appearance_order() {
        let counts = Decision::count_rules(["HID-01", "PID-02", "HID-01"]);
        assert_eq!(counts, vec![Count { name: "HID-01".into(), count: 2 }, Count { name: "PID-02".into(), count: 1 }]);
    }

    #[test]
    fn hmac_is_keyed_and_never_debug_printed() {
        let a = TextHmacKey::new("0123456789abcdef-key-a").unwrap();
        let b = TextHmacKey::new("0123456789abcdef-key-b").unwrap();
        let text = "La sig.ra Lucia Fontana ha fatto l'impianto";
        assert_eq!(a.digest(text), a.digest(text));
        assert_ne!(a.digest(text), b.digest(text));
        assert_eq!(a.digest(text).len(), 64);
        assert!(!format!("{a:?}").contains("key-a"));
        assert!(TextHmacKey::new("short").is_err());
    }
}

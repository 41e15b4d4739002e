//! Network identifiers: `URL`, `IP_ADDRESS` and `SOCIAL_HANDLE`.
//!
//! - `URL`: with a scheme or `www.` (certain), or a bare domain with a common top-level
//!   domain ("clinicasorriso.it/prenota", lower score: "sig.ra" and "dott.ssa" are not
//!   domains because "ra" and "ssa" are not in the list). Trailing punctuation is not part
//!   of a link.
//! - `IP_ADDRESS`: dotted IPv4 with every octet 0-255 and no part of a longer dotted number
//!   (a version "1.2.3.4.5" is not an address), and IPv6 as the standard library parses it.
//! - `SOCIAL_HANDLE`: `@name` as Instagram, X and TikTok allow it (letters, digits,
//!   underscores, inner dots, up to 30 characters), not the second half of an e-mail
//!   address and not a domain ("@gmail.com"). A handle after "seguici su" / "follow us"
//!   is the organisation's own.

use std::net::Ipv6Addr;

use crate::engine::entity::{ByteSpan, EntityType, Role};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconId, PatternId, PatternMatch, Scan, ScannerBuilder};
use crate::engine::text::{char_at, char_before, is_isolated, is_word_char};

use super::labels::{context_lexicon, nearest_hit, word_lexicon};

/// Top-level domains people write without a scheme. Longer suffixes first.
const TLDS: &str = "co\\.uk|org\\.uk|nhs\\.uk|ac\\.uk|it|com|net|org|eu|uk|io|info|me|app|dev|health|dental|clinic|care|biz|ch|sm|fr|de|es|ly|be|gl|link|store|shop|online|site";

const URL_SCHEME: &str = r#"(?i:(?:https?://|www\.)[^\s<>"'`{}|\\^\[\]]+)"#;
const IPV4: &str = r"(?-u:\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})";
const IPV6: &str = r"(?i-u:[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})";
const HANDLE: &str = r"@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?";

const URL_SCORE: f32 = 0.8;
const DOMAIN_SCORE: f32 = 0.55;
const IP_SCORE: f32 = 0.6;
const HANDLE_SCORE: f32 = 0.8;

/// Phrases after which a handle is the writer's organisation's ("seguici su @studio").
const OWN_ACCOUNT_CUES: &[&str] = &[
    "seguici",
    "seguiteci",
    "seguici su",
    "taggaci",
    "taggateci",
    "trovaci",
    "follow us",
    "follow us on",
    "find us",
    "find us on",
    "tag us",
];

pub struct NetworkRecogniser {
    /// Links, handles and addresses in one pass; the shape of a match says which it is.
    pattern: PatternId,
    ip_context: LexiconId,
    own_account: LexiconId,
}

/// What a match of the combined pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Link,
    Domain,
    Ipv4,
    Ipv6,
    Handle,
}

fn shape_of(value: &str) -> Shape {
    // Bytes, not a str slice: the prefix's length need not fall on a char boundary ("www.M€").
    let lower =
        |prefix: &str| value.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()));
    if value.starts_with('@') {
        Shape::Handle
    } else if lower("http://") || lower("https://") || lower("www.") {
        Shape::Link
    } else if value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        Shape::Ipv4
    } else if value.contains(':') {
        Shape::Ipv6
    } else {
        Shape::Domain
    }
}

impl NetworkRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        // Unbounded label repetition keeps the DFA small; the tail check in `urls` rejects a
        // "TLD" that is only the start of a longer word ("clinica.italia").
        let label = r"[a-z0-9][a-z0-9\-]*";
        let domain = format!(r#"(?i:{label}(?:\.{label})*\.(?:{TLDS})(?:/[^\s<>"'`{{}}|\\^\[\]]*)?)"#);
        // Alternatives in priority order at one start: a link with its scheme before the
        // domain inside it, a handle, addresses, then a bare domain.
        let pattern = format!("{URL_SCHEME}|{HANDLE}|{IPV4}|{IPV6}|{domain}");
        Self {
            pattern: builder.pattern(&pattern),
            ip_context: context_lexicon(builder, "context.ip_address", &[EntityType::IpAddress], &["indirizzo"]),
            own_account: word_lexicon(builder, "role.own_account", OWN_ACCOUNT_CUES),
        }
    }

    fn url(&self, scan: &Scan<'_>, m: &PatternMatch<'_>, score: f32, out: &mut Vec<Candidate>) {
        let end = m.start() + trim_link_end(m.as_str());
        // Not the domain of an e-mail address or part of a longer word.
        if end <= m.start()
            || char_before(scan.text, m.start()).is_some_and(|c| is_word_char(c) || c == '@' || c == '.')
        {
            return;
        }
        if char_at(scan.text, end).is_some_and(is_word_char) || scan.text[end..].starts_with('@') {
            return;
        }
        out.push(Candidate::new(ByteSpan::new(m.start(), end), EntityType::Url, score, "url"));
    }

    fn ipv4(&self, scan: &Scan<'_>, m: &PatternMatch<'_>, out: &mut Vec<Candidate>) {
        let (start, end) = (m.start(), m.end());
        let dotted_neighbour = scan.text[..start].ends_with('.')
            && char_before(scan.text, start - 1).is_some_and(|c| c.is_ascii_digit())
            || scan.text[end..].starts_with('.') && char_at(scan.text, end + 1).is_some_and(|c| c.is_ascii_digit());
        if !is_isolated(scan.text, start, end) || dotted_neighbour || !is_ipv4(m.as_str()) {
            return;
        }
        out.push(
            Candidate::new(ByteSpan::new(start, end), EntityType::IpAddress, IP_SCORE, "ip_address")
                .with_context(self.ip_context),
        );
    }

    fn ipv6(&self, scan: &Scan<'_>, m: &PatternMatch<'_>, out: &mut Vec<Candidate>) {
        let (start, end) = (m.start(), m.end());
        let value = m.as_str();
        let hex_groups = value.split(':').filter(|g| !g.is_empty()).count();
        if hex_groups < 3 || scan.text[end..].starts_with(':') || !is_isolated(scan.text, start, end) {
            return;
        }
        if value.parse::<Ipv6Addr>().is_ok() {
            out.push(
                Candidate::new(ByteSpan::new(start, end), EntityType::IpAddress, IP_SCORE, "ip_address")
                    .with_context(self.ip_context),
            );
        }
    }

    fn handle(&self, scan: &Scan<'_>, m: &PatternMatch<'_>, out: &mut Vec<Candidate>) {
        let (start, end) = (m.start(), m.end());
        let name = &m.as_str()[1..];
        // "@" after a word character is an e-mail address; a handle is all of its word.
        if char_before(scan.text, start).is_some_and(|c| is_word_char(c) || c == '.' || c == '@')
            || char_at(scan.text, end).is_some_and(|c| is_word_char(c) || c == '@')
            || !name.bytes().any(|b| b.is_ascii_alphabetic())
            || looks_like_domain(name)
        {
            return;
        }
        let span = ByteSpan::new(start, end);
        let own = nearest_hit(scan, self.own_account, span, 2, None).is_some();
        let role = if own { Role::Organisation } else { Role::Unknown };
        out.push(Candidate::new(span, EntityType::SocialHandle, HANDLE_SCORE, "social_handle").with_role(role));
    }
}

/// Length of a link without the punctuation that ends the sentence around it, and without
/// a closing parenthesis it did not open.
fn trim_link_end(link: &str) -> usize {
    let mut end = link.len();
    loop {
        let trimmed = link[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '"']);
        end = trimmed.len();
        if trimmed.ends_with(')') && trimmed.matches('(').count() < trimmed.matches(')').count() {
            end -= 1;
            continue;
        }
        return end;
    }
}

fn is_ipv4(value: &str) -> bool {
    value.split('.').all(|octet| !(octet.len() > 1 && octet.starts_with('0')) && octet.parse::<u8>().is_ok())
}

fn looks_like_domain(name: &str) -> bool {
    let Some((_, last)) = name.rsplit_once('.') else { return false };
    matches!(last.to_ascii_lowercase().as_str(), "com" | "it" | "net" | "org" | "uk" | "eu" | "io")
}

impl Recogniser for NetworkRecogniser {
    fn name(&self) -> &'static str {
        "network"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Url, EntityType::IpAddress, EntityType::SocialHandle]
    }

    fn recognise(&self, scan: &Scan<'_>, _input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        for m in scan.matches(self.pattern) {
            match shape_of(m.as_str()) {
                Shape::Link => self.url(scan, &m, URL_SCORE, out),
                Shape::Domain => self.url(scan, &m, DOMAIN_SCORE, out),
                Shape::Ipv4 => self.ipv4(scan, &m, out),
                Shape::Ipv6 => self.ipv6(scan, &m, out),
                Shape::Handle => self.handle(scan, &m, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::{found_entities, found_typed};

    fn network(text: &str) -> Vec<(String, EntityType)> {
        found_typed(|b| Box::new(NetworkRecogniser::new(b)), text)
    }

    fn values(text: &str, ty: EntityType) -> Vec<String> {
        network(text).into_iter().filter(|(_, t)| *t == ty).map(|(v, _)| v).collect()
    }

    #[test]
    fn urls_with_and_without_scheme() {
        let got = values(
            "Prenota su https://clinica.example.it/prenota?x=1, oppure www.sorriso.it. Vedi (studio-rossi.com/team) e dott.ssa Neri, sig.ra Bo.",
            EntityType::Url,
        );
        assert_eq!(got, ["https://clinica.example.it/prenota?x=1", "www.sorriso.it", "studio-rossi.com/team"]);
        // The domain of an e-mail address is not a link.
        assert!(values("scrivi a lucia@gmail.com", EntityType::Url).is_empty());
    }

    #[test]
    fn ip_addresses() {
        assert_eq!(
            values("IP 192.168.1.20, server 2001:db8::8a2e:370:7334.", EntityType::IpAddress),
            ["192.168.1.20", "2001:db8::8a2e:370:7334"]
        );
        assert!(values("versione 1.2.3.4.5, 256.1.1.1, 01.02.03.04, ore 10:30:45", EntityType::IpAddress).is_empty());
    }

    #[test]
    fn handles_but_not_addresses_or_domains() {
        assert_eq!(
            values("@davide_conti ti aspetto, grazie @anna.b!", EntityType::SocialHandle),
            ["@davide_conti", "@anna.b"]
        );
        assert!(values("lucia@gmail.com, @gmail.com, @123, @ casa", EntityType::SocialHandle).is_empty());
    }

    #[test]
    fn own_account_handles_belong_to_the_organisation() {
        let entities =
            found_entities(|b| Box::new(NetworkRecogniser::new(b)), "Seguici su @studiosorriso e tagga @giulia_r");
        let roles: Vec<Role> = entities.iter().map(|e| e.role).collect();
        assert_eq!(roles, [Role::Organisation, Role::Unknown]);
    }
}

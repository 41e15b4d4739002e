//! The context a text is published in: account, channel, platform, attachments, consent,
//! author and language. Rules read it to set severities; it carries no gRPC types.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

macro_rules! context_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident => $wire:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub enum $name {
            #[default]
            Unspecified,
            $( $variant, )*
        }

        impl $name {
            /// Every value except `Unspecified`.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The policy-file name, e.g. `"PERSONAL"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $name::Unspecified => "UNSPECIFIED",
                    $( $name::$variant => $wire, )*
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    "UNSPECIFIED" => Ok($name::Unspecified),
                    $( $wire => Ok($name::$variant), )*
                    _ => Err(UnknownValue { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

context_enum!(
    /// Whose account publishes the text.
    AccountKind { Personal => "PERSONAL", Practice => "PRACTICE", Professional => "PROFESSIONAL" }
);

context_enum!(
    /// Where the text appears.
    Channel {
        PublicPost => "PUBLIC_POST",
        CommentReply => "COMMENT_REPLY",
        DirectMessage => "DIRECT_MESSAGE",
        GroupChat => "GROUP_CHAT",
    }
);

context_enum!(
    /// The platform the text is published on.
    Platform {
        Instagram => "INSTAGRAM",
        Facebook => "FACEBOOK",
        Linkedin => "LINKEDIN",
        Tiktok => "TIKTOK",
        X => "X",
        Youtube => "YOUTUBE",
        Whatsapp => "WHATSAPP",
        GoogleBusiness => "GOOGLE_BUSINESS",
        Other => "OTHER",
    }
);

context_enum!(
    /// What is attached to a post.
    AttachmentKind {
        Photo => "PHOTO",
        ClinicalPhoto => "CLINICAL_PHOTO",
        Radiograph => "RADIOGRAPH",
        Video => "VIDEO",
        Document => "DOCUMENT",
    }
);

impl Channel {
    /// Whether people outside the conversation can read the text.
    pub fn is_public(self) -> bool {
        matches!(self, Channel::PublicPost | Channel::CommentReply | Channel::Unspecified)
    }
}

/// The languages Riserbo understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    Italian,
    #[default]
    English,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Italian => "it",
            Language::English => "en",
        }
    }

    /// Parses "it"/"en" (and regional forms such as "it-IT", "en_GB"), case-insensitively.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("it") {
            Some(Language::Italian)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Language::English)
        } else {
            None
        }
    }
}

/// One attachment of a post.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    pub kind: AttachmentKind,
    pub caption: String,
    pub alt_text: String,
}

impl fmt::Debug for Attachment {
    // Captions may name patients: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("kind", &self.kind)
            .field("caption_bytes", &self.caption.len())
            .field("alt_text_bytes", &self.alt_text.len())
            .finish()
    }
}

/// Everything about a check request except the text itself.
#[derive(Clone, Default)]
pub struct PostContext {
    pub account: AccountKind,
    pub channel: Channel,
    pub platform: Platform,
    pub attachments: Vec<Attachment>,
    /// Identifier of the patient's written consent to publication.
    pub consent_reference: Option<String>,
    /// The writer's own name.
    pub author_name: Option<String>,
    /// The text's language when the caller gave it; detected otherwise.
    pub language: Option<Language>,
    /// Language for messages; the text's language otherwise.
    pub locale: Option<Language>,
    /// Caller identifiers echoed to the decision log.
    pub labels: BTreeMap<String, String>,
}

impl fmt::Debug for PostContext {
    // The author's name and consent reference are personal data: print only their presence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostContext")
            .field("account", &self.account)
            .field("channel", &self.channel)
            .field("platform", &self.platform)
            .field("attachments", &self.attachments)
            .field("has_consent_reference", &self.consent_reference.is_some())
            .field("has_author_name", &self.author_name.is_some())
            .field("language", &self.language)
            .field("locale", &self.locale)
            .field("labels", &self.labels.len())
            .finish()
    }
}

impl PostContext {
    pub fn has_consent(&self) -> bool {
        self.consent_reference.as_deref().is_some_and(|c| !c.trim().is_empty())
    }

    pub fn has_attachment(&self, kinds: &[AttachmentKind]) -> bool {
        self.attachments.iter().any(|a| kinds.contains(&a.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_their_policy_names() {
        assert_eq!("PERSONAL".parse::<AccountKind>().unwrap(), AccountKind::Personal);
        assert_eq!("DIRECT_MESSAGE".parse::<Channel>().unwrap(), Channel::DirectMessage);
        assert!("personal".parse::<AccountKind>().is_err());
        for kind in AttachmentKind::ALL {
            assert_eq!(kind.as_str().parse::<AttachmentKind>().unwrap(), *kind);
        }
    }

    #[test]
    fn language_codes() {
        assert_eq!(Language::from_code("it-IT"), Some(Language::Italian));
        assert_eq!(Language::from_code("EN_gb"), Some(Language::English));
        assert_eq!(Language::from_code("fr"), None);
    }

    #[test]
    fn debug_never_prints_personal_fields() {
        let ctx = PostContext {
            author_name: Some("Giulia Bianchi".into()),
            consent_reference: Some("CONS-1".into()),
            attachments: vec![Attachment {
                kind: AttachmentKind::Photo,
                caption: "Mario Rossi".into(),
                alt_text: String::new(),
            }],
            ..Default::default()
        };
        let printed = format!("{ctx:?}");
        assert!(!printed.contains("Giulia") && !printed.contains("CONS-1") && !printed.contains("Mario"));
    }
}

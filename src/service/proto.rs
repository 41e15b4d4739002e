//! Generated protobuf types and the encoded descriptor set (for server reflection).
//!
//! Messages that carry patient text have no derived `Debug`: the hand-written impls below
//! print sizes and context, never the text.

#![allow(clippy::all, missing_docs)]

use std::fmt;

tonic::include_proto!("riserbo.v1");

/// The encoded `FileDescriptorSet` of `proto/riserbo/v1`.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("riserbo_descriptor");

impl fmt::Debug for CheckPostRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckPostRequest")
            .field("tenant", &self.tenant)
            .field("text_bytes", &self.text.len())
            .field("language", &self.language)
            .field("account", &self.account)
            .field("channel", &self.channel)
            .field("platform", &self.platform)
            .field("attachments", &self.attachments)
            .field("has_consent_reference", &!self.consent_reference.is_empty())
            .field("has_author_name", &!self.author_name.is_empty())
            .field("locale", &self.locale)
            .field("labels", &self.labels.len())
            .finish()
    }
}

impl fmt::Debug for CheckPostResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckPostResponse")
            .field("verdict", &self.verdict)
            .field("findings", &self.findings.iter().map(|x| x.rule_id.as_str()).collect::<Vec<_>>())
            .field("anonymised_text_bytes", &self.anonymised_text.len())
            .field("reidentification_risk", &self.reidentification_risk)
            .field("policy", &self.policy)
            .field("decision_id", &self.decision_id)
            .field("language", &self.language)
            .finish()
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("kind", &self.kind)
            .field("caption_bytes", &self.caption.len())
            .field("alt_text_bytes", &self.alt_text.len())
            .finish()
    }
}

impl fmt::Debug for AnonymiseRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymiseRequest")
            .field("tenant", &self.tenant)
            .field("text_bytes", &self.text.len())
            .field("language", &self.language)
            .field("entity_types", &self.entity_types)
            .field("operators", &self.operators.keys().collect::<Vec<_>>())
            .field("has_pseudonym_scope", &!self.pseudonym_scope.is_empty())
            .field("has_author_name", &!self.author_name.is_empty())
            .finish()
    }
}

impl fmt::Debug for AnonymiseResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymiseResponse")
            .field("text_bytes", &self.text.len())
            .field("items", &self.items.len())
            .field("policy", &self.policy)
            .finish()
    }
}

impl fmt::Debug for DeanonymiseRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeanonymiseRequest")
            .field("tenant", &self.tenant)
            .field("text_bytes", &self.text.len())
            .finish()
    }
}

impl fmt::Debug for DeanonymiseResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeanonymiseResponse")
            .field("text_bytes", &self.text.len())
            .field("items", &self.items.len())
            .finish()
    }
}

//! `clinical_media`: a clinical photo, radiograph or before/after without a consent
//! reference. Clinical attachment kinds count on their own; text cues ("prima e dopo",
//! "before & after") make an ordinary photo or video clinical media. A consent reference on
//! the accounts listed in `consent_accounts` allows it (PRODUCT.md rule 11).

use serde::Deserialize;

use super::{Cue, DetectorBuilder, DetectorError, parse};
use crate::engine::context::{AccountKind, AttachmentKind};
use crate::engine::rules::{Detection, Detector, RuleInput};
use crate::engine::verdict::FindingSpan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaParams {
    /// Attachment kinds that are clinical media.
    attachments: Vec<AttachmentKind>,
    /// Cues in the text that mark other attachments as clinical media (before/after).
    #[serde(default)]
    cues: Vec<String>,
    /// Attachments the cues apply to.
    #[serde(default)]
    cue_attachments: Vec<AttachmentKind>,
    /// Accounts on which a consent reference allows the media.
    #[serde(default)]
    consent_accounts: Vec<AccountKind>,
}

#[derive(Debug)]
pub struct ClinicalMedia {
    attachments: Vec<AttachmentKind>,
    cues: Vec<Cue>,
    cue_attachments: Vec<AttachmentKind>,
    consent_accounts: Vec<AccountKind>,
}

pub(super) fn build(
    params: toml::Table,
    builder: &mut DetectorBuilder<'_>,
) -> Result<Box<dyn Detector>, DetectorError> {
    let p: MediaParams = parse(params)?;
    if p.attachments.is_empty() {
        return Err(DetectorError::Param { name: "attachments".into(), reason: "must list attachment kinds".into() });
    }
    Ok(Box::new(ClinicalMedia {
        attachments: p.attachments,
        cues: builder.cues(&p.cues)?,
        cue_attachments: p.cue_attachments,
        consent_accounts: p.consent_accounts,
    }))
}

impl Detector for ClinicalMedia {
    fn detect(&self, input: &RuleInput<'_, '_>) -> Option<Detection> {
        let context = input.context;
        if context.has_consent() && self.consent_accounts.contains(&context.account) {
            return None;
        }
        let mut found = Vec::new();
        for cue in &self.cues {
            cue.spans(&input.analysis.scan, &mut found);
        }
        let spans: Vec<FindingSpan> = found
            .into_iter()
            .map(|span| FindingSpan { span, entity_type: None, cue: "clinical_media", score: 1.0 })
            .collect();
        let clinical = context.has_attachment(&self.attachments);
        let cued = !spans.is_empty() && context.has_attachment(&self.cue_attachments);
        (clinical || cued).then_some(Detection { spans })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use crate::engine::context::{AccountKind, Attachment, AttachmentKind, PostContext};

    fn harness() -> Harness {
        Harness::new(
            "clinical_media",
            "attachments = [\"CLINICAL_PHOTO\", \"RADIOGRAPH\"]\ncues = [\"before_after\"]\ncue_attachments = [\"PHOTO\"]\nconsent_accounts = [\"PRACTICE\", \"PROFESSIONAL\"]",
            &[("before_after", &["prima e dopo", "before and after"])],
            &[],
        )
    }

    fn with(kind: AttachmentKind, account: AccountKind, consent: Option<&str>) -> PostContext {
        PostContext {
            account,
            attachments: vec![Attachment { kind, ..Default::default() }],
            consent_reference: consent.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn clinical_media_needs_consent_on_a_practice_or_professional_account() {
        let h = harness();
        let text = "Il sorriso prima e dopo lo sbiancamento";
        assert!(h.detect(text, &with(AttachmentKind::ClinicalPhoto, AccountKind::Practice, None), &[]).is_some());
        assert!(
            h.detect(text, &with(AttachmentKind::ClinicalPhoto, AccountKind::Practice, Some("C-1")), &[]).is_none()
        );
        assert!(h.detect(text, &with(AttachmentKind::Radiograph, AccountKind::Personal, Some("C-1")), &[]).is_some());
        // A before/after text makes an ordinary photo clinical; without a photo it is just words.
        assert!(h.detect(text, &with(AttachmentKind::Photo, AccountKind::Practice, None), &[]).is_some());
        assert!(h.detect(text, &PostContext::default(), &[]).is_none());
        assert!(h.detect("Team photo!", &with(AttachmentKind::Photo, AccountKind::Practice, None), &[]).is_none());
    }
}

//! Conversion between protobuf messages and domain types. Requests are destructured
//! exhaustively, so a new proto field breaks the build here until it is handled.

use crate::anonymise::{AnonymisedItem, Operator};
use crate::engine::context::{self, Language, PostContext};
use crate::engine::entity::ByteSpan;
use crate::engine::text::Utf16Index;
use crate::engine::verdict::{self, Category, Finding, Verdict};
use crate::error::RequestError;
use crate::policy::{AnonymiseInput, CheckReport, PolicyRef};

use super::proto as pb;

/// A CheckPost request in domain terms.
pub struct CheckCall {
    pub tenant: String,
    pub text: String,
    pub context: PostContext,
}

impl TryFrom<pb::CheckPostRequest> for CheckCall {
    type Error = RequestError;

    fn try_from(request: pb::CheckPostRequest) -> Result<Self, Self::Error> {
        let pb::CheckPostRequest {
            tenant,
            text,
            language,
            account,
            channel,
            platform,
            attachments,
            consent_reference,
            author_name,
            locale,
            labels,
        } = request;
        let context = PostContext {
            account: account_kind(account),
            channel: channel_of(channel),
            platform: platform_of(platform),
            attachments: attachments
                .into_iter()
                .map(|a| context::Attachment {
                    kind: attachment_kind(a.kind),
                    caption: a.caption,
                    alt_text: a.alt_text,
                })
                .collect(),
            consent_reference: non_empty(consent_reference),
            author_name: non_empty(author_name),
            language: language_field("language", &language)?,
            locale: language_field("locale", &locale)?,
            labels: labels.into_iter().collect(),
        };
        Ok(CheckCall { tenant, text, context })
    }
}

/// An Anonymise request in domain terms.
pub struct AnonymiseCall {
    pub tenant: String,
    pub text: String,
    pub input: AnonymiseInput,
}

impl TryFrom<pb::AnonymiseRequest> for AnonymiseCall {
    type Error = RequestError;

    fn try_from(request: pb::AnonymiseRequest) -> Result<Self, Self::Error> {
        let pb::AnonymiseRequest {
            tenant,
            text,
            language,
            entity_types,
            default_operator,
            operators,
            pseudonym_scope,
            author_name,
        } = request;
        let default_operator = default_operator.map(|op| operator("default_operator", op)).transpose()?;
        let mut converted = Vec::with_capacity(operators.len());
        let mut names: Vec<String> = operators.keys().cloned().collect();
        names.sort(); // deterministic error messages
        let mut operators = operators;
        for name in names {
            let op = operators.remove(&name).expect("key listed above");
            let field = format!("operators[{name:?}]");
            converted.push((name, operator(&field, op)?));
        }
        Ok(AnonymiseCall {
            tenant,
            text,
            input: AnonymiseInput {
                language: language_field("language", &language)?,
                entity_types,
                default_operator,
                operators: converted,
                pseudonym_scope,
                author_name: non_empty(author_name),
            },
        })
    }
}

fn operator(field: &str, op: pb::Operator) -> Result<Operator, RequestError> {
    use pb::operator::Kind;
    let invalid = |reason: &str| RequestError::Invalid { field: field.to_owned(), reason: reason.to_owned() };
    let Some(kind) = op.kind else {
        return Err(invalid("no operator set"));
    };
    Ok(match kind {
        Kind::Replace(r) => Operator::Replace { new_value: non_empty(r.new_value) },
        Kind::Redact(_) => Operator::Redact,
        Kind::Mask(m) => {
            let mut chars = m.masking_char.chars();
            let masking_char = match (chars.next(), chars.next()) {
                (None, _) => '*',
                (Some(c), None) => c,
                _ => return Err(invalid("mask.masking_char must be one character")),
            };
            Operator::Mask { masking_char, chars_to_mask: m.chars_to_mask as usize, from_end: m.from_end }
        }
        Kind::Hash(h) => Operator::Hash { truncate: h.truncate as usize },
        Kind::Pseudonymise(_) => Operator::Pseudonymise,
        Kind::Encrypt(e) => Operator::Encrypt { key_id: non_empty(e.key_id) },
        Kind::Generalise(_) => Operator::Generalise,
        Kind::Keep(_) => Operator::Keep,
    })
}

fn non_empty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

fn language_field(field: &str, code: &str) -> Result<Option<Language>, RequestError> {
    if code.trim().is_empty() {
        return Ok(None);
    }
    Language::from_code(code.trim()).map(Some).ok_or_else(|| RequestError::Invalid {
        field: field.to_owned(),
        reason: "unsupported language (expected \"it\" or \"en\")".to_owned(),
    })
}

// Unknown enum values (from newer clients) count as unspecified.
fn account_kind(v: i32) -> context::AccountKind {
    match pb::AccountKind::try_from(v).unwrap_or(pb::AccountKind::Unspecified) {
        pb::AccountKind::Unspecified => context::AccountKind::Unspecified,
        pb::AccountKind::Personal => context::AccountKind::Personal,
        pb::AccountKind::Practice => context::AccountKind::Practice,
        pb::AccountKind::Professional => context::AccountKind::Professional,
    }
}

fn channel_of(v: i32) -> context::Channel {
    match pb::Channel::try_from(v).unwrap_or(pb::Channel::Unspecified) {
        pb::Channel::Unspecified => context::Channel::Unspecified,
        pb::Channel::PublicPost => context::Channel::PublicPost,
        pb::Channel::CommentReply => context::Channel::CommentReply,
        pb::Channel::DirectMessage => context::Channel::DirectMessage,
        pb::Channel::GroupChat => context::Channel::GroupChat,
    }
}

fn platform_of(v: i32) -> context::Platform {
    match pb::Platform::try_from(v).unwrap_or(pb::Platform::Unspecified) {
        pb::Platform::Unspecified => context::Platform::Unspecified,
        pb::Platform::Instagram => context::Platform::Instagram,
        pb::Platform::Facebook => context::Platform::Facebook,
        pb::Platform::Linkedin => context::Platform::Linkedin,
        pb::Platform::Tiktok => context::Platform::Tiktok,
        pb::Platform::X => context::Platform::X,
        pb::Platform::Youtube => context::Platform::Youtube,
        pb::Platform::Whatsapp => context::Platform::Whatsapp,
        pb::Platform::GoogleBusiness => context::Platform::GoogleBusiness,
        pb::Platform::Other => context::Platform::Other,
    }
}

fn attachment_kind(v: i32) -> context::AttachmentKind {
    match pb::AttachmentKind::try_from(v).unwrap_or(pb::AttachmentKind::Unspecified) {
        pb::AttachmentKind::Unspecified => context::AttachmentKind::Unspecified,
        pb::AttachmentKind::Photo => context::AttachmentKind::Photo,
        pb::AttachmentKind::ClinicalPhoto => context::AttachmentKind::ClinicalPhoto,
        pb::AttachmentKind::Radiograph => context::AttachmentKind::Radiograph,
        pb::AttachmentKind::Video => context::AttachmentKind::Video,
        pb::AttachmentKind::Document => context::AttachmentKind::Document,
    }
}

pub fn verdict(v: Verdict) -> pb::Verdict {
    match v {
        Verdict::Allow => pb::Verdict::Allow,
        Verdict::Warn => pb::Verdict::Warn,
        Verdict::Review => pb::Verdict::Review,
        Verdict::Block => pb::Verdict::Block,
    }
}

pub fn category(c: Category) -> pb::Category {
    match c {
        Category::PatientIdentifier => pb::Category::PatientIdentifier,
        Category::HealthInformation => pb::Category::HealthInformation,
        Category::QuasiIdentifier => pb::Category::QuasiIdentifier,
        Category::SpeakingForClinic => pb::Category::SpeakingForClinic,
        Category::UnprofessionalConduct => pb::Category::UnprofessionalConduct,
        Category::MisleadingClaim => pb::Category::MisleadingClaim,
        Category::PromotionalHealthAdvertising => pb::Category::PromotionalHealthAdvertising,
        Category::ClinicalAdviceInPublic => pb::Category::ClinicalAdviceInPublic,
        Category::AppointmentDetailsInPublic => pb::Category::AppointmentDetailsInPublic,
        Category::ClinicalMediaWithoutConsent => pb::Category::ClinicalMediaWithoutConsent,
        Category::ProfessionalBoundary => pb::Category::ProfessionalBoundary,
        Category::PlatformLimit => pb::Category::PlatformLimit,
    }
}

pub fn policy_ref(r: &PolicyRef) -> pb::PolicyRef {
    pb::PolicyRef { id: r.id.clone(), version: r.version.clone(), sha256: r.sha256.clone() }
}

/// A span in both offset units.
pub fn span(index: &Utf16Index, span: ByteSpan, entity_type: &str, score: f32) -> pb::Span {
    pb::Span {
        start: offset(span.start),
        end: offset(span.end),
        start_utf16: offset(index.utf16(span.start)),
        end_utf16: offset(index.utf16(span.end)),
        entity_type: entity_type.to_owned(),
        score,
    }
}

/// Offsets fit in u32: texts are limited far below 4 GiB before they reach the engine.
fn offset(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn finding(index: &Utf16Index, f: Finding) -> pb::Finding {
    let spans = f
        .spans
        .iter()
        .map(|s| {
            let ty = s.entity_type.map_or(s.cue, |t| t.as_str());
            span(index, s.span, ty, s.score)
        })
        .collect();
    pb::Finding {
        rule_id: f.rule_id,
        category: category(f.category) as i32,
        severity: verdict(f.severity) as i32,
        message: f.message,
        guideline: Some(pb::Guideline { code: f.guideline.code, title: f.guideline.title, url: f.guideline.url }),
        spans,
        suggestion: f.suggestion,
        explanation: f.explanation,
    }
}

pub fn check_response(
    text: &str,
    report: CheckReport,
    policy: &PolicyRef,
    decision_id: String,
) -> pb::CheckPostResponse {
    let index = Utf16Index::new(text);
    pb::CheckPostResponse {
        verdict: verdict(verdict::verdict_of(&report.findings)) as i32,
        findings: report.findings.into_iter().map(|f| finding(&index, f)).collect(),
        anonymised_text: report.anonymised_text,
        reidentification_risk: report.reidentification_risk,
        policy: Some(policy_ref(policy)),
        decision_id,
        language: report.language.code().to_owned(),
    }
}

pub fn anonymised_item(original: &Utf16Index, output: &Utf16Index, item: &AnonymisedItem) -> pb::AnonymisedItem {
    let ty = item.entity_type.as_str();
    pb::AnonymisedItem {
        entity_type: ty.to_owned(),
        original: Some(span(original, item.original, ty, item.score)),
        anonymised: Some(span(output, item.anonymised, ty, item.score)),
        operator: item.operator.to_owned(),
    }
}

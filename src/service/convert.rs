//! Conversion between protobuf messages and domain types. Requests are destructured
//! exhaustively, so a new proto field breaks the build here until it is handled.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::anonymise::{AnonymisedItem, DateGranularity, Operator, RestoredItem};
use crate::decision_log::{Decision, DecisionKind, DecisionPage, DecisionQuery, DecisionStats, StatsQuery};
use crate::engine::context::{self, Language, PostContext};
use crate::engine::entity::ByteSpan;
use crate::engine::text::Utf16Index;
use crate::engine::verdict::{self, Category, Finding, Verdict};
use crate::error::RequestError;
use crate::policy::describe::RuleView;
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
            labels: labels_field(labels)?,
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

/// Labels go into the decision log with every decision: bounded, so a caller cannot grow it
/// without limit.
pub const MAX_LABELS: usize = 32;
pub const MAX_LABEL_KEY_BYTES: usize = 64;
pub const MAX_LABEL_VALUE_BYTES: usize = 256;

fn labels_field(
    labels: std::collections::HashMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, RequestError> {
    let invalid = |field: String, reason: String| RequestError::Invalid { field, reason };
    if labels.len() > MAX_LABELS {
        return Err(invalid("labels".to_owned(), format!("at most {MAX_LABELS} labels")));
    }
    for (key, value) in &labels {
        if key.is_empty() || key.len() > MAX_LABEL_KEY_BYTES {
            return Err(invalid("labels".to_owned(), format!("keys must be 1 to {MAX_LABEL_KEY_BYTES} bytes")));
        }
        if value.len() > MAX_LABEL_VALUE_BYTES {
            return Err(invalid(format!("labels[{key:?}]"), format!("at most {MAX_LABEL_VALUE_BYTES} bytes")));
        }
    }
    Ok(labels.into_iter().collect())
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
        Kind::Pseudonymise(p) => Operator::Pseudonymise { letters: p.letters as usize },
        Kind::Encrypt(e) => Operator::Encrypt { key_id: non_empty(e.key_id) },
        Kind::Generalise(g) => Operator::Generalise { dates: date_granularity(g.date_granularity) },
        Kind::Keep(_) => Operator::Keep,
    })
}

// Unknown values (from newer clients) count as unspecified: month.
fn date_granularity(v: i32) -> DateGranularity {
    match pb::DateGranularity::try_from(v).unwrap_or(pb::DateGranularity::Unspecified) {
        pb::DateGranularity::Unspecified | pb::DateGranularity::Month => DateGranularity::Month,
        pb::DateGranularity::Year => DateGranularity::Year,
    }
}

/// A Deanonymise request in domain terms.
pub struct DeanonymiseCall {
    pub tenant: String,
    pub text: String,
}

impl From<pb::DeanonymiseRequest> for DeanonymiseCall {
    fn from(request: pb::DeanonymiseRequest) -> Self {
        let pb::DeanonymiseRequest { tenant, text } = request;
        DeanonymiseCall { tenant, text }
    }
}

pub fn restored_item(original: &Utf16Index, output: &Utf16Index, item: &RestoredItem) -> pb::DeanonymisedItem {
    let ty = item.entity_type.as_str();
    pb::DeanonymisedItem {
        entity_type: ty.to_owned(),
        token: Some(span(original, item.token, ty, 1.0)),
        restored: Some(span(output, item.restored, ty, 1.0)),
        key_id: item.key_id.clone(),
    }
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
        field: String::new(),
    }
}

/// Offsets fit in u32: texts are limited far below 4 GiB before they reach the engine.
fn offset(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn finding(
    text_index: &Utf16Index,
    fields: &HashMap<String, Utf16Index>,
    report: &CheckReport,
    f: Finding,
) -> pb::Finding {
    let spans = f
        .spans
        .iter()
        .map(|s| {
            let ty = s.entity_type.map_or(s.cue, |t| t.as_str());
            // Spans in attachment captions and alt texts are given in that field's offsets.
            match report.locate(s.span) {
                (None, local) => span(text_index, local, ty, s.score),
                (Some(field), local) => {
                    let index = fields.get(&field.name).unwrap_or(text_index);
                    pb::Span { field: field.name.clone(), ..span(index, local, ty, s.score) }
                }
            }
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
    mut report: CheckReport,
    policy: &PolicyRef,
    decision_id: String,
) -> pb::CheckPostResponse {
    let index = Utf16Index::new(text);
    let fields: HashMap<String, Utf16Index> =
        report.fields.iter().map(|f| (f.name.clone(), Utf16Index::new(&f.text))).collect();
    let findings = std::mem::take(&mut report.findings);
    pb::CheckPostResponse {
        verdict: verdict(verdict::verdict_of(&findings)) as i32,
        findings: findings.into_iter().map(|f| finding(&index, &fields, &report, f)).collect(),
        anonymised_text: std::mem::take(&mut report.anonymised_text),
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

// The decision log's queries and records.

/// Decisions per page when the request does not say.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// The largest page.
pub const MAX_PAGE_SIZE: usize = 1000;

fn time_field(field: &str, t: Option<prost_types::Timestamp>) -> Result<Option<SystemTime>, RequestError> {
    t.map(|t| {
        SystemTime::try_from(t)
            .map_err(|_| RequestError::Invalid { field: field.to_owned(), reason: "not a valid timestamp".to_owned() })
    })
    .transpose()
}

fn window(
    start: Option<prost_types::Timestamp>,
    end: Option<prost_types::Timestamp>,
) -> Result<(Option<SystemTime>, Option<SystemTime>), RequestError> {
    let start = time_field("start_time", start)?;
    let end = time_field("end_time", end)?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(RequestError::Invalid { field: "end_time".to_owned(), reason: "is before start_time".to_owned() });
    }
    Ok((start, end))
}

fn decision_kind(v: i32) -> Option<DecisionKind> {
    match pb::DecisionKind::try_from(v).unwrap_or(pb::DecisionKind::Unspecified) {
        pb::DecisionKind::Unspecified => None,
        pb::DecisionKind::CheckPost => Some(DecisionKind::CheckPost),
        pb::DecisionKind::Anonymise => Some(DecisionKind::Anonymise),
    }
}

fn domain_verdict(v: i32) -> Option<Verdict> {
    match pb::Verdict::try_from(v).unwrap_or(pb::Verdict::Unspecified) {
        pb::Verdict::Unspecified => None,
        pb::Verdict::Allow => Some(Verdict::Allow),
        pb::Verdict::Warn => Some(Verdict::Warn),
        pb::Verdict::Review => Some(Verdict::Review),
        pb::Verdict::Block => Some(Verdict::Block),
    }
}

/// A ListDecisions request as a query.
pub fn decision_query(request: pb::ListDecisionsRequest) -> Result<DecisionQuery, RequestError> {
    let pb::ListDecisionsRequest {
        tenant,
        start_time,
        end_time,
        verdict,
        rule_id,
        kind,
        text_hmac,
        page_size,
        page_token,
    } = request;
    let (start, end) = window(start_time, end_time)?;
    let page_size = match page_size {
        0 => DEFAULT_PAGE_SIZE,
        n if n < 0 || n as usize > MAX_PAGE_SIZE => {
            return Err(RequestError::Invalid {
                field: "page_size".to_owned(),
                reason: format!("must be between 1 and {MAX_PAGE_SIZE}"),
            });
        }
        n => n as usize,
    };
    // The page token is the last decision id of the previous page.
    let after_id = non_empty(page_token)
        .map(|t| {
            uuid::Uuid::parse_str(&t).map(|u| u.to_string()).map_err(|_| RequestError::Invalid {
                field: "page_token".to_owned(),
                reason: "not a token from a previous page".to_owned(),
            })
        })
        .transpose()?;
    let text_hmac = non_empty(text_hmac)
        .map(|h| {
            let h = h.trim().to_ascii_lowercase();
            if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(h)
            } else {
                Err(RequestError::Invalid { field: "text_hmac".to_owned(), reason: "must be 64 hex digits".to_owned() })
            }
        })
        .transpose()?;
    Ok(DecisionQuery {
        tenant,
        start,
        end,
        verdict: domain_verdict(verdict),
        kind: decision_kind(kind),
        rule_id: non_empty(rule_id),
        text_hmac,
        page_size,
        after_id,
    })
}

/// A GetDecisionStats request as a query.
pub fn stats_query(request: pb::GetDecisionStatsRequest) -> Result<StatsQuery, RequestError> {
    let pb::GetDecisionStatsRequest { tenant, start_time, end_time } = request;
    let (start, end) = window(start_time, end_time)?;
    Ok(StatsQuery { tenant, start, end })
}

fn decision(d: Decision) -> pb::Decision {
    pb::Decision {
        decision_id: d.id,
        time: Some(prost_types::Timestamp::from(d.time)),
        kind: match d.kind {
            DecisionKind::CheckPost => pb::DecisionKind::CheckPost,
            DecisionKind::Anonymise => pb::DecisionKind::Anonymise,
        } as i32,
        tenant: d.tenant,
        caller: d.caller,
        labels: d.labels.into_iter().collect(),
        policy: Some(policy_ref(&d.policy)),
        verdict: d.verdict.map_or(pb::Verdict::Unspecified, verdict) as i32,
        rules: d
            .rules
            .into_iter()
            .map(|c| pb::RuleCount { rule_id: c.name, count: u64::from(c.count), findings: u64::from(c.count) })
            .collect(),
        entities: d
            .entities
            .into_iter()
            .map(|c| pb::EntityTypeCount { entity_type: c.name, count: u64::from(c.count) })
            .collect(),
        latency: prost_types::Duration::try_from(d.latency).ok(),
        text_hmac: d.text_hmac.unwrap_or_default(),
    }
}

pub fn decision_page(page: DecisionPage) -> pb::ListDecisionsResponse {
    pb::ListDecisionsResponse {
        decisions: page.decisions.into_iter().map(decision).collect(),
        next_page_token: page.next_after_id.unwrap_or_default(),
    }
}

pub fn decision_stats(stats: DecisionStats) -> pb::GetDecisionStatsResponse {
    pb::GetDecisionStatsResponse {
        total: stats.total,
        check_post: stats.check_post,
        anonymise: stats.anonymise,
        verdicts: stats
            .verdicts
            .into_iter()
            .map(|(v, count)| pb::VerdictCount { verdict: verdict(v) as i32, count })
            .collect(),
        rules: stats
            .rules
            .into_iter()
            .map(|r| pb::RuleCount { rule_id: r.rule_id, count: r.decisions, findings: r.findings })
            .collect(),
        entities: stats
            .entities
            .into_iter()
            .map(|(entity_type, count)| pb::EntityTypeCount { entity_type, count })
            .collect(),
    }
}

pub fn account_to_pb(a: context::AccountKind) -> pb::AccountKind {
    match a {
        context::AccountKind::Unspecified => pb::AccountKind::Unspecified,
        context::AccountKind::Personal => pb::AccountKind::Personal,
        context::AccountKind::Practice => pb::AccountKind::Practice,
        context::AccountKind::Professional => pb::AccountKind::Professional,
    }
}

pub fn channel_to_pb(c: context::Channel) -> pb::Channel {
    match c {
        context::Channel::Unspecified => pb::Channel::Unspecified,
        context::Channel::PublicPost => pb::Channel::PublicPost,
        context::Channel::CommentReply => pb::Channel::CommentReply,
        context::Channel::DirectMessage => pb::Channel::DirectMessage,
        context::Channel::GroupChat => pb::Channel::GroupChat,
    }
}

pub fn timestamp(t: std::time::SystemTime) -> prost_types::Timestamp {
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp { seconds: since.as_secs() as i64, nanos: since.subsec_nanos() as i32 }
}

fn localised(text: &verdict::Localised) -> pb::LocalisedText {
    pb::LocalisedText { en: text.en.clone(), it: text.it.clone() }
}

/// A rule as GetPolicy shows it.
pub fn policy_rule(rule: &RuleView) -> pb::PolicyRule {
    pb::PolicyRule {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        category: category(rule.category) as i32,
        enabled: rule.enabled,
        detector: rule.detector.clone(),
        guideline: Some(pb::Guideline {
            code: rule.guideline.code.clone(),
            title: rule.guideline.title.clone(),
            url: rule.guideline.url.clone(),
        }),
        severities: rule
            .severities
            .iter()
            .map(|&(a, c, v)| pb::RuleSeverity {
                account: account_to_pb(a) as i32,
                channel: channel_to_pb(c) as i32,
                severity: verdict(v) as i32,
            })
            .collect(),
        message: Some(localised(&rule.message)),
        suggestion: Some(localised(&rule.suggestion)),
    }
}

/// A call's status as a `google.rpc.Status` message (CheckPostStream's per-post error): code,
/// message and the rich details (BadRequest, ErrorInfo…) that `status::to_status` attached.
pub fn rpc_status(status: &tonic::Status) -> tonic_types::pb::Status {
    use prost::Message;
    // `with_error_details` stores an encoded google.rpc.Status with the same code and message.
    match tonic_types::pb::Status::decode(status.details()) {
        Ok(decoded) if !status.details().is_empty() => decoded,
        _ => tonic_types::pb::Status {
            code: status.code() as i32,
            message: status.message().to_owned(),
            details: Vec::new(),
        },
    }
}

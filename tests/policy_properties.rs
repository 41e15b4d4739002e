//! Property tests of the rules' invariants over arbitrary posts assembled from cue phrases,
//! identifiers and Unicode, in every context: checks never fail or panic, every span lies on
//! character boundaries of the field it names, the verdict is the most severe finding, each
//! finding's severity is its rule's for that context, and a rule never fires where its
//! severity is ALLOW.

use std::sync::OnceLock;

use proptest::prelude::*;
use riserbo::Limits;
use riserbo::engine::context::{AccountKind, Attachment, AttachmentKind, Channel, Platform, PostContext};
use riserbo::engine::verdict::{Verdict, verdict_of};
use riserbo::policy::{CompiledPolicy, default_policy};

fn policy() -> &'static CompiledPolicy {
    static POLICY: OnceLock<CompiledPolicy> = OnceLock::new();
    POLICY.get_or_init(default_policy)
}

const FRAGMENTS: &[&str] = &[
    "la sig.ra Lucia Fontana",
    "paziente Mario Gentile",
    "Mr. David Clarke",
    "RSSMRA80A01H501U",
    "+39 328 445 1290",
    "lucia@gmail.com",
    "impianto",
    "root canal",
    "carie",
    "oggi",
    "stamattina",
    "un paziente",
    "the lady",
    "è venuto",
    "idioti",
    "pazienti",
    "incompetente",
    "il collega",
    "a nome dello studio",
    "on behalf of",
    "garantito",
    "painless",
    "non",
    "sconto",
    "free",
    "50% off",
    "prima visita",
    "il migliore",
    "studio",
    "prenda",
    "antibiotico",
    "500mg",
    "al giorno",
    "lunedì alle 9",
    "at 10:30",
    "your appointment",
    "ti aspetto",
    "prima e dopo",
    "numero personale",
    "text me on",
    "casa mia",
    "😘",
    "xx",
    "#denti",
    "sindaco",
    "990€",
    "protesi",
    "😀",
    "🦷",
    "è",
    "’",
    "\n",
    ", ",
    ". ",
    " ",
    " ",
    "  ",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![prop::sample::select(FRAGMENTS).prop_map(str::to_owned), "\\PC{0,6}"], 1..16)
        .prop_map(|parts| parts.join(" "))
}

fn context() -> impl Strategy<Value = PostContext> {
    let account = prop::sample::select(vec![
        AccountKind::Unspecified,
        AccountKind::Personal,
        AccountKind::Practice,
        AccountKind::Professional,
    ]);
    let channel = prop::sample::select(vec![
        Channel::Unspecified,
        Channel::PublicPost,
        Channel::CommentReply,
        Channel::DirectMessage,
        Channel::GroupChat,
    ]);
    let platform = prop::sample::select(vec![Platform::Unspecified, Platform::Instagram, Platform::X]);
    let attachment = (
        prop::sample::select(vec![AttachmentKind::Photo, AttachmentKind::ClinicalPhoto, AttachmentKind::Radiograph]),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(|(kind, caption, alt)| Attachment {
            kind,
            caption: caption.unwrap_or_default(),
            alt_text: alt.unwrap_or_default(),
        });
    (account, channel, platform, prop::collection::vec(attachment, 0..3), any::<bool>()).prop_map(
        |(account, channel, platform, attachments, consent)| PostContext {
            account,
            channel,
            platform,
            attachments,
            consent_reference: consent.then(|| "CONS-1".to_owned()),
            ..Default::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn findings_are_consistent_with_the_rules_and_the_request(text in text(), context in context()) {
        prop_assume!(!text.trim().is_empty());
        let policy = policy();
        let report = policy.check(&text, &context, &Limits::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(&report.findings));
        for finding in &report.findings {
            let rule = policy.engine.rules().rules.iter().find(|r| r.id == finding.rule_id).unwrap();
            let severity = rule.severity.resolve(context.account, context.channel);
            prop_assert_eq!(finding.severity, severity);
            prop_assert_ne!(finding.severity, Verdict::Allow);
            for span in &finding.spans {
                let (field, local) = report.locate(span.span);
                let field_text = field.map_or(text.as_str(), |f| f.text.as_str());
                prop_assert!(local.start <= local.end && local.end <= field_text.len());
                prop_assert!(field_text.is_char_boundary(local.start) && field_text.is_char_boundary(local.end));
            }
        }
    }

    #[test]
    fn consent_on_a_practice_account_allows_clinical_media(text in text()) {
        prop_assume!(!text.trim().is_empty());
        let context = PostContext {
            account: AccountKind::Practice,
            channel: Channel::PublicPost,
            attachments: vec![Attachment { kind: AttachmentKind::ClinicalPhoto, ..Default::default() }],
            consent_reference: Some("CONS-7".into()),
            ..Default::default()
        };
        let report = policy().check(&text, &context, &Limits::default()).unwrap();
        prop_assert!(report.findings.iter().all(|f| f.rule_id != "IMG-01"));
    }
}

//! `riserbo check`: check a text and print the findings.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{InputArgs, language_arg, output, parse_name, read_input};
use crate::engine::context::{AccountKind, Attachment, AttachmentKind, Channel, Platform, PostContext};
use crate::engine::verdict::Verdict;
use crate::error::Limits;
use crate::policy::PolicyStore;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Account kind: PERSONAL, PRACTICE or PROFESSIONAL.
    #[arg(long, value_parser = parse_name::<AccountKind>)]
    account: Option<AccountKind>,
    /// Channel: PUBLIC_POST, COMMENT_REPLY, DIRECT_MESSAGE or GROUP_CHAT.
    #[arg(long, value_parser = parse_name::<Channel>)]
    channel: Option<Channel>,
    /// Platform: INSTAGRAM, FACEBOOK, LINKEDIN, TIKTOK, X, YOUTUBE, WHATSAPP, GOOGLE_BUSINESS, OTHER.
    #[arg(long, value_parser = parse_name::<Platform>)]
    platform: Option<Platform>,
    /// An attachment kind (repeatable): PHOTO, CLINICAL_PHOTO, RADIOGRAPH, VIDEO, DOCUMENT.
    #[arg(long = "attachment", value_parser = parse_name::<AttachmentKind>)]
    attachments: Vec<AttachmentKind>,
    /// Reference of the patient's written consent to publication.
    #[arg(long)]
    consent: Option<String>,
    /// Language for messages ("it", "en").
    #[arg(long)]
    locale: Option<String>,
    /// Exit with status 1 when the verdict is at least this (e.g. REVIEW).
    #[arg(long, value_parser = parse_name::<Verdict>)]
    fail_on: Option<Verdict>,
    /// Policy file or directory (select a tenant with --tenant); the embedded default when absent.
    #[arg(long, env = "RISERBO_POLICY")]
    policy: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: CheckArgs) -> Result<ExitCode> {
    let text = read_input(args.input.file.as_ref())?;
    let store = PolicyStore::load(args.policy.clone())?;
    let policy = store.get(&args.input.tenant)?;
    let context = PostContext {
        account: args.account.unwrap_or_default(),
        channel: args.channel.unwrap_or_default(),
        platform: args.platform.unwrap_or_default(),
        attachments: args.attachments.iter().map(|&kind| Attachment { kind, ..Default::default() }).collect(),
        consent_reference: args.consent.clone(),
        author_name: args.input.author.clone(),
        language: language_arg("language", args.input.language.as_deref())?,
        locale: language_arg("locale", args.locale.as_deref())?,
        labels: Default::default(),
    };
    let report = policy.check(&text, &context, &Limits::default())?;
    if args.input.json {
        println!("{}", output::check_json(&text, &report, &policy.reference));
    } else {
        print!("{}", output::check_human(&text, &report, &policy.reference));
    }
    let failed = args.fail_on.is_some_and(|threshold| report.verdict >= threshold);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

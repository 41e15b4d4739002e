//! `riserbo eval FILE.jsonl`: scores a labelled set of posts (the format of the shared
//! `posts.dev.jsonl`) and prints a per-category table. Each post may carry `min` (the verdict
//! must be at least that, with a finding in one of its `categories`), `max` (at most that),
//! `pii` (strings Anonymise must remove) and `keep` (strings it must keep).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;

use crate::engine::context::{AccountKind, Attachment, AttachmentKind, Channel, Language, Platform, PostContext};
use crate::engine::verdict::{Category, Verdict};
use crate::error::Limits;
use crate::policy::{AnonymiseInput, PolicyStore};

#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// A JSON Lines file of labelled posts.
    file: PathBuf,
    /// Policy file or directory; the embedded default when absent.
    #[arg(long, env = "RISERBO_POLICY")]
    policy: Option<PathBuf>,
    /// Tenant whose policy applies.
    #[arg(long, default_value = "")]
    tenant: String,
    /// Exit 1 unless every `min` post passes, at most 10% of `max` posts are flagged above
    /// their maximum, and Anonymise removes every `pii` and keeps every `keep` string.
    #[arg(long)]
    check: bool,
    /// Print the strings behind pii/keep misses (the labelled set's own text).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Deserialize)]
struct Post {
    id: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    account: Option<AccountKind>,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    attachments: Vec<PostAttachment>,
    #[serde(default)]
    consent_reference: Option<String>,
    #[serde(default)]
    author_name: Option<String>,
    text: String,
    #[serde(default)]
    min: Option<Verdict>,
    #[serde(default)]
    max: Option<Verdict>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    pii: Vec<String>,
    #[serde(default)]
    keep: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PostAttachment {
    kind: AttachmentKind,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    alt_text: String,
}

#[derive(Default)]
struct Tally {
    posts: usize,
    passed: usize,
    with_finding: usize,
}

pub(crate) fn run(args: EvalArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let store = PolicyStore::load(args.policy.clone())?;
    let policy = store.get(&args.tenant)?;
    let limits = Limits::default();

    let mut by_category: BTreeMap<Category, Tally> = BTreeMap::new();
    let (mut min_posts, mut min_passed, mut max_posts, mut max_over) = (0, 0, 0, 0);
    let (mut pii_total, mut pii_removed, mut keep_total, mut keep_kept) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let post: Post = serde_json::from_str(line).with_context(|| format!("{}:{}", args.file.display(), n + 1))?;
        count += 1;
        let language = post.lang.as_deref().and_then(Language::from_code);
        let context = PostContext {
            account: post.account.unwrap_or_default(),
            channel: post.channel.unwrap_or_default(),
            platform: post.platform.unwrap_or_default(),
            attachments: post
                .attachments
                .iter()
                .map(|a| Attachment { kind: a.kind, caption: a.caption.clone(), alt_text: a.alt_text.clone() })
                .collect(),
            consent_reference: post.consent_reference.clone(),
            author_name: post.author_name.clone(),
            language,
            locale: None,
            labels: Default::default(),
        };
        let report = policy.check(&post.text, &context, &limits)?;
        let fired: Vec<String> = report.findings.iter().map(|f| format!("{}:{}", f.rule_id, f.severity)).collect();

        if let Some(min) = post.min {
            min_posts += 1;
            let in_category = report.findings.iter().any(|f| post.categories.contains(&f.category));
            let passed = report.verdict >= min && in_category;
            min_passed += usize::from(passed);
            for category in &post.categories {
                let tally = by_category.entry(*category).or_default();
                tally.posts += 1;
                tally.passed += usize::from(passed);
                tally.with_finding += usize::from(report.findings.iter().any(|f| f.category == *category));
            }
            if !passed {
                misses.push(format!("{:<10} min {min}, got {} {fired:?}", post.id, report.verdict));
            }
        }
        if let Some(max) = post.max {
            max_posts += 1;
            if report.verdict > max {
                max_over += 1;
                misses.push(format!("{:<10} max {max}, got {} {fired:?}", post.id, report.verdict));
            }
        }
        if !post.pii.is_empty() || !post.keep.is_empty() {
            let input = AnonymiseInput { language, author_name: post.author_name.clone(), ..AnonymiseInput::default() };
            let keys = crate::anonymise::KeyContext::none(&args.tenant);
            let anonymised = policy.anonymise(&post.text, &input, &limits, &keys)?.anonymised.text;
            for (i, pii) in post.pii.iter().enumerate() {
                pii_total += 1;
                if anonymised.contains(pii.as_str()) {
                    let shown = if args.verbose { format!(" {pii:?}") } else { String::new() };
                    misses.push(format!("{:<10} pii[{i}]{shown} not removed by Anonymise", post.id));
                } else {
                    pii_removed += 1;
                }
            }
            for (i, keep) in post.keep.iter().enumerate() {
                keep_total += 1;
                if anonymised.contains(keep.as_str()) {
                    keep_kept += 1;
                } else {
                    let shown = if args.verbose { format!(" {keep:?}") } else { String::new() };
                    misses.push(format!("{:<10} keep[{i}]{shown} removed by Anonymise", post.id));
                }
            }
        }
    }

    let pct = |a: usize, b: usize| if b == 0 { 100.0 } else { 100.0 * a as f64 / b as f64 };
    println!(
        "{} posts from {} (policy {} {}, tenant {:?})\n",
        count,
        args.file.display(),
        policy.reference.id,
        policy.reference.version,
        args.tenant
    );
    println!("{:<34} {:>6} {:>7} {:>13}", "category (posts with min)", "posts", "passed", "finding in it");
    for (category, t) in &by_category {
        println!("{:<34} {:>6} {:>7} {:>13}", category.as_str(), t.posts, t.passed, t.with_finding);
    }
    println!();
    println!(
        "{:<34} {:>6} {:>7} {:>7.1}%",
        "min: verdict and category reached",
        min_posts,
        min_passed,
        pct(min_passed, min_posts)
    );
    println!(
        "{:<34} {:>6} {:>7} {:>7.1}%  (limit 10%)",
        "max: flagged above max",
        max_posts,
        max_over,
        pct(max_over, max_posts)
    );
    println!(
        "{:<34} {:>6} {:>7} {:>7.1}%",
        "pii: removed by Anonymise",
        pii_total,
        pii_removed,
        pct(pii_removed, pii_total)
    );
    println!(
        "{:<34} {:>6} {:>7} {:>7.1}%",
        "keep: kept by Anonymise",
        keep_total,
        keep_kept,
        pct(keep_kept, keep_total)
    );
    if !misses.is_empty() {
        println!("\nmisses:");
        for miss in &misses {
            println!("  {miss}");
        }
    }
    let ok = min_passed == min_posts
        && (max_over as f64) <= 0.10 * max_posts as f64
        && pii_removed == pii_total
        && keep_kept == keep_total;
    Ok(if args.check && !ok { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

//! The command line: `serve`, and `check` / `anonymise` over the same engine as the service.
//! anyhow is used only here, at the edge.

mod output;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::anonymise::Operator;
use crate::engine::context::{AccountKind, Attachment, AttachmentKind, Channel, Language, Platform, PostContext};
use crate::engine::verdict::Verdict;
use crate::error::Limits;
use crate::policy::{self, AnonymiseInput, PolicyStore};
use crate::service::{self, ServeOptions};

#[derive(Debug, Parser)]
#[command(name = "riserbo", version, about = "Patient-privacy and professional-conduct checks for clinic social media")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(ServeArgs),
    /// Check a text (from a file or stdin) and print the findings.
    Check(CheckArgs),
    /// Anonymise a text (from a file or stdin).
    Anonymise(AnonymiseArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RISERBO_LISTEN", default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// Largest accepted text, in bytes.
    #[arg(long, env = "RISERBO_MAX_TEXT_BYTES", default_value_t = Limits::default().max_text_bytes)]
    max_text_bytes: usize,
    /// Log format.
    #[arg(long, env = "RISERBO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Seconds in-flight calls get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "RISERBO_DRAIN_TIMEOUT_SECS", default_value_t = 30)]
    drain_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct InputArgs {
    /// File to read; stdin when absent or "-".
    file: Option<PathBuf>,
    /// Tenant whose policy applies (empty: the default policy).
    #[arg(long, default_value = "")]
    tenant: String,
    /// Language of the text ("it", "en"); detected when absent.
    #[arg(long)]
    language: Option<String>,
    /// The writer's own name.
    #[arg(long)]
    author: Option<String>,
    /// Print JSON instead of a report for people.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
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
}

#[derive(Debug, Args)]
struct AnonymiseArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Only these entity types (comma-separated); default: all the policy enables.
    #[arg(long, value_delimiter = ',')]
    entity_types: Vec<String>,
    /// Operator for an entity type, TYPE=OP (repeatable). OP: replace[:VALUE], redact,
    /// mask[:CHAR[:COUNT[:end]]], keep, hash[:TRUNCATE], pseudonymise, encrypt[:KEY_ID], generalise.
    #[arg(long = "operator", value_parser = parse_operator_arg)]
    operators: Vec<(String, Operator)>,
    /// Operator for every other entity type (same OP syntax).
    #[arg(long, value_parser = parse_operator)]
    default_operator: Option<Operator>,
    /// Pseudonyms are stable within a scope.
    #[arg(long, default_value = "")]
    scope: String,
}

fn parse_name<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.to_ascii_uppercase().parse::<T>().map_err(|e| e.to_string())
}

fn parse_operator_arg(s: &str) -> Result<(String, Operator), String> {
    let (ty, op) = s.split_once('=').ok_or("expected TYPE=OPERATOR")?;
    Ok((ty.trim().to_owned(), parse_operator(op)?))
}

/// Parses the CLI operator syntax, e.g. `mask:*:4:end`.
pub fn parse_operator(s: &str) -> Result<Operator, String> {
    let mut parts = s.split(':');
    let name = parts.next().unwrap_or("").trim();
    let args: Vec<&str> = parts.collect();
    let number = |i: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(0), |a| a.parse().map_err(|_| format!("{name}: {a:?} is not a number")))
    };
    Ok(match name {
        "replace" => Operator::Replace { new_value: (!args.is_empty()).then(|| args.join(":")) },
        "redact" => Operator::Redact,
        "mask" => {
            let masking_char = match args.first().map(|a| a.chars().collect::<Vec<_>>()) {
                None => '*',
                Some(chars) if chars.len() == 1 => chars[0],
                Some(_) => return Err("mask: the masking character must be one character".into()),
            };
            Operator::Mask { masking_char, chars_to_mask: number(1)?, from_end: args.get(2) == Some(&"end") }
        }
        "keep" => Operator::Keep,
        "hash" => Operator::Hash { truncate: number(0)? },
        "pseudonymise" | "pseudonymize" => Operator::Pseudonymise,
        "encrypt" => Operator::Encrypt { key_id: args.first().map(|s| (*s).to_owned()) },
        "generalise" | "generalize" => Operator::Generalise,
        other => return Err(format!("unknown operator {other:?}")),
    })
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Check(args) => check(args),
        Command::Anonymise(args) => anonymise(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("riserbo: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

fn serve(args: ServeArgs) -> Result<ExitCode> {
    init_tracing(args.log_format);
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        let store = Arc::new(PolicyStore::with_default());
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let policy = store.get("")?;
        tracing::info!(
            %addr,
            policy = %policy.reference.id,
            version = %policy.reference.version,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        let options = ServeOptions {
            limits: Limits { max_text_bytes: args.max_text_bytes },
            drain_timeout: std::time::Duration::from_secs(args.drain_timeout_secs),
        };
        service::serve(listener, store, options, service::shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn read_input(file: Option<&PathBuf>) -> Result<String> {
    match file {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        }
        _ => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("reading stdin")?;
            Ok(text)
        }
    }
}

fn language_arg(field: &str, value: Option<&str>) -> Result<Option<Language>> {
    match value {
        None => Ok(None),
        Some(code) => match Language::from_code(code) {
            Some(l) => Ok(Some(l)),
            None => bail!("--{field}: unsupported language {code:?} (expected \"it\" or \"en\")"),
        },
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let text = read_input(args.input.file.as_ref())?;
    let store = PolicyStore::with_default();
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

fn anonymise(args: AnonymiseArgs) -> Result<ExitCode> {
    let text = read_input(args.input.file.as_ref())?;
    let store = PolicyStore::with_default();
    let policy: Arc<policy::CompiledPolicy> = store.get(&args.input.tenant)?;
    let input = AnonymiseInput {
        language: language_arg("language", args.input.language.as_deref())?,
        entity_types: args.entity_types.clone(),
        default_operator: args.default_operator.clone(),
        operators: args.operators.clone(),
        pseudonym_scope: args.scope.clone(),
        author_name: args.input.author.clone(),
    };
    let report = policy.anonymise(&text, &input, &Limits::default())?;
    if args.input.json {
        println!("{}", output::anonymise_json(&text, &report, &policy.reference));
    } else {
        print!("{}", report.anonymised.text);
        if !report.anonymised.text.ends_with('\n') {
            println!();
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_syntax() {
        assert_eq!(parse_operator("redact").unwrap(), Operator::Redact);
        assert_eq!(
            parse_operator("mask:#:4:end").unwrap(),
            Operator::Mask { masking_char: '#', chars_to_mask: 4, from_end: true }
        );
        assert_eq!(parse_operator("replace:[name]").unwrap(), Operator::Replace { new_value: Some("[name]".into()) });
        assert!(parse_operator("shred").is_err());
        assert!(parse_operator_arg("PERSON").is_err());
    }
}

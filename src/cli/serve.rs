//! `riserbo serve`: the gRPC service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use crate::error::Limits;
use crate::policy::PolicyStore;
use crate::policy::reload::Reloader;
use crate::service::{self, ServeOptions};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
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
    /// Policy file or directory of tenant files; reloaded on SIGHUP and when files change.
    /// Without it, the embedded default policy serves.
    #[arg(long, env = "RISERBO_POLICY")]
    policy: Option<PathBuf>,
    /// Reload when a policy file changes (SIGHUP always reloads).
    #[arg(long, env = "RISERBO_POLICY_WATCH", default_value_t = true, action = clap::ArgAction::Set)]
    policy_watch: bool,
    /// Key file for hash, pseudonymise, encrypt and Deanonymise (format: docs/keys.md).
    #[arg(long, env = "RISERBO_KEYS")]
    keys: Option<PathBuf>,
    /// Answer Deanonymise calls (off: FAILED_PRECONDITION). Enable only where callers are
    /// authenticated.
    #[arg(long, env = "RISERBO_ENABLE_DEANONYMISE", value_parser = clap::builder::BoolishValueParser::new())]
    enable_deanonymise: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
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

pub(crate) fn run(args: ServeArgs) -> Result<ExitCode> {
    init_tracing(args.log_format);
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    // An invalid policy stops the process here, before it listens: the error names the
    // file, the line and the field.
    let store = Arc::new(PolicyStore::load(args.policy.clone())?);
    let keys = Arc::new(super::anonymise::load_keys(args.keys.as_ref()).context("loading keys")?);
    runtime.block_on(async move {
        if let Some(path) = args.policy.clone() {
            Reloader::new(store.clone(), path).spawn(args.policy_watch).context("watching the policy files")?;
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let policy = store.get("")?;
        tracing::info!(
            %addr,
            policy = %policy.reference.id,
            version = %policy.reference.version,
            tenants = store.snapshot().tenants.len(),
            key_tenants = keys.len(),
            deanonymise = args.enable_deanonymise,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        let options = ServeOptions {
            limits: Limits { max_text_bytes: args.max_text_bytes },
            drain_timeout: std::time::Duration::from_secs(args.drain_timeout_secs),
            keys,
            enable_deanonymise: args.enable_deanonymise,
        };
        service::serve(listener, store, options, service::shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

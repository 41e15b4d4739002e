//! `riserbo serve`: the gRPC service. Settings come from built-in defaults, then the
//! configuration file (`--config`), then these flags or their environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use crate::config::{self, Overrides};
use crate::policy::PolicyStore;
use crate::policy::reload::Reloader;
use crate::service;
use crate::telemetry::{LogFormat, Metrics, Telemetry};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Configuration file (TOML); every key is optional.
    #[arg(long, env = "RISERBO_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:50051].
    #[arg(long, env = "RISERBO_LISTEN")]
    listen: Option<SocketAddr>,
    /// Largest accepted text, in bytes [default: 65536].
    #[arg(long, env = "RISERBO_MAX_TEXT_BYTES")]
    max_text_bytes: Option<usize>,
    /// Log format on stderr [default: text].
    #[arg(long, env = "RISERBO_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Seconds in-flight calls get to finish after SIGTERM or Ctrl-C [default: 30].
    #[arg(long, env = "RISERBO_DRAIN_TIMEOUT_SECS")]
    drain_timeout_secs: Option<u64>,
    /// OTLP/gRPC collector for traces and metrics, e.g. http://localhost:4317 [default: none].
    #[arg(long, env = "RISERBO_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    /// Serve Prometheus metrics on this address at GET /metrics [default: none].
    #[arg(long, env = "RISERBO_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Directory of the decision log database [default: riserbo-data].
    #[arg(long, env = "RISERBO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Run without a decision log.
    #[arg(long, env = "RISERBO_NO_DECISION_LOG")]
    no_decision_log: bool,
    /// Policy file or directory of tenant files; reloaded on SIGHUP and when files change
    /// [default: the embedded default policy].
    #[arg(long, env = "RISERBO_POLICY")]
    policy: Option<PathBuf>,
    /// Reload when a policy file changes; SIGHUP always reloads [default: true].
    #[arg(long, env = "RISERBO_POLICY_WATCH", action = clap::ArgAction::Set)]
    policy_watch: Option<bool>,
    /// Key file for hash, pseudonymise, encrypt and Deanonymise (format: docs/keys.md)
    /// [default: none].
    #[arg(long, env = "RISERBO_KEYS")]
    keys: Option<PathBuf>,
    /// Answer Deanonymise calls (off: FAILED_PRECONDITION). Enable only where callers are
    /// authenticated [default: false].
    #[arg(long, env = "RISERBO_ENABLE_DEANONYMISE", value_parser = clap::builder::BoolishValueParser::new())]
    enable_deanonymise: Option<bool>,
}

pub(crate) fn run(args: ServeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let overrides = Overrides {
        listen: args.listen,
        max_text_bytes: args.max_text_bytes,
        log_format: args.log_format,
        drain_timeout_secs: args.drain_timeout_secs,
        otlp_endpoint: args.otlp_endpoint,
        metrics_listen: args.metrics_listen,
        data_dir: args.data_dir,
        no_decision_log: args.no_decision_log,
        keys_file: args.keys,
        policy: args.policy,
        policy_watch: args.policy_watch,
        enable_deanonymise: args.enable_deanonymise,
    };
    let env = std::env::vars().collect();
    let mut settings = config::load(args.config.as_deref(), &overrides, &env)?;
    settings.serve.keys = Arc::new(super::anonymise::load_keys(settings.keys_file.as_ref()).context("loading keys")?);
    // An invalid policy stops the process here, before it listens: the error names the
    // file, the line and the field.
    let store = Arc::new(PolicyStore::load(settings.policy.clone())?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    // The OTLP exporters' channels live on the runtime: set up inside it, shut down (below)
    // while it is still running.
    let telemetry = runtime.block_on(async { Telemetry::init(&settings.telemetry) })?;
    // A panic's message can quote request text: log only its location (service::failsafe).
    service::failsafe::install_panic_hook();
    let result = runtime.block_on(async move {
        settings.serve.metrics = Metrics::default();
        if let Some(log) = &mut settings.serve.decision_log {
            log.otlp_logs = telemetry.decision_logs();
        }
        if let Some(path) = settings.policy.clone() {
            let metrics = settings.serve.metrics.clone();
            Reloader::new(store.clone(), path)
                .on_reload(move |ok| metrics.policy_reload(ok))
                .spawn(settings.policy_watch)
                .context("watching the policy files")?;
        }
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("listening on {}", settings.listen))?;
        let addr = listener.local_addr()?;
        let policy = store.get("")?;
        let (metrics_stop, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let telemetry = Arc::new(telemetry);
        let metrics_server = match settings.telemetry.prometheus_listen {
            Some(address) => {
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| format!("listening for metrics on {address}"))?;
                tracing::info!(addr = %listener.local_addr()?, "prometheus metrics at /metrics");
                let telemetry = Arc::clone(&telemetry);
                Some(tokio::spawn(async move {
                    let stopped = async {
                        let _ = metrics_stopped.await;
                    };
                    if let Err(e) = telemetry.serve_prometheus(listener, stopped).await {
                        tracing::error!(error = %e, "metrics endpoint stopped");
                    }
                }))
            }
            None => None,
        };
        tracing::info!(
            %addr,
            tls = settings.serve.tls.is_some(),
            tenants = store.snapshot().tenants.len(),
            key_tenants = settings.serve.keys.len(),
            deanonymise = settings.serve.enable_deanonymise,
            policy = %policy.reference.id,
            version = %policy.reference.version,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        service::serve(listener, store, settings.serve, service::shutdown_signal()).await?;
        let _ = metrics_stop.send(());
        if let Some(server) = metrics_server {
            let _ = server.await;
        }
        anyhow::Ok(Arc::into_inner(telemetry).unwrap_or_default())
    });
    match result {
        Ok(telemetry) => {
            telemetry.shutdown();
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e),
    }
}

//! The command line: `serve`, and `check` / `anonymise` over the same engine as the
//! service. One file per subcommand; anyhow is used only here, at the edge.

mod anonymise;
mod check;
mod deanonymise;
mod descriptor;
mod eval;
mod eval_identifiers;
mod eval_names;
mod health;
mod output;
mod policy;
mod serve;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::engine::context::Language;

#[derive(Debug, Parser)]
#[command(name = "riserbo", version, about = "Patient-privacy and professional-conduct checks for clinic social media")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(serve::ServeArgs),
    /// Check a text (from a file or stdin) and print the findings.
    Check(check::CheckArgs),
    /// Anonymise a text (from a file or stdin).
    Anonymise(anonymise::AnonymiseArgs),
    /// Restore the values of encrypt tokens in a text (needs the key file).
    Deanonymise(deanonymise::DeanonymiseArgs),
    /// Lint policies, run policy tests, print the policy schema.
    Policy(policy::PolicyArgs),
    /// Score a labelled set of posts (JSON Lines) and print a per-category table.
    Eval(eval::EvalArgs),
    /// Ask a server whether it is serving (grpc.health.v1); exit 0 when it is.
    Health(health::HealthArgs),
    /// Write the service's descriptor set, for gRPC-JSON gateways (Envoy).
    Descriptor(descriptor::DescriptorArgs),
    /// Measure PERSON recall and precision on gold NER files (KIND), or list names and health terms (E3C).
    EvalNames(eval_names::EvalNamesArgs),
    /// Measure the identifier recognisers on test vectors and on clean text.
    EvalIdentifiers(eval_identifiers::EvalIdentifiersArgs),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Check(args) => check::run(args),
        Command::Anonymise(args) => anonymise::run(args),
        Command::Deanonymise(args) => deanonymise::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Health(args) => health::run(args),
        Command::Descriptor(args) => descriptor::run(args),
        Command::EvalNames(args) => eval_names::run(args),
        Command::EvalIdentifiers(args) => eval_identifiers::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("riserbo: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Arguments shared by commands that read one text.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// File to read; stdin when absent or "-".
    pub file: Option<PathBuf>,
    /// Tenant whose policy applies (empty: the default policy).
    #[arg(long, default_value = "")]
    pub tenant: String,
    /// Language of the text ("it", "en"); detected when absent.
    #[arg(long)]
    pub language: Option<String>,
    /// The writer's own name.
    #[arg(long)]
    pub author: Option<String>,
    /// Print JSON instead of a report for people.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn parse_name<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.to_ascii_uppercase().parse::<T>().map_err(|e| e.to_string())
}

pub(crate) fn read_input(file: Option<&PathBuf>) -> Result<String> {
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

pub(crate) fn language_arg(field: &str, value: Option<&str>) -> Result<Option<Language>> {
    match value {
        None => Ok(None),
        Some(code) => match Language::from_code(code) {
            Some(l) => Ok(Some(l)),
            None => bail!("--{field}: unsupported language {code:?} (expected \"it\" or \"en\")"),
        },
    }
}

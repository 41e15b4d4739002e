//! `riserbo anonymise`: anonymise a text.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::{InputArgs, language_arg, output, read_input};
use crate::anonymise::{DateGranularity, Keyring, Operator};
use crate::error::Limits;
use crate::policy::{self, AnonymiseInput, PolicyStore};

#[derive(Debug, Args)]
pub(crate) struct AnonymiseArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Only these entity types (comma-separated); default: all the policy enables.
    #[arg(long, value_delimiter = ',')]
    entity_types: Vec<String>,
    /// Operator for an entity type, TYPE=OP (repeatable). OP: replace[:VALUE], redact,
    /// mask[:CHAR[:COUNT[:end]]], keep, hash[:TRUNCATE], pseudonymise[:LETTERS],
    /// encrypt[:KEY_ID], generalise[:month|year]. hash, pseudonymise and encrypt need --keys.
    #[arg(long = "operator", value_parser = parse_operator_arg)]
    operators: Vec<(String, Operator)>,
    /// Operator for every other entity type (same OP syntax).
    #[arg(long, value_parser = parse_operator)]
    default_operator: Option<Operator>,
    /// Pseudonyms are stable within a scope (a thread or conversation id).
    #[arg(long, default_value = "")]
    scope: String,
    /// Key file for hash, pseudonymise and encrypt (format: docs/keys.md).
    #[arg(long, env = "RISERBO_KEYS")]
    keys: Option<PathBuf>,
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
        "pseudonymise" | "pseudonymize" => Operator::Pseudonymise { letters: number(0)? },
        "encrypt" => Operator::Encrypt { key_id: args.first().map(|s| (*s).to_owned()) },
        "generalise" | "generalize" => Operator::Generalise {
            dates: match args.first().copied() {
                None | Some("month") => DateGranularity::Month,
                Some("year") => DateGranularity::Year,
                Some(other) => return Err(format!("generalise: {other:?} is not month or year")),
            },
        },
        other => return Err(format!("unknown operator {other:?}")),
    })
}

/// The key file named by `--keys` (or `RISERBO_KEYS`), or no keys.
pub(super) fn load_keys(path: Option<&PathBuf>) -> Result<Keyring> {
    Ok(match path {
        Some(path) => Keyring::load(path)?,
        None => Keyring::empty(),
    })
}

/// Runs the CLI and returns the process exit code.
pub(crate) fn run(args: AnonymiseArgs) -> Result<ExitCode> {
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
    let keys = load_keys(args.keys.as_ref())?;
    let report = policy.anonymise(&text, &input, &Limits::default(), &keys.context(&args.input.tenant))?;
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
        assert_eq!(parse_operator("hash:16").unwrap(), Operator::Hash { truncate: 16 });
        assert_eq!(parse_operator("pseudonymise").unwrap(), Operator::Pseudonymise { letters: 0 });
        assert_eq!(parse_operator("pseudonymize:5").unwrap(), Operator::Pseudonymise { letters: 5 });
        assert_eq!(parse_operator("encrypt:k1").unwrap(), Operator::Encrypt { key_id: Some("k1".into()) });
        assert_eq!(parse_operator("generalise:year").unwrap(), Operator::Generalise { dates: DateGranularity::Year });
        assert_eq!(parse_operator("keep").unwrap(), Operator::Keep);
        assert!(parse_operator("generalise:week").is_err());
        assert!(parse_operator("hash:x").is_err());
        assert!(parse_operator("shred").is_err());
        assert!(parse_operator_arg("PERSON").is_err());
    }
}

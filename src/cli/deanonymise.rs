//! `riserbo deanonymise`: restore the values of `encrypt` tokens in a text. Whoever holds
//! the key file can decrypt anyway, so unlike the RPC this needs no switch.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;

use super::anonymise::load_keys;
use super::read_input;
use crate::anonymise;
use crate::engine::text::Utf16Index;
use crate::error::Limits;

#[derive(Debug, Args)]
pub(crate) struct DeanonymiseArgs {
    /// File to read; stdin when absent or "-".
    file: Option<PathBuf>,
    /// Tenant whose keys made the tokens (empty: the default tenant).
    #[arg(long, default_value = "")]
    tenant: String,
    /// Key file (format: docs/keys.md).
    #[arg(long, env = "RISERBO_KEYS")]
    keys: PathBuf,
    /// Print JSON (text and restored items) instead of the text.
    #[arg(long)]
    json: bool,
}

/// Runs the CLI and returns the process exit code.
pub(crate) fn run(args: DeanonymiseArgs) -> Result<ExitCode> {
    let text = read_input(args.file.as_ref())?;
    Limits::default().check_text("text", &text)?;
    let keys = load_keys(Some(&args.keys)).with_context(|| "loading keys")?;
    let restored = anonymise::deanonymise(&text, &keys.context(&args.tenant))?;
    if args.json {
        let original = Utf16Index::new(&text);
        let output = Utf16Index::new(&restored.text);
        let items: Vec<_> = restored
            .items
            .iter()
            .map(|i| {
                json!({
                    "entity_type": i.entity_type,
                    "key_id": i.key_id,
                    "token": { "start": i.token.start, "end": i.token.end,
                               "start_utf16": original.utf16(i.token.start), "end_utf16": original.utf16(i.token.end) },
                    "restored": { "start": i.restored.start, "end": i.restored.end,
                                  "start_utf16": output.utf16(i.restored.start), "end_utf16": output.utf16(i.restored.end) },
                })
            })
            .collect();
        let value = json!({ "text": restored.text, "items": items });
        println!("{}", serde_json::to_string_pretty(&value).expect("json serialises"));
    } else {
        print!("{}", restored.text);
        if !restored.text.ends_with('\n') {
            println!();
        }
    }
    Ok(ExitCode::SUCCESS)
}

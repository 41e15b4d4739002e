//! `riserbo descriptor`: writes the service's descriptor set for gateways (Envoy's
//! gRPC-JSON transcoder, `deploy/envoy/`). It comes from this binary, so the gateway always
//! routes exactly the API the server speaks.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::service::descriptor::gateway_descriptor_set;

#[derive(Debug, Args)]
pub(crate) struct DescriptorArgs {
    /// File to write (binary FileDescriptorSet); stdout when absent.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: DescriptorArgs) -> Result<ExitCode> {
    let bytes = gateway_descriptor_set();
    match args.output {
        Some(path) => std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout.is_terminal() {
                bail!("the descriptor set is binary: give --output FILE or redirect stdout");
            }
            stdout.write_all(&bytes).context("writing stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

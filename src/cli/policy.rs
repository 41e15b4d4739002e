//! `riserbo policy lint PATH`, `riserbo policy test DIR` and `riserbo policy schema`: the
//! compliance officer's tools for changing a policy safely, like `opa check` and `opa test`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::policy::{PolicyStore, load, suite};

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Check that a policy file or directory loads and compiles, tenant by tenant.
    Lint {
        /// A policy file or a directory of tenant files.
        path: PathBuf,
    },
    /// Run policy tests (TOML files in DIR) against a policy; exit 1 when one fails.
    Test {
        /// A test file or a directory of them.
        dir: PathBuf,
        /// The policy file or directory under test; the embedded default when absent.
        #[arg(long, env = "RISERBO_POLICY")]
        policy: Option<PathBuf>,
        /// Also list the tests that pass.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Print the JSON Schema of policy files.
    Schema,
}

pub(crate) fn run(args: PolicyArgs) -> Result<ExitCode> {
    match args.command {
        PolicyCommand::Lint { path } => lint(&path),
        PolicyCommand::Test { dir, policy, verbose } => test(&dir, policy, verbose),
        PolicyCommand::Schema => {
            print!("{}", crate::policy::model::json_schema());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn lint(path: &std::path::Path) -> Result<ExitCode> {
    let (set, _) = match load::load_tenants(Some(path)) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let describe = |name: &str, p: &crate::policy::CompiledPolicy| {
        let rules = &p.effective.rules;
        let enabled = rules.iter().filter(|r| r.enabled).count();
        println!(
            "ok  {name:<24} {} {}  {enabled}/{} rules enabled  sha256 {}",
            p.reference.id,
            p.reference.version,
            rules.len(),
            &p.reference.sha256[..12]
        );
    };
    describe("(default)", &set.default);
    let mut names: Vec<&String> = set.tenants.keys().collect();
    names.sort();
    for name in names {
        describe(name, &set.tenants[name]);
    }
    Ok(ExitCode::SUCCESS)
}

fn test(dir: &std::path::Path, policy: Option<PathBuf>, verbose: bool) -> Result<ExitCode> {
    let store = PolicyStore::load(policy)?;
    let mut passed = 0usize;
    let mut failed = 0usize;
    for file in suite::test_files(dir)? {
        for result in suite::run_file(&store, &file)? {
            if result.passed() {
                passed += 1;
                if verbose {
                    println!("PASS  {}: {}", result.file, result.name);
                }
            } else {
                failed += 1;
                println!("FAIL  {}: {}", result.file, result.name);
                for failure in &result.failures {
                    println!("      {failure}");
                }
            }
        }
    }
    if passed + failed == 0 {
        println!("no tests found in {}", dir.display());
        return Ok(ExitCode::from(1));
    }
    println!("{}", "-".repeat(72));
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

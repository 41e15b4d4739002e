//! The `riserbo` binary: see `riserbo --help`.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    riserbo::cli::main()
}

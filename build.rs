//! Compiles `proto/` with protox (a pure-Rust protobuf compiler), so `cargo build` needs no
//! system `protoc`, and writes the encoded descriptor set to `OUT_DIR` for server reflection.

use prost::Message;
use std::{env, fs, path::PathBuf};

/// Messages that carry post text or patient details. Their `Debug` is written by hand in
/// `src/service/proto.rs` so that a stray `{:?}` can never print a patient's words.
const REDACTED_DEBUG: &[&str] = &[
    ".riserbo.v1.CheckPostRequest",
    ".riserbo.v1.CheckPostResponse",
    ".riserbo.v1.Attachment",
    ".riserbo.v1.AnonymiseRequest",
    ".riserbo.v1.AnonymiseResponse",
    ".riserbo.v1.DeanonymiseRequest",
    ".riserbo.v1.DeanonymiseResponse",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/riserbo/v1/policy_service.proto"];
    println!("cargo:rerun-if-changed=proto");

    let fds = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("riserbo_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .skip_debug(REDACTED_DEBUG.iter().copied())
        .compile_fds(fds)?;
    Ok(())
}

//! Compiles `proto/` with protox (a pure-Rust protobuf compiler), so `cargo build` needs no
//! system `protoc`, and writes the encoded descriptor set to `OUT_DIR` for server reflection
//! and for gateways (`riserbo descriptor` prints it for Envoy's gRPC-JSON transcoder).

use std::{env, fs, path::PathBuf};

// Shared with the engine, which reads what this writes; the reading half is unused here.
#[allow(dead_code)]
#[path = "src/engine/recognisers/gazetteer_table.rs"]
mod gazetteer_table;

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

    let mut compiler = protox::Compiler::new(["proto"])?;
    compiler.include_imports(true).include_source_info(true).open_files(protos)?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    // Encoded by protox itself: prost's types would drop extension options such as the
    // `google.api.http` routes that the transcoding gateway reads.
    fs::write(out_dir.join("riserbo_descriptor.bin"), compiler.encode_file_descriptor_set())?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // google.rpc.Status (CheckPostStream's per-post error) is tonic-types' type, the one
        // `tonic_types::StatusExt` builds error details with.
        .extern_path(".google.rpc", "::tonic_types::pb")
        .skip_debug(REDACTED_DEBUG.iter().copied())
        // prost's codec, but a request that does not decode (invalid UTF-8 in a string
        // field) is INVALID_ARGUMENT, not INTERNAL (src/service/codec.rs).
        .codec_path("crate::service::codec::RiserboCodec")
        .compile_fds(compiler.file_descriptor_set())?;

    write_gazetteer(&out_dir)?;
    Ok(())
}

/// The gazetteer's word lists as one hash table (`src/engine/recognisers/gazetteer_table.rs`
/// says why and how), so the engine looks a word up in place with no work at start-up.
/// The class bits are the table module's, which `gazetteer::WordClass` uses too; a unit test
/// there checks the table answers as the lists do.
fn write_gazetteer(out_dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from("src/engine/recognisers/lexicons");
    let read = |name: &str| -> Result<String, std::io::Error> {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
        fs::read_to_string(dir.join(name))
    };
    let (given, surnames, common_it, common_en, places) = (
        read("given_names.txt")?,
        read("surnames.txt")?,
        read("common_words_it.txt")?,
        read("common_words_en.txt")?,
        read("places.tsv")?,
    );
    use gazetteer_table::{COMMON_EN, COMMON_IT, GIVEN, PLACE, SURNAME};
    let lists = [
        (given.as_str(), GIVEN),
        (surnames.as_str(), SURNAME),
        (common_it.as_str(), COMMON_IT),
        (common_en.as_str(), COMMON_EN),
    ];
    fs::write(out_dir.join("gazetteer.bin"), gazetteer_table::write(&lists, PLACE, &places))?;
    Ok(())
}

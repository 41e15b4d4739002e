//! The descriptor set a gateway needs to speak for the service: Envoy's gRPC-JSON transcoder
//! reads the `google.api.http` routes from it and prints errors' `details` with the
//! `google.rpc` error-detail types. `riserbo descriptor` writes it.

use std::collections::HashSet;

use prost::Message;
use prost::bytes::Buf;
use prost::encoding::{WireType, decode_key, decode_varint};

use super::proto::FILE_DESCRIPTOR_SET;

/// A `FileDescriptorSet` holding the riserbo.v1 files and every file they import (with their
/// options, which a decode into `prost_types` would drop), plus the `google.rpc` error-detail
/// types; each file and each type once, imports first.
pub fn gateway_descriptor_set() -> Vec<u8> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    let mut symbols = HashSet::new();
    for set in [FILE_DESCRIPTOR_SET, tonic_types::pb::FILE_DESCRIPTOR_SET] {
        for file in files(set) {
            let decoded = prost_types::FileDescriptorProto::decode(file).expect("built-in descriptors decode");
            let defines: Vec<String> = decoded
                .message_type
                .iter()
                .map(|m| m.name())
                .chain(decoded.enum_type.iter().map(|e| e.name()))
                .chain(decoded.service.iter().map(|s| s.name()))
                .map(|name| format!("{}.{name}", decoded.package()))
                .collect();
            // tonic-types names its copy of google/rpc/status.proto "status.proto": the same
            // types under another file name would make a protobuf pool refuse the set.
            if !names.insert(decoded.name().to_owned()) || defines.iter().any(|d| symbols.contains(d)) {
                continue;
            }
            symbols.extend(defines);
            // Field 1 (`file`), length-delimited: concatenated entries are a valid set.
            prost::encoding::bytes::encode(1, &prost::bytes::Bytes::copy_from_slice(file), &mut out);
        }
    }
    out
}

/// The encoded `FileDescriptorProto`s of an encoded `FileDescriptorSet`, untouched.
fn files(mut set: &[u8]) -> Vec<&[u8]> {
    let whole = set;
    let mut files = Vec::new();
    while set.has_remaining() {
        let (field, wire_type) = decode_key(&mut set).expect("the built-in descriptor sets are well-formed");
        assert!(field == 1 && wire_type == WireType::LengthDelimited, "a FileDescriptorSet holds only files");
        let len = decode_varint(&mut set).expect("well-formed length") as usize;
        let start = whole.len() - set.len();
        files.push(&whole[start..start + len]);
        set.advance(len);
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_file_once_with_the_http_routes() {
        let bytes = gateway_descriptor_set();
        let set = prost_types::FileDescriptorSet::decode(bytes.as_slice()).unwrap();
        let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
        for wanted in [
            "riserbo/v1/policy_service.proto",
            "google/api/annotations.proto",
            "google/api/http.proto",
            "google/protobuf/descriptor.proto",
            "google/rpc/status.proto",
            "error_details.proto",
        ] {
            assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
        }
        assert!(!names.contains(&"status.proto"), "google.rpc.Status is defined twice");
        let unique: HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a file appears twice: {names:?}");
        // Imports come before the files that import them (what protobuf pools require).
        let position = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(position("google/api/annotations.proto") < position("riserbo/v1/policy_service.proto"));
        // The google.api.http option is an extension prost_types does not model: it survives
        // only because the files are copied as encoded.
        let window = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(window(b"/v1/posts:check"), "the CheckPost route is missing");
    }
}

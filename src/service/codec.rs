//! The gRPC codec of the generated service and client: prost's, except that a request that
//! does not decode is INVALID_ARGUMENT (the client sent a bad message: invalid UTF-8 in a
//! `string` field, a truncated or malformed field) rather than tonic-prost's INTERNAL,
//! which would tell the client to retry and page the operator for the client's mistake.
//! `build.rs` names this codec (`codec_path`).
//!
//! The status names the message and field prost reports (`CheckPostRequest.text`), never
//! the bytes: a decode error carries no request content.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::{Code, Status};
use tonic_prost::{ProstCodec, ProstEncoder};
use tonic_types::{ErrorDetails, StatusExt};

use super::status::{DOMAIN, reason};

/// prost's codec with client-fault decode errors.
#[derive(Debug, Clone)]
pub struct RiserboCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for RiserboCodec<T, U> {
    fn default() -> Self {
        Self { _types: PhantomData }
    }
}

impl<T, U> RiserboCodec<T, U> {
    pub fn new() -> Self {
        Self::default()
    }
}

impl<T, U> Codec for RiserboCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = RiserboDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<T, U>::raw_encoder(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        RiserboDecoder { _type: PhantomData }
    }
}

/// Decodes `U` with prost; a decode error is INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct RiserboDecoder<U> {
    _type: PhantomData<U>,
}

impl<U: Message + Default> Decoder for RiserboDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(|e| decode_status(&e))
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// INVALID_ARGUMENT naming the field prost stopped at (`CheckPostRequest.text`), with the
/// `BadRequest` and `ErrorInfo` (`INVALID_FIELD`) every field error carries.
pub fn decode_status(error: &prost::DecodeError) -> Status {
    // prost's message: "failed to decode Protobuf message: Inner.field: Outer.field: reason"
    // (innermost first).
    let message = error.to_string();
    let detail = message.strip_prefix("failed to decode Protobuf message: ").unwrap_or(&message);
    let mut parts: Vec<&str> = detail.split(": ").collect();
    let problem = parts.pop().unwrap_or("malformed");
    // Field names without their message types, outermost first: "attachments.caption".
    let field = parts.iter().rev().filter_map(|p| p.rsplit_once('.').map(|(_, f)| f)).collect::<Vec<_>>().join(".");
    let field = if field.is_empty() { "message".to_owned() } else { field };
    let text = format!("{field}: {problem} (the request message could not be decoded)");
    let mut details = ErrorDetails::with_bad_request_violation(field.clone(), problem);
    details.set_error_info(reason::INVALID_FIELD, DOMAIN, [("field".to_owned(), field)]);
    Status::with_error_details(Code::InvalidArgument, text, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::proto as pb;

    /// Field 2 (`text`) with invalid UTF-8 bytes.
    const INVALID_TEXT: &[u8] = &[0x12, 0x03, b'a', 0xff, b'b'];

    #[test]
    fn invalid_utf8_in_a_string_field_names_the_field() {
        let error = pb::CheckPostRequest::decode(INVALID_TEXT).unwrap_err();
        let status = decode_status(&error);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("text: "), "{}", status.message());
        let details = status.get_error_details();
        assert_eq!(details.bad_request().unwrap().field_violations[0].field, "text");
        assert_eq!(details.error_info().unwrap().reason, reason::INVALID_FIELD);
    }

    #[test]
    fn nested_fields_are_named_by_their_path_and_garbage_is_the_message() {
        // attachments (field 7) holding a caption (field 2) with invalid UTF-8.
        let attachment = [0x12, 0x02, 0xc3, 0x28];
        let mut bytes = vec![0x3a, attachment.len() as u8];
        bytes.extend_from_slice(&attachment);
        let status = decode_status(&pb::CheckPostRequest::decode(bytes.as_slice()).unwrap_err());
        assert!(status.message().starts_with("attachments.caption: "), "{}", status.message());

        let status = decode_status(&pb::CheckPostRequest::decode(&[0x12, 0x7f, b'a'][..]).unwrap_err());
        assert_eq!(status.code(), Code::InvalidArgument);
    }
}

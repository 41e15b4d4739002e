//! Protobuf decoding of requests: arbitrary bytes as a CheckPost, Anonymise, CheckPostStream
//! or Deanonymise message, decoded by prost as tonic's codec does, then converted to domain
//! terms as the handlers do. Decoding and conversion must never panic; a message that decodes
//! must be checked (or refused) without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use riserbo::service::{convert, proto as pb};

fuzz_target!(init: riserbo_fuzz::init(), |data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    match which % 4 {
        0 => {
            if let Ok(request) = pb::CheckPostRequest::decode(bytes) {
                riserbo_fuzz::check_request(request);
            }
        }
        1 => {
            if let Ok(request) = pb::AnonymiseRequest::decode(bytes) {
                riserbo_fuzz::anonymise_request(request);
            }
        }
        2 => {
            if let Ok(pb::CheckPostStreamRequest { post: Some(post), .. }) = pb::CheckPostStreamRequest::decode(bytes) {
                riserbo_fuzz::check_request(post);
            }
        }
        _ => {
            if let Ok(request) = pb::DeanonymiseRequest::decode(bytes) {
                let call = convert::DeanonymiseCall::from(request);
                let keys = riserbo_fuzz::KEYS.context(&call.tenant);
                let _ = riserbo::anonymise::deanonymise(&call.text, &keys);
            }
        }
    }
});

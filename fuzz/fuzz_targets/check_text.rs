//! The engine on arbitrary text: any UTF-8 text (and, from the same input, a caption and the
//! account, channel and language), checked by the default policy. Must never panic, and the
//! answer must keep its invariants (`riserbo_fuzz::check_request`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use riserbo::service::proto as pb;

fuzz_target!(init: riserbo_fuzz::init(), |data: &[u8]| {
    // The first byte picks the context; the rest is the text. Invalid UTF-8 cannot reach the
    // engine (the gRPC decoder refuses it), so it is replaced as a client library would.
    let (context, text) = data.split_first().map_or((0, &[][..]), |(c, t)| (*c, t));
    let text = String::from_utf8_lossy(text);
    // An optional caption: the text after the first U+001E (record separator).
    let (text, caption) = match text.split_once('\u{1e}') {
        Some((t, c)) => (t.to_owned(), Some(c.to_owned())),
        None => (text.into_owned(), None),
    };
    let request = pb::CheckPostRequest {
        text,
        account: i32::from(context & 0b11),
        channel: i32::from((context >> 2) & 0b111),
        language: ["", "it", "en", ""][usize::from(context >> 5) & 0b11].to_owned(),
        attachments: caption
            .map(|caption| vec![pb::Attachment { kind: i32::from(context >> 7) + 1, caption, ..Default::default() }])
            .unwrap_or_default(),
        ..Default::default()
    };
    riserbo_fuzz::check_request(request);
});

//! CheckPostStream: many posts over one call, each answered by the CheckPost handler itself
//! (same conversion, policy lookup, check, tracing span and decision id), so the two RPCs
//! cannot drift apart.
//!
//! The answer stream is pulled, not pushed: tonic polls it only when the HTTP/2 stream can
//! take more data, and it reads the next post only while fewer than [`WINDOW`] posts are
//! being checked or waiting to be sent. A client that stops reading answers stops the server
//! reading posts, and flow control carries that back to the sender. Up to [`WINDOW`] posts
//! of one stream are checked at once on the runtime's workers; `buffered` hands the answers
//! back in request order.

use std::pin::Pin;

use futures_util::{Stream, StreamExt, future};
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use super::RiserboService;
use crate::service::convert;
use crate::service::proto as pb;

/// Posts of one stream checked, or answered and not yet sent, at any moment.
pub const WINDOW: usize = 16;

/// The answer stream of CheckPostStream.
pub type CheckPostStreamAnswers = Pin<Box<dyn Stream<Item = Result<pb::CheckPostStreamResponse, Status>> + Send>>;

pub(super) async fn check_post_stream(
    service: &RiserboService,
    request: Request<Streaming<pb::CheckPostStreamRequest>>,
) -> Result<Response<CheckPostStreamAnswers>, Status> {
    // Every post is checked as a CheckPost call carrying the stream's metadata and
    // extensions (caller identity, deadline, peer), so per-call policy applies per post.
    let (metadata, extensions, inbound) = request.into_parts();
    let service = service.clone();
    let stream_span = tracing::info_span!("CheckPostStream");

    let answers = inbound
        .enumerate()
        .map(move |(index, item)| {
            let index = index as u64;
            match item {
                Ok(item) => {
                    let id = item.id.clone();
                    let request = Request::from_parts(metadata.clone(), extensions.clone(), ());
                    let task = check_one(service.clone(), index, request, item);
                    let handle = AbortOnDrop(tokio::spawn(task.instrument(stream_span.clone())));
                    future::Either::Left(async move {
                        Ok(handle.join().await.unwrap_or_else(|_| {
                            // A panic in one check must not end the stream or leak its text.
                            let status = Status::internal("the check of this post failed");
                            answer(index, id, Err(&status))
                        }))
                    })
                }
                // A message that cannot be decoded, or the transport failing, ends the call.
                Err(status) => future::Either::Right(future::ready(Err(status))),
            }
        })
        .buffered(WINDOW)
        .scan(false, |failed, answer| {
            // Stop after the first stream-level error: nothing after it can be trusted.
            if *failed {
                return future::ready(None);
            }
            *failed = answer.is_err();
            future::ready(Some(answer))
        });
    Ok(Response::new(Box::pin(answers)))
}

/// A spawned check that is cancelled when its answer is no longer wanted: when the client
/// cancels, resets or passes its deadline, tonic drops the answer stream, and with it the
/// checks queued in the window. Without this, up to [`WINDOW`] orphaned checks of large
/// posts would keep the workers busy after the call had ended. A check already running
/// finishes (the engine is synchronous); the ones still queued never start.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Checks one post through the CheckPost handler; its error becomes this post's answer.
async fn check_one(
    service: RiserboService,
    index: u64,
    parts: Request<()>,
    item: pb::CheckPostStreamRequest,
) -> pb::CheckPostStreamResponse {
    let pb::CheckPostStreamRequest { post, id } = item;
    let Some(post) = post else {
        let status = crate::service::status::to_status(
            crate::error::RequestError::Invalid { field: "post".into(), reason: "required".into() }.into(),
        );
        return answer(index, id, Err(&status));
    };
    let (metadata, extensions, ()) = parts.into_parts();
    let result = super::check::check_post(&service, Request::from_parts(metadata, extensions, post)).await;
    match result {
        Ok(response) => answer(index, id, Ok(response.into_inner())),
        Err(status) => answer(index, id, Err(&status)),
    }
}

fn answer(index: u64, id: String, outcome: Result<pb::CheckPostResponse, &Status>) -> pb::CheckPostStreamResponse {
    use pb::check_post_stream_response::Outcome;
    let outcome = match outcome {
        Ok(response) => Outcome::Result(response),
        Err(status) => Outcome::Error(convert::rpc_status(status)),
    };
    pb::CheckPostStreamResponse { index, id, outcome: Some(outcome) }
}

//! Maximum request message size. The request body is wrapped so that each gRPC message's
//! length prefix is read as it arrives: a message declared over the limit fails the call
//! with RESOURCE_EXHAUSTED before any of it is buffered. (tonic surfaces a `Status` returned
//! as a body error unchanged; its own codec limit stays configured as a backstop.)

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tower::Layer;

use super::{AroundCall, Body, Layered, Reply};
use crate::service::status::{Refusal, refusal_status};
use crate::telemetry::Metrics;

/// Wraps each request body in a [`LimitedMessages`].
#[derive(Debug, Clone)]
pub struct MessageSizeLayer {
    limit: usize,
    metrics: Metrics,
}

impl MessageSizeLayer {
    pub fn new(limit: usize, metrics: Metrics) -> Self {
        Self { limit, metrics }
    }
}

impl<S> Layer<S> for MessageSizeLayer {
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

impl AroundCall for MessageSizeLayer {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let (parts, body) = request.into_parts();
        let body = LimitedMessages {
            inner: body,
            limit: self.limit,
            header: [0; 5],
            header_len: 0,
            remaining: 0,
            metrics: self.metrics.clone(),
        };
        next(http::Request::from_parts(parts, Body::new(body)))
    }
}

/// A gRPC request body whose messages may not exceed `limit` bytes each.
struct LimitedMessages {
    inner: Body,
    limit: usize,
    /// The 5-byte prefix (compression flag, big-endian length) of the next message, as far
    /// as it has arrived.
    header: [u8; 5],
    header_len: usize,
    /// Bytes of the current message still to come.
    remaining: usize,
    metrics: Metrics,
}

impl LimitedMessages {
    /// Walks the framing of one chunk; the declared length of an oversize message fails it.
    fn inspect(&mut self, mut chunk: &[u8]) -> Result<(), tonic::Status> {
        while !chunk.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(chunk.len());
                self.remaining -= n;
                chunk = &chunk[n..];
                continue;
            }
            let n = (5 - self.header_len).min(chunk.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&chunk[..n]);
            self.header_len += n;
            chunk = &chunk[n..];
            if self.header_len == 5 {
                self.header_len = 0;
                let len = u32::from_be_bytes([self.header[1], self.header[2], self.header[3], self.header[4]]) as usize;
                if len > self.limit {
                    let refusal = Refusal::MessageTooLarge { limit: self.limit };
                    self.metrics.rejected(refusal.reason());
                    return Err(refusal_status(refusal));
                }
                self.remaining = len;
            }
        }
        Ok(())
    }
}

impl HttpBody for LimitedMessages {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.inspect(data)?;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(limit: usize) -> LimitedMessages {
        LimitedMessages {
            inner: Body::empty(),
            limit,
            header: [0; 5],
            header_len: 0,
            remaining: 0,
            metrics: Metrics::default(),
        }
    }

    fn frame(len: u32) -> Vec<u8> {
        let mut f = vec![0];
        f.extend_from_slice(&len.to_be_bytes());
        f.extend(std::iter::repeat_n(b'x', len as usize));
        f
    }

    #[test]
    fn messages_within_the_limit_pass_in_any_chunking() {
        let mut body = limited(10);
        let bytes = [frame(10), frame(3)].concat();
        for chunk in bytes.chunks(2) {
            body.inspect(chunk).unwrap();
        }
    }

    #[test]
    fn an_oversize_message_fails_at_its_prefix() {
        let mut body = limited(10);
        body.inspect(&frame(4)).unwrap();
        let status = body.inspect(&frame(11)[..5]).unwrap_err();
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    }
}

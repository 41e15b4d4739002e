//! Per-call deadline: the client's `grpc-timeout` when it sent one, capped by the server's
//! call timeout. A call still running at its deadline is answered DEADLINE_EXCEEDED and its
//! work dropped; nothing answers after the client has given up.
//!
//! The client's deadline bounds the whole call, not only the handler: a streaming answer
//! (CheckPostStream) still being written at the deadline is ended there with
//! DEADLINE_EXCEEDED trailers, and the stream behind it, with the checks it had queued, is
//! dropped. Bounding only the handler would let a 50 ms call go on checking for minutes.
//! Once a stream has started, the server's call timeout bounds each wait for its next
//! answer instead of the whole stream: a bulk re-check may run as long as its client allows,
//! an idle stream is ended.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame};
use tokio::time::{Instant, Sleep};
use tower::Layer;

use super::{AroundCall, Body, Layered, Reply, refuse};
use crate::service::status::Refusal;
use crate::telemetry::Metrics;

/// Bounds each call by its deadline.
#[derive(Debug, Clone)]
pub struct DeadlineLayer {
    server_timeout: Duration,
    metrics: Metrics,
}

impl DeadlineLayer {
    pub fn new(server_timeout: Duration, metrics: Metrics) -> Self {
        Self { server_timeout, metrics }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Layered<Self, S>;
    fn layer(&self, inner: S) -> Self::Service {
        Layered::new(self.clone(), inner)
    }
}

impl AroundCall for DeadlineLayer {
    fn around(&self, request: http::Request<Body>, next: &mut dyn FnMut(http::Request<Body>) -> Reply) -> Reply {
        let now = Instant::now();
        let client = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout)
            .map(|timeout| (now + timeout, timeout));
        // Until the answer starts: the client's deadline, capped by the server's call timeout.
        let timeout = client.map_or(self.server_timeout, |(_, client)| client.min(self.server_timeout));
        let deadline = now + timeout;
        let (idle, metrics) = (self.server_timeout, self.metrics.clone());
        let call = next(request);
        Box::pin(async move {
            match before_deadline(deadline, call).await {
                Some(Ok(response)) => {
                    Ok(response.map(|body| Body::new(BodyUntilDeadline::new(body, client, idle, metrics))))
                }
                Some(Err(never)) => match never {},
                None => Ok(refuse(Refusal::DeadlineExceeded { timeout }, &metrics)),
            }
        })
    }
}

/// Runs `call` until `deadline`; `None` if the deadline came first. Unlike
/// `tokio::time::timeout`, the deadline is checked *before* each poll of the call: the
/// engine runs synchronously inside one poll, so a call that waited in a queue past its
/// deadline (behind other checks, on a loaded server) is refused without starting work its
/// client no longer waits for. Under a burst of short deadlines this is what keeps abandoned
/// checks from piling up ahead of live ones.
async fn before_deadline<F: Future>(deadline: Instant, call: F) -> Option<F::Output> {
    let mut call = std::pin::pin!(call);
    let mut sleep = std::pin::pin!(tokio::time::sleep_until(deadline));
    std::future::poll_fn(move |cx| {
        if Instant::now() >= deadline {
            return Poll::Ready(None);
        }
        if let Poll::Ready(output) = call.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        ready!(sleep.as_mut().poll(cx));
        Poll::Ready(None)
    })
    .await
}

/// A response body bounded in time: by the client's deadline, if it sent one, as a whole;
/// and by the server's call timeout for each wait for the next frame, so an idle stream
/// cannot hold its call slot for ever while a busy bulk stream may run as long as its client
/// allows. Past either bound the rest of the body is dropped and the call ends with
/// DEADLINE_EXCEEDED trailers. A body that ends in time is untouched, and a unary answer,
/// ready at once, never arms the timer.
struct BodyUntilDeadline {
    /// `None` once the body has ended, or been cut off.
    inner: Option<Body>,
    /// The client's deadline and the timeout it sent.
    client: Option<(Instant, Duration)>,
    /// The server's call timeout: the longest wait for the next frame.
    idle: Duration,
    /// When the last frame went out (or the response headers).
    last_frame: Instant,
    /// Armed the first time the body has nothing ready, so that the bound wakes it.
    sleep: Option<Pin<Box<Sleep>>>,
    metrics: Metrics,
}

impl BodyUntilDeadline {
    fn new(inner: Body, client: Option<(Instant, Duration)>, idle: Duration, metrics: Metrics) -> Self {
        Self { inner: Some(inner), client, idle, last_frame: Instant::now(), sleep: None, metrics }
    }

    /// The instant the current wait ends, and the timeout that sets it.
    fn bound(&self) -> (Instant, Duration) {
        let idle = (self.last_frame + self.idle, self.idle);
        match self.client {
            Some(client) if client.0 < idle.0 => client,
            _ => idle,
        }
    }

    /// Drops the rest of the body and yields the DEADLINE_EXCEEDED trailers.
    fn cut_off(&mut self, timeout: Duration) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        self.inner = None;
        self.sleep = None;
        // The same refusal a call gets before its answer starts, its headers sent as trailers.
        let (mut parts, _) = refuse(Refusal::DeadlineExceeded { timeout }, &self.metrics).into_parts();
        parts.headers.remove(http::header::CONTENT_TYPE);
        Poll::Ready(Some(Ok(Frame::trailers(parts.headers))))
    }
}

impl HttpBody for BodyUntilDeadline {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let this = &mut *self;
        let (until, timeout) = this.bound();
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        // Checked before each frame, so a stream that always has an answer ready is cut too.
        let now = Instant::now();
        if now >= until {
            return this.cut_off(timeout);
        }
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let ended = match &frame {
                    None | Some(Err(_)) => true,
                    Some(Ok(frame)) => frame.is_trailers(),
                };
                if ended {
                    this.inner = None;
                    this.sleep = None;
                } else {
                    this.last_frame = now;
                }
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(until)));
                if sleep.deadline() != until {
                    sleep.as_mut().reset(until);
                }
                ready!(sleep.as_mut().poll(cx));
                this.cut_off(timeout)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|inner| inner.is_end_stream())
    }
}

/// Parses a `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use http_body_util::BodyExt;

    /// A body that never ends: the shape of a stream whose client stopped reading.
    struct Endless;

    impl HttpBody for Endless {
        type Data = Bytes;
        type Error = tonic::Status;
        fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
            Poll::Pending
        }
    }

    fn until(inner: Body, timeout: Duration) -> BodyUntilDeadline {
        let client = Some((Instant::now() + timeout, timeout));
        BodyUntilDeadline::new(inner, client, Duration::from_secs(3600), Metrics::default())
    }

    /// A body that yields a frame every `every`, `frames` times, then ends.
    struct Ticking {
        every: Pin<Box<tokio::time::Interval>>,
        left: usize,
    }

    impl HttpBody for Ticking {
        type Data = Bytes;
        type Error = tonic::Status;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
            if self.left == 0 {
                return Poll::Ready(None);
            }
            ready!(self.every.poll_tick(cx));
            self.left -= 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"answer")))))
        }
    }

    #[tokio::test]
    async fn without_a_client_deadline_the_call_timeout_bounds_each_wait_not_the_whole_stream() {
        let ticking = |every: u64, left| {
            let mut interval = tokio::time::interval(Duration::from_millis(every));
            interval.reset();
            Body::new(Ticking { every: Box::pin(interval), left })
        };
        // Ten answers 30 ms apart under a 150 ms timeout: 300 ms in all, never 150 ms idle.
        let mut busy = BodyUntilDeadline::new(ticking(30, 10), None, Duration::from_millis(150), Metrics::default());
        let mut answers = 0;
        while let Some(frame) = busy.frame().await {
            assert!(frame.unwrap().is_data(), "a busy stream is not cut");
            answers += 1;
        }
        assert_eq!(answers, 10);
        // Silence: cut after the timeout.
        let mut idle = BodyUntilDeadline::new(ticking(1000, 2), None, Duration::from_millis(150), Metrics::default());
        assert!(idle.frame().await.unwrap().unwrap().is_trailers(), "a first wait over 150 ms is cut too");
    }

    #[tokio::test]
    async fn a_body_still_open_at_the_deadline_ends_with_deadline_exceeded_trailers() {
        let started = Instant::now();
        let mut body = until(Body::new(Endless), Duration::from_millis(30));
        let frame = body.frame().await.expect("a frame").expect("not an error");
        assert!(started.elapsed() >= Duration::from_millis(30));
        let trailers = frame.into_trailers().expect("trailers");
        assert_eq!(trailers["grpc-status"], "4");
        assert!(body.frame().await.is_none(), "nothing after the trailers");
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn a_body_that_ends_in_time_is_passed_through_untouched() {
        let mut body =
            until(Body::new(http_body_util::Full::new(Bytes::from_static(b"answer"))), Duration::from_secs(5));
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"answer"));
        assert!(body.frame().await.is_none());
        assert!(body.sleep.is_none(), "a ready body never arms the timer");
    }

    #[tokio::test]
    async fn a_call_polled_only_after_its_deadline_is_not_started() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = started.clone();
        let call = async move { flag.store(true, std::sync::atomic::Ordering::SeqCst) };
        let deadline = Instant::now();
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(before_deadline(deadline, call).await.is_none());
        assert!(!started.load(std::sync::atomic::Ordering::SeqCst), "the work of a late call must not start");
        assert_eq!(before_deadline(Instant::now() + Duration::from_secs(5), async { 7 }).await, Some(7));
    }

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "m", "123456789m", "12x", "-1S", "1.5S"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad}");
        }
    }
}

//! Limits on the real server: message size, deadlines (the client's and the server's),
//! load shedding and per-tenant rates, each with its rich error details.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{TestServer, post, reason, store_with_tenants};
use http_body::Frame;
use riserbo::Limits;
use riserbo::service::ServeOptions;
use riserbo::service::layers::rate_limit::{Rate, RateLimitOptions};
use riserbo::service::proto::CheckPostRequest;
use tonic::Code;
use tonic_types::StatusExt;

/// Starts a CheckPost whose body never finishes (the 5-byte message prefix arrives, the
/// message does not): the call stays in flight until a deadline ends it. Plain HTTP/2 (hyper),
/// because tonic's client would enforce `grpc-timeout` itself.
async fn stalled_call(
    addr: std::net::SocketAddr,
    grpc_timeout: Option<&str>,
) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await?;
    tokio::spawn(connection);
    let prefix = futures_stream_of_prefix();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/riserbo.v1.PolicyService/CheckPost"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if let Some(t) = grpc_timeout {
        request = request.header("grpc-timeout", t);
    }
    let request = request.body(http_body_util::StreamBody::new(prefix)).unwrap();
    sender.send_request(request).await
}

fn futures_stream_of_prefix() -> impl tokio_stream::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send {
    use tokio_stream::StreamExt;
    tokio_stream::iter([Ok(Frame::data(Bytes::from_static(&[0, 0, 0, 0, 100])))]).chain(tokio_stream::pending())
}

fn status_of<B>(response: &http::Response<B>) -> tonic::Status {
    tonic::Status::from_header_map(response.headers()).expect("a trailers-only error response")
}

#[tokio::test]
async fn an_oversize_message_is_resource_exhausted_before_it_is_read() {
    let options =
        ServeOptions { limits: Limits { max_text_bytes: 1000 }, max_message_bytes: 2000, ..Default::default() };
    let server = TestServer::start_with(store_with_tenants(&[]), options).await;
    let mut client = server.client().await;

    let big = CheckPostRequest { text: "a".repeat(5000), ..Default::default() };
    let status = client.check_post(big).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let details = status.get_error_details();
    let info = details.error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "MESSAGE_TOO_LARGE");
    assert_eq!(info.domain, "riserbo");
    assert_eq!(info.metadata["limit_bytes"], "2000");

    // Under the message limit but over the text limit: the field is named.
    let long = CheckPostRequest { text: "a".repeat(1500), ..Default::default() };
    let status = client.check_post(long).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    assert_eq!(details.bad_request().unwrap().field_violations[0].field, "text");
    assert_eq!(details.error_info().unwrap().reason, "FIELD_TOO_LONG");

    client.check_post(post("")).await.expect("a normal post still passes");
}

#[tokio::test]
async fn the_client_deadline_is_honoured() {
    let server = TestServer::start().await;
    let started = Instant::now();
    let response = stalled_call(server.addr, Some("150m")).await.unwrap();
    let elapsed = started.elapsed();
    let status = status_of(&response);
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(reason(&status), "DEADLINE_EXCEEDED");
    assert_eq!(status.get_error_details().error_info().unwrap().metadata["timeout_ms"], "150");
    assert!(elapsed >= Duration::from_millis(150) && elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn the_server_call_timeout_caps_every_call() {
    let options = ServeOptions { call_timeout: Duration::from_millis(200), ..Default::default() };
    let server = TestServer::start_with(store_with_tenants(&[]), options).await;
    // No client deadline, and a longer one: the server's 200 ms applies to both.
    for timeout in [None, Some("10S")] {
        let response = stalled_call(server.addr, timeout).await.unwrap();
        let status = status_of(&response);
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(status.get_error_details().error_info().unwrap().metadata["timeout_ms"], "200");
    }
    // Ordinary calls finish well inside it.
    server.client().await.check_post(post("")).await.unwrap();
}

#[tokio::test]
async fn calls_over_the_concurrency_limit_are_shed_with_retry_advice() {
    let options = ServeOptions { max_concurrent_calls: 1, ..Default::default() };
    let server = TestServer::start_with(store_with_tenants(&[]), options).await;
    let holder = tokio::spawn(stalled_call(server.addr, None));
    let mut client = server.client().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let shed = loop {
        match client.check_post(post("")).await {
            Err(status) => break status,
            Ok(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(10)).await,
            Ok(_) => panic!("no call was shed while the only slot was held"),
        }
    };
    assert_eq!(shed.code(), Code::Unavailable, "{shed:?}");
    let details = shed.get_error_details();
    assert_eq!(details.error_info().unwrap().reason, "OVERLOADED");
    let delay = details.retry_info().expect("RetryInfo").retry_delay.expect("a delay");
    assert!(delay > Duration::ZERO && delay < Duration::from_secs(5), "{delay:?}");

    // Cancelling the held call frees the slot.
    holder.abort();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.check_post(post("")).await {
            Ok(_) => break,
            Err(status) if status.code() == Code::Unavailable && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(status) => panic!("{status:?}"),
        }
    }
}

#[tokio::test]
async fn each_tenant_has_its_own_rate() {
    let rate = |per_second, burst| Rate {
        per_second: std::num::NonZeroU32::new(per_second).unwrap(),
        burst: std::num::NonZeroU32::new(burst).unwrap(),
    };
    let options = ServeOptions {
        rate_limits: RateLimitOptions {
            default: Some(rate(1, 2)),
            tenants: [("clinic-big".to_owned(), rate(1, 4))].into_iter().collect(),
        },
        ..Default::default()
    };
    let server = TestServer::start_with(store_with_tenants(&["clinic-a", "clinic-big"]), options).await;
    let mut client = server.client().await;
    for _ in 0..2 {
        client.check_post(post("clinic-a")).await.unwrap();
    }
    let status = client.check_post(post("clinic-a")).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let details = status.get_error_details();
    assert_eq!(details.error_info().unwrap().reason, "RATE_LIMITED");
    assert_eq!(details.quota_failure().unwrap().violations[0].subject, "tenant:clinic-a");
    let delay = details.retry_info().unwrap().retry_delay.unwrap();
    assert!(delay > Duration::ZERO && delay <= Duration::from_secs(1), "{delay:?}");

    // Other tenants are unaffected; an override gives a bigger burst.
    client.check_post(post("")).await.unwrap();
    for _ in 0..4 {
        client.check_post(post("clinic-big")).await.unwrap();
    }
    assert_eq!(client.check_post(post("clinic-big")).await.unwrap_err().code(), Code::ResourceExhausted);
}

//! CheckPostStream through a real tonic client against the real server: one answer per post
//! in order, per-post errors that do not end the stream, and backpressure.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::TestServer;
use futures_util::StreamExt;
use prost::Message;
use riserbo::service::proto::check_post_stream_response::Outcome;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{self as pb, CheckPostRequest, CheckPostStreamRequest, CheckPostStreamResponse};
use tonic::Code;
use tonic::transport::Endpoint;
use tonic_types::StatusExt;

fn post(text: &str) -> CheckPostRequest {
    CheckPostRequest {
        text: text.to_owned(),
        account: pb::AccountKind::Personal as i32,
        channel: pb::Channel::PublicPost as i32,
        ..Default::default()
    }
}

fn item(id: &str, post: Option<CheckPostRequest>) -> CheckPostStreamRequest {
    CheckPostStreamRequest { post, id: id.to_owned() }
}

async fn collect(
    client: &mut PolicyServiceClient<tonic::transport::Channel>,
    items: Vec<CheckPostStreamRequest>,
) -> Vec<CheckPostStreamResponse> {
    let mut answers = client.check_post_stream(futures_util::stream::iter(items)).await.unwrap().into_inner();
    let mut out = Vec::new();
    while let Some(answer) = answers.message().await.unwrap() {
        out.push(answer);
    }
    out
}

const BLOCKED: &str = "Oggi la sig.ra Zoë Müller ha fatto l'impianto!";
const CLEAN: &str = "Flossing once a day removes plaque your toothbrush can't reach.";
const NAMED: &str = "Thanks to Mr. David Clarke for the lovely flowers.";

#[tokio::test]
async fn each_post_gets_what_check_post_answers_in_order() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let texts = [BLOCKED, CLEAN, NAMED];
    let items: Vec<_> = (0..30).map(|i| item(&format!("post-{i}"), Some(post(texts[i % 3])))).collect();
    let answers = collect(&mut client, items).await;

    assert_eq!(answers.len(), 30);
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer.index, i as u64);
        assert_eq!(answer.id, format!("post-{i}"));
        let Some(Outcome::Result(got)) = &answer.outcome else { panic!("post {i}: {:?}", answer.outcome) };
        let mut want = client.check_post(post(texts[i % 3])).await.unwrap().into_inner();
        assert!(!got.decision_id.is_empty() && got.decision_id != want.decision_id, "each post is a decision");
        want.decision_id = got.decision_id.clone();
        assert_eq!(got, &want, "post {i} differs from CheckPost's answer");
    }
    assert_eq!(answers[0].outcome.as_ref().map(verdict), Some(pb::Verdict::Block as i32));
    assert_eq!(answers[1].outcome.as_ref().map(verdict), Some(pb::Verdict::Allow as i32));
    server.stop().await.unwrap();
}

fn verdict(outcome: &Outcome) -> i32 {
    match outcome {
        Outcome::Result(r) => r.verdict,
        Outcome::Error(e) => panic!("error {e:?}"),
    }
}

#[tokio::test]
async fn a_bad_post_answers_with_its_own_error_and_the_stream_goes_on() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut unknown_tenant = post(CLEAN);
    unknown_tenant.tenant = "no-such-clinic".into();
    let mut bad_language = post(CLEAN);
    bad_language.language = "fr".into();
    let items = vec![
        item("a", Some(post(BLOCKED))),
        item("empty", Some(post(""))),
        item("oversize", Some(post(&"a".repeat(70 * 1024)))),
        item("tenant", Some(unknown_tenant)),
        item("language", Some(bad_language)),
        item("missing", None),
        item("z", Some(post(CLEAN))),
    ];
    let answers = collect(&mut client, items).await;
    assert_eq!(
        answers.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a", "empty", "oversize", "tenant", "language", "missing", "z"]
    );

    let error = |i: usize| match &answers[i].outcome {
        Some(Outcome::Error(e)) => e.clone(),
        other => panic!("answer {i}: expected an error, got {other:?}"),
    };
    // The same status CheckPost returns, details included.
    let empty = error(1);
    assert_eq!(empty.code, Code::InvalidArgument as i32);
    assert_eq!(empty.message, "text: must not be empty");
    let unary = client.check_post(post("")).await.unwrap_err();
    assert_eq!(empty.message, unary.message());
    assert_eq!(empty.details.len(), unary.get_error_details_vec().len());
    let detail = empty
        .details
        .iter()
        .find(|d| d.type_url == "type.googleapis.com/google.rpc.BadRequest")
        .expect("a BadRequest detail");
    let bad_request = tonic_types::pb::BadRequest::decode(detail.value.as_slice()).unwrap();
    assert_eq!(bad_request.field_violations[0].field, "text");
    assert!(empty.details.iter().any(|d| d.type_url == "type.googleapis.com/google.rpc.ErrorInfo"));

    let oversize = error(2);
    assert_eq!(oversize.code, Code::InvalidArgument as i32);
    assert!(oversize.message.starts_with("text: is 71680 bytes, over the limit"), "{}", oversize.message);
    assert_eq!(error(3).code, Code::NotFound as i32);
    assert!(error(3).message.starts_with("tenant:"));
    assert_eq!(error(4).code, Code::InvalidArgument as i32);
    assert!(error(4).message.starts_with("language:"));
    assert_eq!(error(5).code, Code::InvalidArgument as i32);
    assert_eq!(error(5).message, "post: required");

    assert_eq!(answers[0].outcome.as_ref().map(verdict), Some(pb::Verdict::Block as i32));
    assert_eq!(answers[6].outcome.as_ref().map(verdict), Some(pb::Verdict::Allow as i32));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_undecodable_message_ends_the_call_after_the_answers_before_it() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    // Over the message size limit: not a post that can be answered. It is sent only once the
    // first post is answered, so the test shows that answer survives the failed call.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(item("first", Some(post(CLEAN)))).await.unwrap();
    let mut answers =
        client.check_post_stream(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    let first = answers.message().await.unwrap().expect("the first post is answered");
    assert_eq!(first.id, "first");
    tx.send(item("huge", Some(post(&"a".repeat(5 << 20))))).await.unwrap();
    let end = answers.message().await.expect_err("the call fails");
    assert_eq!(end.code(), Code::ResourceExhausted, "{end:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_empty_stream_gets_no_answers() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert!(collect(&mut client, Vec::new()).await.is_empty());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_that_stops_reading_stops_the_server_reading_posts() {
    let server = TestServer::start().await;
    // Small receive windows on the client, so unread answers fill them quickly.
    let channel = Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .initial_stream_window_size(Some(65_535))
        .initial_connection_window_size(Some(65_535))
        .connect()
        .await
        .unwrap();
    let mut client = PolicyServiceClient::new(channel);

    const POSTS: usize = 1_000;
    let text = CLEAN.repeat(8 * 1024 / CLEAN.len()); // ~8 KiB per post and per answer
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let items = futures_util::stream::iter(0..POSTS).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        item(&i.to_string(), Some(post(&text)))
    });
    let mut answers = client.check_post_stream(items).await.unwrap().into_inner();

    // Read nothing: the server must stop pulling posts once its window and the transport's
    // buffers (a few hundred KiB each way) are full, far short of all posts.
    let stalled = wait_until_steady(&pulled).await;
    assert!(stalled < POSTS / 2, "the client sent {stalled} of {POSTS} posts without reading one answer");

    // Reading resumes the flow: every post is answered, in order.
    let mut next = 0u64;
    while let Some(answer) = answers.message().await.unwrap() {
        assert_eq!(answer.index, next);
        assert_eq!(answer.id, next.to_string());
        next += 1;
    }
    assert_eq!(next as usize, POSTS);
    assert_eq!(pulled.load(Ordering::SeqCst), POSTS);
    server.stop().await.unwrap();
}

/// Waits until `counter` has not moved for 300 ms (at most 10 s) and returns it.
async fn wait_until_steady(counter: &AtomicUsize) -> usize {
    let mut last = counter.load(Ordering::SeqCst);
    for _ in 0..33 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = counter.load(Ordering::SeqCst);
        if now == last && now > 0 {
            return now;
        }
        last = now;
    }
    panic!("the number of posts sent never settled (last {last})");
}

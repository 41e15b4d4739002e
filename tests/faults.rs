//! Faults while serving, on the real server with real gRPC clients: the policy file deleted
//! or corrupted, the decision log's disk full or read-only, deadlines shorter than the work,
//! clients that vanish mid-stream, undecodable requests and 10,000 concurrent streams. Each
//! test says what the service guarantees (README "Faults", SECURITY.md).
//! SIGTERM with calls in flight: tests/production.rs and tests/server.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{TestServer, reason, wait_for_policy_status};
use futures_util::StreamExt as _;
use opentelemetry::metrics::MeterProvider as _;
use riserbo::decision_log::DecisionLogOptions;
use riserbo::policy::PolicyStore;
use riserbo::policy::reload::Reloader;
use riserbo::service::ServeOptions;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{self as pb, CheckPostRequest, CheckPostStreamRequest};
use riserbo::telemetry::Metrics;
use tonic::Code;
use tonic::transport::Endpoint;
use tonic_types::StatusExt;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

const ACME: &str = "[policy]\nid = \"acme\"\nversion = \"1\"\n";

fn offer(tenant: &str) -> CheckPostRequest {
    CheckPostRequest {
        tenant: tenant.to_owned(),
        text: "Prima visita gratuita per tutto marzo!".to_owned(),
        account: pb::AccountKind::Practice as i32,
        channel: pb::Channel::PublicPost as i32,
        ..Default::default()
    }
}

fn patient_post() -> CheckPostRequest {
    CheckPostRequest { text: "Oggi la sig.ra Lucia Fontana ha fatto l'impianto".to_owned(), ..Default::default() }
}

/// Metrics read back as Prometheus text, as a scrape would see them.
struct Scrape {
    registry: prometheus::Registry,
    _provider: opentelemetry_sdk::metrics::SdkMeterProvider,
    metrics: Metrics,
}

impl Scrape {
    fn new() -> Self {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter().with_registry(registry.clone()).build().unwrap();
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().with_reader(exporter).build();
        let metrics = Metrics::new(&provider.meter("riserbo"));
        Self { registry, _provider: provider, metrics }
    }

    /// The value of the first sample of `name` whose labels contain `label` (0 if none).
    fn value(&self, name: &str, label: &str) -> f64 {
        let mut text = Vec::new();
        prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &self.registry.gather(), &mut text).unwrap();
        String::from_utf8(text)
            .unwrap()
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
            .and_then(|l| l.rsplit(' ').next())
            .map_or(0.0, |v| v.parse().unwrap())
    }
}

/// The policy file is overwritten with bytes that are not UTF-8, truncated mid-table, then
/// deleted, while a caller keeps calling: every reload fails and is reported in
/// GetPolicyStatus with the file's name, the last good policy (version 1) keeps answering,
/// and no call fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_or_deleted_policy_file_keeps_the_last_good_policy_serving() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.toml");
    std::fs::write(&file, ACME).unwrap();
    let store = Arc::new(PolicyStore::load(Some(file.clone())).expect("the policy loads"));
    let server = TestServer::start_with(store.clone(), ServeOptions::default()).await;
    Reloader::new(store, file.clone()).spawn(true).unwrap();
    let mut client = server.client().await;
    let answered = Arc::new(AtomicUsize::new(0));
    let caller = {
        let mut client = server.client().await;
        let answered = answered.clone();
        tokio::spawn(async move {
            for _ in 0..100_000 {
                let answer = client.check_post(offer("acme")).await.expect("no call fails while the file is broken");
                assert_eq!(answer.into_inner().policy.unwrap().version, "1");
                if answered.fetch_add(1, Ordering::Relaxed) >= 1_000_000 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let file_name = file.file_name().unwrap().to_str().unwrap().to_owned();
    let corruptions: [(&str, Option<Vec<u8>>); 3] = [
        ("not UTF-8", Some(b"[policy]\nid = \"acme\xff\xfe\"\n\x00\x01".to_vec())),
        ("truncated", Some(ACME.as_bytes()[..ACME.len() / 2].to_vec())),
        ("deleted", None),
    ];
    for (n, (what, bytes)) in corruptions.into_iter().enumerate() {
        match bytes {
            Some(bytes) => std::fs::write(&file, bytes).unwrap(),
            None => std::fs::remove_file(&file).unwrap(),
        }
        let status = wait_for_policy_status(&mut client, |s| s.failed_reloads > n as u64).await;
        assert!(status.last_reload_error.contains(&file_name), "{what}: {}", status.last_reload_error);
        assert_eq!(status.revision, 1, "{what}: the broken file replaced the policy");
        let answer = client.check_post(offer("acme")).await.unwrap().into_inner();
        assert_eq!(answer.policy.unwrap().version, "1", "{what}");
        client.check_post(patient_post()).await.expect("the default tenant answers too");
    }
    // Restored: the next reload succeeds and clears the error.
    std::fs::write(&file, ACME.replace("\"1\"", "\"2\"")).unwrap();
    let status = wait_for_policy_status(&mut client, |s| s.revision >= 2).await;
    assert!(status.last_reload_error.is_empty());
    caller.abort();
    assert!(answered.load(Ordering::Relaxed) > 10, "the caller hardly ran");
}

/// A small tmpfs mounted on a temporary directory; unmounted (lazily) when dropped. Needs
/// root (CI and the development machines run tests as root).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str, read_only: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let options = if read_only { format!("size={size},ro") } else { format!("size={size}") };
        let out =
            Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir.path()).output().unwrap();
        assert!(out.status.success(), "mounting a {size} tmpfs (needs root): {}", String::from_utf8_lossy(&out.stderr));
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the file system: writes `fill` until the disk refuses.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("fill");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// The decision log's disk fills up while serving: every call is still answered (the audit
/// record is written after the answer is decided, on its own thread), each decision that
/// could not be written is counted in `riserbo.decision_log.failed{reason="write"}` and
/// logged, and once space is freed, decisions are written again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_decision_log_disk_still_answers_and_counts_the_lost_records() {
    let disk = SmallDisk::mount("2m", false);
    let scrape = Scrape::new();
    let options = ServeOptions {
        decision_log: Some(DecisionLogOptions::new(disk.path())),
        metrics: scrape.metrics.clone(),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with(Arc::new(PolicyStore::with_default()), options).await;
    let mut client = server.client().await;
    client.check_post(patient_post()).await.unwrap();
    let wait_written = |n: f64| {
        let scrape = &scrape;
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            while scrape.value("riserbo_decision_log_written_total", "") < n {
                assert!(Instant::now() < deadline, "decisions not written");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_written(1.0).await;

    let filler = disk.fill();
    let mut answered = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while scrape.value("riserbo_decision_log_failed_total", "reason=\"write\"") == 0.0 {
        assert!(Instant::now() < deadline, "the full disk never failed a write");
        let answer = client.check_post(patient_post()).await.expect("the call answers although the log cannot write");
        assert_eq!(answer.into_inner().verdict, pb::Verdict::Block as i32);
        answered += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for _ in 0..20 {
        client.check_post(patient_post()).await.expect("still answering with the disk full");
        answered += 1;
    }
    assert!(answered > 0);

    // Space comes back: the next decisions are written.
    std::fs::remove_file(filler).unwrap();
    let written = scrape.value("riserbo_decision_log_written_total", "");
    let mut next = client.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    while scrape.value("riserbo_decision_log_written_total", "") <= written {
        assert!(Instant::now() < deadline, "writes did not resume after space was freed");
        next.check_post(patient_post()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await.unwrap();
}

/// A read-only data directory: `riserbo serve` refuses to start, naming the database path,
/// rather than serving without the audit trail it was configured to keep.
#[test]
fn a_read_only_decision_log_directory_stops_start_up_with_the_path() {
    let disk = SmallDisk::mount("1m", true);
    let out =
        Command::new(BIN).args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(disk.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let database = disk.path().join(riserbo::decision_log::DATABASE_FILE);
    assert!(stderr.contains(&format!("riserbo: decision log {}", database.display())), "{stderr}");
}

/// Client deadlines far shorter than the work (a 60 KiB post checked under 1 ms, a stream of
/// many posts under 50 ms): each call ends OK or at its deadline (DEADLINE_EXCEEDED from
/// the server, or CANCELLED from tonic's own client timer, whichever fires first), never
/// INTERNAL and never hanging, and the server goes on answering at full speed. The stream's
/// deadline bounds the whole stream, not just its start: 2,000 posts take seconds to check,
/// so the stream must end at its deadline, and the posts queued behind it are dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_shorter_than_the_work_end_the_call_and_the_server_carries_on() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let long = "Oggi la sig.ra Lucia Fontana ha fatto l'impianto al 36, chiamare il 328 445 1290. ".repeat(700);
    let mut exceeded = 0;
    for _ in 0..20 {
        let mut request = tonic::Request::new(CheckPostRequest { text: long.clone(), ..Default::default() });
        request.set_timeout(Duration::from_millis(1));
        let started = Instant::now();
        match client.check_post(request).await {
            Ok(answer) => assert_eq!(answer.into_inner().verdict, pb::Verdict::Block as i32),
            Err(status) => {
                assert!(matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled), "{status:?}");
                exceeded += 1;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    assert!(exceeded > 0, "a 1 ms deadline on a 60 KiB check never expired");

    let posts: Vec<CheckPostStreamRequest> = (0..2000)
        .map(|i| CheckPostStreamRequest {
            id: i.to_string(),
            post: Some(CheckPostRequest { text: long[..4000].to_owned(), ..Default::default() }),
        })
        .collect();
    let mut request = tonic::Request::new(tokio_stream::iter(posts));
    request.set_timeout(Duration::from_millis(50));
    let started = Instant::now();
    let outcome = async {
        let mut answers = client.check_post_stream(request).await?.into_inner();
        let mut n = 0;
        while answers.message().await?.is_some() {
            n += 1;
        }
        Ok::<usize, tonic::Status>(n)
    }
    .await;
    match outcome {
        Ok(n) => panic!("a 50 ms stream of 2,000 posts was answered in full ({n} answers)"),
        Err(status) => assert!(matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled), "{status:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    // The server is not wedged: ordinary calls answer promptly.
    let started = Instant::now();
    for _ in 0..10 {
        client.check_post(patient_post()).await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    server.stop().await.unwrap();
}

/// A stream still open at the server's call timeout (its client sends a post, then nothing
/// for longer than the timeout): the answers so far arrive, then the call ends with
/// DEADLINE_EXCEEDED; and the call metrics count it as a CheckPostStream ending with that
/// code, measured to its end, not to its response headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_open_at_the_call_timeout_ends_deadline_exceeded_and_is_counted_so() {
    let scrape = Scrape::new();
    let options = ServeOptions {
        call_timeout: Duration::from_millis(300),
        metrics: scrape.metrics.clone(),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with(Arc::new(PolicyStore::with_default()), options).await;
    let mut client = server.client().await;
    let posts = futures_util::stream::iter([CheckPostStreamRequest { id: "1".into(), post: Some(patient_post()) }])
        .chain(futures_util::stream::pending());
    let started = Instant::now();
    let mut answers = client.check_post_stream(posts).await.unwrap().into_inner();
    assert_eq!(answers.message().await.unwrap().expect("the first answer").id, "1");
    let status = tokio::time::timeout(Duration::from_secs(10), answers.message())
        .await
        .expect("the stream ends at the call timeout, not never")
        .expect_err("the stream ends with an error");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(reason(&status), "DEADLINE_EXCEEDED");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5), "{elapsed:?}");

    let stream_calls = |code: &str| {
        scrape.value(
            "riserbo_rpc_calls_total",
            &format!("rpc_grpc_status_code=\"{code}\",rpc_method=\"riserbo.v1.PolicyService/CheckPostStream\""),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while stream_calls("4") < 1.0 {
        assert!(Instant::now() < deadline, "the stream was not counted as DEADLINE_EXCEEDED");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stream_calls("0"), 0.0, "a stream cut at its deadline is not an OK call");
    server.stop().await.unwrap();
}

/// Clients that disconnect in the middle of a CheckPostStream (after a few answers, with
/// hundreds of posts unsent and unread): the server drops the call and frees its slot. With
/// room for a single call in flight, the next call would be shed (UNAVAILABLE) if a vanished
/// stream were still held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_disconnect_mid_stream_free_the_server() {
    let options = ServeOptions { max_concurrent_calls: 1, ..ServeOptions::default() };
    let server = TestServer::start_with(Arc::new(PolicyStore::with_default()), options).await;
    for round in 0..5 {
        let channel = server.channel().await;
        let mut client = PolicyServiceClient::new(channel);
        let posts = futures_util::stream::iter(0..1000)
            .map(|i| CheckPostStreamRequest { id: i.to_string(), post: Some(patient_post()) });
        let mut answers = client.check_post_stream(posts).await.unwrap().into_inner();
        for _ in 0..3 {
            answers.message().await.unwrap().expect("an answer");
        }
        drop(answers);
        drop(client); // the connection closes: the stream is reset mid-way

        let mut fresh = server.client().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match fresh.check_post(patient_post()).await {
                Ok(_) => break,
                Err(status) if status.code() == Code::Unavailable && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(status) => panic!("round {round}: the vanished stream still holds the server: {status:?}"),
            }
        }
    }
    server.stop().await.unwrap();
}

/// A request whose `string` field holds invalid UTF-8 (a hand-encoded message, since no
/// conforming client can send one): INVALID_ARGUMENT naming the field, with BadRequest and
/// ErrorInfo, not INTERNAL. In a stream, the call ends with the same status.
#[tokio::test]
async fn invalid_utf8_in_a_string_field_is_invalid_argument_naming_the_field() {
    let server = TestServer::start().await;
    // CheckPostRequest { text (2): "a\xffb" }, as a gRPC frame.
    let message: &[u8] = &[0x12, 0x03, b'a', 0xff, b'b'];
    for (path, body) in [
        ("CheckPost", message.to_vec()),
        ("Anonymise", message.to_vec()),
        // CheckPostStreamRequest { post (1): CheckPostRequest { text: invalid } }
        ("CheckPostStream", [&[0x0a, message.len() as u8][..], message].concat()),
    ] {
        let status = raw_call(server.addr, path, &body).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{path}: {status:?}");
        let field = if path == "CheckPostStream" { "post.text" } else { "text" };
        assert!(status.message().starts_with(&format!("{field}: ")), "{path}: {}", status.message());
        assert_eq!(reason(&status), "INVALID_FIELD");
        assert_eq!(status.get_error_details().bad_request().unwrap().field_violations[0].field, field);
    }
    server.stop().await.unwrap();
}

/// One unary-framed gRPC call over plain HTTP/2 with a hand-made message; its status.
async fn raw_call(addr: std::net::SocketAddr, method: &str, message: &[u8]) -> tonic::Status {
    use http_body_util::BodyExt;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/riserbo.v1.PolicyService/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(http_body_util::Full::new(Bytes::from(frame)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    if let Some(status) = tonic::Status::from_header_map(response.headers()) {
        return status;
    }
    let collected = response.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().expect("trailers with the status");
    tonic::Status::from_header_map(&trailers).expect("a grpc-status")
}

/// 10,000 CheckPostStream calls open at once (over 20 connections, 500 streams each): every
/// one is answered correctly while all are open, nothing is refused with room configured for
/// them, and the server answers normally afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_streams_are_all_answered() {
    const CONNECTIONS: usize = 20;
    const STREAMS: usize = 10_000;
    // The first streams answered wait, idle, until the last is answered. On a busy machine
    // (a debug build beside other builds) that takes longer than the 10 s default call
    // timeout, which cuts idle streams; the idle cut has its own test above, so here the
    // timeout is set out of the way.
    let options = ServeOptions {
        max_concurrent_calls: STREAMS + 16,
        call_timeout: Duration::from_secs(120),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with(Arc::new(PolicyStore::with_default()), options).await;
    let mut channels = Vec::new();
    for _ in 0..CONNECTIONS {
        channels.push(Endpoint::from_shared(format!("http://{}", server.addr)).unwrap().connect().await.unwrap());
    }
    let started = Instant::now();
    // Every stream sends one post, reads its answer, then holds its request side open until
    // all streams have their answer: at that moment all 10,000 are open together.
    let answered = Arc::new(AtomicUsize::new(0));
    let all_answered = Arc::new(tokio::sync::Notify::new());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..STREAMS {
        let mut client = PolicyServiceClient::new(channels[i % CONNECTIONS].clone());
        let answered = answered.clone();
        let all_answered = all_answered.clone();
        tasks.spawn(async move {
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            tx.send(CheckPostStreamRequest { id: i.to_string(), post: Some(patient_post()) }).await.unwrap();
            let mut answers =
                client.check_post_stream(tokio_stream::wrappers::ReceiverStream::new(rx)).await?.into_inner();
            let answer = answers.message().await?.expect("one answer");
            assert_eq!(answer.id, i.to_string());
            match answer.outcome {
                Some(pb::check_post_stream_response::Outcome::Result(r)) => {
                    assert_eq!(r.verdict, pb::Verdict::Block as i32)
                }
                other => panic!("stream {i}: {other:?}"),
            }
            let notified = all_answered.notified();
            if answered.fetch_add(1, Ordering::SeqCst) + 1 == STREAMS {
                all_answered.notify_waiters();
            } else {
                notified.await;
            }
            drop(tx);
            assert!(answers.message().await?.is_none());
            Ok::<(), tonic::Status>(())
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Err(status) = done.unwrap() {
            failures.push(status);
        }
    }
    assert!(failures.is_empty(), "{} streams failed, e.g. {:?}", failures.len(), failures.first());
    assert_eq!(answered.load(Ordering::SeqCst), STREAMS);
    eprintln!("{STREAMS} concurrent streams answered in {:?}", started.elapsed());
    server.client().await.check_post(patient_post()).await.unwrap();
    server.stop().await.unwrap();
}

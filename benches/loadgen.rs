//! Load generator for the running service: starts `riserbo serve` (the release binary) on a
//! loopback port, times its start-up to SERVING, then drives CheckPost at a fixed
//! concurrency over HTTP/2 with tonic (the same client stack as the integration tests and
//! real Rust callers) and reports requests per second, p50 / p99 / p99.9 latency, errors, and
//! the server's peak resident memory and CPU use during the measurement.
//!
//! Posts: the corpus (`benches/corpus/posts.jsonl`), each post of at least `--post-bytes`
//! cut to that size at a word boundary (default 500 bytes).
//!
//! `scripts/loadtest [OPTIONS]` builds what it needs and runs this; by hand:
//! `cargo build --release && cargo bench --bench loadgen -- [OPTIONS]`
//!
//!   --server PATH        riserbo binary (default target/release/riserbo)
//!   --concurrency N      calls in flight (default 32)
//!   --connections N      HTTP/2 connections they share (default 2)
//!   --threads N          load generator runtime threads (default 1)
//!   --client h2|tonic    how calls are made (default h2, see below)
//!   --duration SECS      measured time (default 10); --warmup SECS before it (default 2)
//!   --post-bytes N       post size (default 500)
//!   --server-arg ARG     passed to `riserbo serve` (repeatable), e.g. --no-decision-log
//!   --json               one JSON object instead of the table
//!
//! Clients. The load generator shares the 2 cores with the server, so whatever it spends per
//! call is taken from the server. `h2` (the default) sends pre-encoded gRPC frames over
//! hyper's HTTP/2 client connections, the way h2load would, and checks each answer's HTTP
//! status, `grpc-status` and the length of its one response message; `tonic` builds and
//! decodes every message with the generated client (the stack real Rust callers use), at
//! about twice the client CPU per call. Both report the same measures.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it only checks that the corpus
//! yields posts, and exits.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;

use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{AccountKind, Channel as PostChannel, CheckPostRequest};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

mod common;

struct Options {
    server: PathBuf,
    concurrency: usize,
    connections: usize,
    threads: usize,
    duration: Duration,
    warmup: Duration,
    post_bytes: usize,
    server_args: Vec<String>,
    json: bool,
    bench: bool,
    client: ClientKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ClientKind {
    /// Pre-encoded frames over hyper's HTTP/2 client.
    H2,
    /// The generated tonic client.
    Tonic,
}

fn options() -> Options {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        server: root.join("target/release/riserbo"),
        concurrency: 32,
        connections: 2,
        threads: 1,
        duration: Duration::from_secs(10),
        warmup: Duration::from_secs(2),
        post_bytes: 500,
        server_args: Vec::new(),
        json: false,
        bench: false,
        client: ClientKind::H2,
    };
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>, flag: &str| -> f64 {
        v.and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{flag} needs a number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => o.bench = true,
            "--json" => o.json = true,
            "--server" => o.server = args.next().expect("--server PATH").into(),
            "--server-arg" => o.server_args.push(args.next().expect("--server-arg ARG")),
            "--concurrency" => o.concurrency = number(args.next(), "--concurrency") as usize,
            "--connections" => o.connections = number(args.next(), "--connections") as usize,
            "--threads" => o.threads = number(args.next(), "--threads") as usize,
            "--duration" => o.duration = Duration::from_secs_f64(number(args.next(), "--duration")),
            "--warmup" => o.warmup = Duration::from_secs_f64(number(args.next(), "--warmup")),
            "--client" => {
                o.client = match args.next().as_deref() {
                    Some("h2") => ClientKind::H2,
                    Some("tonic") => ClientKind::Tonic,
                    other => panic!("--client h2|tonic, not {other:?}"),
                }
            }
            "--post-bytes" => o.post_bytes = number(args.next(), "--post-bytes") as usize,
            other if other.starts_with("--") => {} // cargo's own flags
            other => panic!("unexpected argument {other:?}"),
        }
    }
    o
}

fn main() {
    let options = options();
    let posts = common::posts_of_size(&common::corpus(), options.post_bytes);
    assert!(posts.len() >= 50, "only {} posts of {} bytes", posts.len(), options.post_bytes);
    if !options.bench {
        println!(
            "loadgen: {} posts of ~{} bytes; run scripts/loadtest to drive a server",
            posts.len(),
            options.post_bytes
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(options, posts));
}

/// The server process; killed if the run panics.
struct Server {
    child: Child,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) of a process, from /proc.
fn cpu_time(pid: &str, ticks_per_second: f64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    Duration::from_secs_f64(ticks / ticks_per_second)
}

/// A field of /proc/PID/status in MiB (VmRSS, VmHWM).
fn status_mib(pid: &str, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in status"));
    let kib: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number of kB");
    kib / 1024.0
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

async fn start_server(options: &Options) -> (Server, String, Duration) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let data = tempfile::tempdir().expect("temporary data directory");
    let started = Instant::now();
    let child = Command::new(&options.server)
        .arg("serve")
        .args(["--listen", &addr])
        .arg("--data-dir")
        .arg(data.path())
        .args(&options.server_args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e} (build it: cargo build --release)", options.server.display()));
    let server = Server { child, _data: data };
    let url = format!("http://{addr}");
    loop {
        if let Ok(channel) = Channel::from_shared(url.clone()).unwrap().connect().await {
            let status = HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await;
            if status.is_ok_and(|s| s.into_inner().status == ServingStatus::Serving as i32) {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "server not SERVING after 30 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (server, addr, started.elapsed())
}

/// The connections calls are made on, of either client kind.
enum Clients {
    H2 { senders: Vec<SendRequest<Full<Bytes>>>, uri: http::Uri, frames: Arc<Vec<Bytes>> },
    Tonic(Vec<PolicyServiceClient<Channel>>),
}

impl Clients {
    async fn connect(options: &Options, addr: &str, posts: &[String]) -> Self {
        let connections = options.connections.max(1);
        match options.client {
            ClientKind::Tonic => {
                let mut clients = Vec::new();
                for _ in 0..connections {
                    let channel =
                        Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.expect("connect");
                    clients.push(PolicyServiceClient::new(channel));
                }
                Clients::Tonic(clients)
            }
            ClientKind::H2 => {
                let mut senders = Vec::new();
                for _ in 0..connections {
                    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                    stream.set_nodelay(true).expect("TCP_NODELAY");
                    let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
                        .handshake(TokioIo::new(stream))
                        .await
                        .expect("HTTP/2 handshake");
                    tokio::spawn(connection);
                    senders.push(sender);
                }
                let uri = format!("http://{addr}/riserbo.v1.PolicyService/CheckPost").parse().unwrap();
                let frames = posts.iter().map(|text| grpc_frame(&check_request(text))).collect();
                Clients::H2 { senders, uri, frames: Arc::new(frames) }
            }
        }
    }
}

fn check_request(text: &str) -> CheckPostRequest {
    CheckPostRequest {
        text: text.to_owned(),
        account: AccountKind::Practice as i32,
        channel: PostChannel::PublicPost as i32,
        ..Default::default()
    }
}

/// A message in gRPC's length-prefixed framing (uncompressed).
fn grpc_frame(message: &impl Message) -> Bytes {
    let mut frame = Vec::with_capacity(5 + message.encoded_len());
    frame.push(0);
    frame.extend_from_slice(&u32::try_from(message.encoded_len()).unwrap().to_be_bytes());
    message.encode(&mut frame).expect("a Vec grows");
    Bytes::from(frame)
}

/// One CheckPost over plain HTTP/2: whether it was answered with status OK and exactly one
/// whole response message.
async fn h2_call(sender: &mut SendRequest<Full<Bytes>>, uri: &http::Uri, frame: Bytes) -> bool {
    let request = http::Request::post(uri.clone())
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .body(Full::new(frame))
        .expect("a valid request");
    let Ok(response) = sender.send_request(request).await else { return false };
    if response.status() != http::StatusCode::OK || response.headers().contains_key("grpc-status") {
        return false; // a trailers-only answer is an error (an OK answer carries a message)
    }
    let Ok(collected) = response.into_body().collect().await else { return false };
    let ok = collected.trailers().and_then(|t| t.get("grpc-status")).is_some_and(|s| s == "0");
    let body = collected.to_bytes();
    ok && body.len() > 5
        && body[0] == 0
        && u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize == body.len() - 5
}

/// Runs `concurrency` closed-loop callers until `until`; returns latencies (µs) and errors.
async fn drive(clients: &Clients, posts: &[String], concurrency: usize, until: Instant) -> (Vec<u32>, u64) {
    match clients {
        Clients::Tonic(clients) => drive_tonic(clients, posts, concurrency, until).await,
        Clients::H2 { senders, uri, frames } => drive_h2(senders, uri, frames, concurrency, until).await,
    }
}

async fn drive_h2(
    senders: &[SendRequest<Full<Bytes>>],
    uri: &http::Uri,
    frames: &Arc<Vec<Bytes>>,
    concurrency: usize,
    until: Instant,
) -> (Vec<u32>, u64) {
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let mut sender = senders[worker % senders.len()].clone();
        let (uri, frames) = (uri.clone(), frames.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(1 << 16);
            let mut errors = 0u64;
            let mut i = worker * 7;
            while Instant::now() < until {
                let frame = frames[i % frames.len()].clone();
                i += 1;
                let start = Instant::now();
                if h2_call(&mut sender, &uri, frame).await {
                    latencies.push(start.elapsed().as_micros().min(u32::MAX as u128) as u32);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    join_workers(tasks).await
}

async fn join_workers(tasks: Vec<tokio::task::JoinHandle<(Vec<u32>, u64)>>) -> (Vec<u32>, u64) {
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await.expect("worker");
        all.extend(latencies);
        errors += e;
    }
    (all, errors)
}

async fn drive_tonic(
    clients: &[PolicyServiceClient<Channel>],
    posts: &[String],
    concurrency: usize,
    until: Instant,
) -> (Vec<u32>, u64) {
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let mut client = clients[worker % clients.len()].clone();
        let posts = posts.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(1 << 16);
            let mut errors = 0u64;
            let mut i = worker * 7;
            while Instant::now() < until {
                let request = check_request(&posts[i % posts.len()]);
                i += 1;
                let start = Instant::now();
                match client.check_post(request).await {
                    Ok(_) => latencies.push(start.elapsed().as_micros().min(u32::MAX as u128) as u32),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    join_workers(tasks).await
}

async fn run(options: Options, posts: Vec<String>) {
    let ticks = ticks_per_second();
    let (server, addr, startup) = start_server(&options).await;
    let pid = server.child.id().to_string();
    let rss_idle = status_mib(&pid, "VmRSS");

    let clients = Clients::connect(&options, &addr, &posts).await;
    let (_, warmup_errors) = drive(&clients, &posts, options.concurrency, Instant::now() + options.warmup).await;

    let server_cpu0 = cpu_time(&pid, ticks);
    let own_cpu0 = cpu_time("self", ticks);
    let start = Instant::now();
    let (mut latencies, errors) = drive(&clients, &posts, options.concurrency, start + options.duration).await;
    let wall = start.elapsed();
    let server_cpu = cpu_time(&pid, ticks) - server_cpu0;
    let own_cpu = cpu_time("self", ticks) - own_cpu0;
    let rss_peak = status_mib(&pid, "VmHWM");
    drop(server);

    latencies.sort_unstable();
    let calls = latencies.len();
    let rps = calls as f64 / wall.as_secs_f64();
    let p = |q: f64| common::percentile(&latencies, q) as f64 / 1e3;
    let bytes = posts.iter().map(String::len).sum::<usize>() as f64 / posts.len() as f64;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let server_cpu_pct = server_cpu.as_secs_f64() / wall.as_secs_f64() * 100.0;
    let own_cpu_pct = own_cpu.as_secs_f64() / wall.as_secs_f64() * 100.0;
    if options.json {
        println!(
            "{}",
            serde_json::json!({
                "cores": cores, "concurrency": options.concurrency, "connections": options.connections,
                "threads": options.threads, "client": format!("{:?}", options.client).to_lowercase(), "post_bytes_mean": bytes, "posts": posts.len(),
                "seconds": wall.as_secs_f64(), "calls": calls, "errors": errors + warmup_errors,
                "rps": rps, "p50_ms": p(0.5), "p99_ms": p(0.99), "p999_ms": p(0.999), "max_ms": p(1.0),
                "startup_ms": startup.as_secs_f64() * 1e3, "rss_idle_mib": rss_idle, "rss_peak_mib": rss_peak,
                "server_cpu_pct": server_cpu_pct, "loadgen_cpu_pct": own_cpu_pct,
                "server_args": options.server_args,
            })
        );
        return;
    }
    println!("riserbo serve {}  ({} cores)", options.server_args.join(" "), cores);
    println!("startup to SERVING      {:>9.1} ms", startup.as_secs_f64() * 1e3);
    println!(
        "CheckPost               {:>9.0} calls/s  ({calls} calls in {:.1} s, concurrency {}, {} connections, {} client, {} posts of {:.0} bytes on average)",
        rps,
        wall.as_secs_f64(),
        options.concurrency,
        options.connections,
        format!("{:?}", options.client).to_lowercase(),
        posts.len(),
        bytes
    );
    println!("latency p50 / p99 / p99.9 / max  {:.3} / {:.3} / {:.3} / {:.3} ms", p(0.5), p(0.99), p(0.999), p(1.0));
    println!("errors                  {:>9}", errors + warmup_errors);
    println!("server RSS idle / peak  {rss_idle:>9.1} / {rss_peak:.1} MiB");
    println!("server CPU              {server_cpu_pct:>9.0} %  (100 % = one core)");
    println!("load generator CPU      {own_cpu_pct:>9.0} %");
}

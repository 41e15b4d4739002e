//! The `riserbo serve` binary as it runs in production, started and stopped like an operator
//! would: no patient data in any of its outputs (logs, spans, OTLP and Prometheus metrics,
//! exported decision records, the decision log files), and SIGTERM during a burst loses no answered decision.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use prost::Message;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{AnonymiseRequest, Attachment, CheckPostRequest, Operator, operator};
use tonic::transport::Channel;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

/// A running `riserbo serve` and everything it wrote to stderr.
struct Served {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start riserbo serve");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = Arc::clone(&stderr);
        // Keep draining stderr so the server never blocks on a full pipe.
        let reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if event["message"] == "serving" {
                    let _ = addr_tx.send(event["addr"].as_str().unwrap_or_default().to_owned());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| {
            panic!("serve did not start: {:?}", stderr.lock().unwrap());
        });
        Self { child, addr, stderr, reader: Some(reader) }
    }

    /// The `addr` field of the first log event with this message.
    fn logged_addr(&self, message: &str) -> Option<String> {
        self.stderr.lock().unwrap().iter().find_map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).ok()?;
            (event["message"] == message).then(|| event["addr"].as_str().unwrap_or_default().to_owned())
        })
    }

    async fn client(&self) -> PolicyServiceClient<Channel> {
        let channel = Channel::from_shared(format!("http://{}", self.addr)).unwrap().connect().await.unwrap();
        PolicyServiceClient::new(channel)
    }

    /// SIGTERM, then the exit status and all of stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let kill = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let status = self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        let stderr = self.stderr.lock().unwrap().join("\n");
        (status, stderr)
    }
}

/// An OTLP/gRPC collector that keeps everything it receives, decoded and as raw bytes.
#[derive(Clone, Default)]
struct Collector {
    received: Arc<Mutex<Received>>,
}

#[derive(Default)]
struct Received {
    text: String,
    bytes: Vec<u8>,
    span_names: Vec<String>,
    trace_ids: Vec<String>,
    metric_names: Vec<String>,
    log_events: Vec<String>,
}

impl Collector {
    fn keep(&self, debug: String, bytes: Vec<u8>) {
        let mut r = self.received.lock().unwrap();
        r.text.push_str(&debug);
        r.bytes.extend(bytes);
    }

    async fn start(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(self.clone()))
            .add_service(MetricsServiceServer::new(self.clone()))
            .add_service(LogsServiceServer::new(self.clone()));
        tokio::spawn(router.serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)));
        addr
    }
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let request = request.into_inner();
        let spans = request.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans);
        {
            let mut received = self.received.lock().unwrap();
            for span in spans {
                received.span_names.push(span.name.clone());
                received.trace_ids.push(hex::encode(&span.trace_id));
            }
        }
        self.keep(format!("{request:?}"), request.encode_to_vec());
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let request = request.into_inner();
        let names = request
            .resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .map(|m| m.name.clone());
        self.received.lock().unwrap().metric_names.extend(names);
        self.keep(format!("{request:?}"), request.encode_to_vec());
        Ok(tonic::Response::new(ExportMetricsServiceResponse { partial_success: None }))
    }
}

#[tonic::async_trait]
impl LogsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let request = request.into_inner();
        let names = request
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .map(|l| l.event_name.clone());
        self.received.lock().unwrap().log_events.extend(names);
        self.keep(format!("{request:?}"), request.encode_to_vec());
        Ok(tonic::Response::new(ExportLogsServiceResponse { partial_success: None }))
    }
}

/// The trace a client call below belongs to (W3C trace context).
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// Every identifier, value and distinctive word the posts below contain.
const SECRETS: &[&str] = &[
    "Lucia Fontana",
    "Fontana",
    "FNTLCU64E52L378C",
    "IT60X0542811101000000123456",
    "328 445 1290",
    "3284451290",
    "lucia.fontana@gmail.com",
    "David Clarke",
    "Clarke",
    "Gianmarco Bellotti",
    "Bellotti",
    "020 7946 0958",
    "impianto",
    "parodontite",
    "Quokkaberry",
];

fn posts() -> Vec<CheckPostRequest> {
    let texts = [
        "Oggi la sig.ra Lucia Fontana ha fatto l'impianto! Quokkaberry",
        "Placed two implants for Mr. David Clarke this morning, call him on 020 7946 0958 Quokkaberry",
        "Il paziente Gianmarco Bellotti (CF FNTLCU64E52L378C) ha la parodontite, IBAN IT60X0542811101000000123456",
        "Scrivete a lucia.fontana@gmail.com o al +39 328 445 1290 per la sig.ra Lucia Fontana Quokkaberry",
    ];
    texts
        .iter()
        .map(|t| CheckPostRequest {
            text: (*t).to_owned(),
            author_name: "Gianmarco Bellotti".to_owned(),
            consent_reference: "Lucia Fontana consent".to_owned(),
            attachments: vec![Attachment {
                kind: 2,
                caption: "Lucia Fontana impianto".into(),
                alt_text: "Clarke".into(),
            }],
            labels: [("post_id".to_owned(), "p-42".to_owned())].into_iter().collect(),
            ..Default::default()
        })
        .collect()
}

/// `GET /metrics` over plain HTTP/1.1.
async fn scrape(addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: riserbo\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

fn files_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_patient_data_in_logs_spans_metrics_or_the_decision_log() {
    let collector = Collector::default();
    let otlp = collector.start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("riserbo.toml");
    std::fs::write(
        &config,
        format!(
            "[decision_log]\ndata_dir = {data:?}\nexport_otlp = true\nhmac_key_env = \"TEST_DECISION_KEY\"\n\n\
             [telemetry]\notlp_endpoint = \"http://{otlp}\"\nmetrics_interval_secs = 1\n"
        ),
    )
    .unwrap();
    let served = Served::start(
        &["--config", config.to_str().unwrap(), "--metrics-listen", "127.0.0.1:0"],
        // Everything Riserbo itself emits, at every level, and the libraries' debug output.
        &[("RUST_LOG", "debug,riserbo=trace"), ("TEST_DECISION_KEY", "a-test-key-for-the-hmac-0001")],
    );
    let mut client = served.client().await;
    for post in posts() {
        client.check_post(post).await.unwrap();
    }
    // A call inside the client's trace: the server's spans join it.
    let mut traced = tonic::Request::new(posts()[0].clone());
    traced.metadata_mut().insert("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01").parse().unwrap());
    client.check_post(traced).await.unwrap();
    for post in posts() {
        let request = AnonymiseRequest {
            text: post.text,
            author_name: "David Clarke".into(),
            operators: [
                ("PERSON".to_owned(), Operator { kind: Some(operator::Kind::Mask(Default::default())) }),
                ("PHONE_NUMBER".to_owned(), Operator { kind: Some(operator::Kind::Redact(Default::default())) }),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        client.anonymise(request).await.unwrap();
    }
    // Refused calls too: their errors and spans must not echo the text.
    let too_long = CheckPostRequest { text: "Lucia Fontana impianto ".repeat(4000), ..Default::default() };
    assert!(client.check_post(too_long).await.is_err());
    let bad_type = AnonymiseRequest {
        text: "Lucia Fontana".into(),
        entity_types: vec!["Lucia Fontana".into()],
        ..Default::default()
    };
    let status = client.anonymise(bad_type).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let metrics_addr = served.logged_addr("prometheus metrics at /metrics").expect("metrics endpoint logged");
    let scraped = scrape(&metrics_addr).await;
    assert!(scraped.contains("riserbo_decisions_total{"), "{scraped}");
    assert!(scraped.contains("rpc_server_call_duration_seconds_bucket{"), "{scraped}");
    assert!(scraped.contains("rule_id=\"HID-01\""), "{scraped}");
    // Let at least one metrics export happen while running, then stop (which flushes all).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, stderr) = served.terminate();
    assert!(status.success(), "{status:?}\n{stderr}");

    // The outputs are really there, so the absence below means something.
    assert!(stderr.contains("\"verdict\":\"BLOCK\""), "decision events with their verdict are logged:\n{stderr}");
    assert!(stderr.contains("HID-01"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (complete, summary) = {
            let r = collector.received.lock().unwrap();
            let complete = r.span_names.iter().any(|n| n == "CheckPost")
                && r.trace_ids.iter().filter(|t| *t == TRACE_ID).count() >= 2
                && r.metric_names.iter().any(|n| n == "riserbo.decisions")
                && r.metric_names.iter().any(|n| n == "rpc.server.call.duration")
                && r.log_events.iter().filter(|e| *e == "riserbo.decision").count() == 9;
            (complete, format!("spans {:?}, metrics {:?}, logs {:?}", r.span_names, r.metric_names, r.log_events))
        };
        if complete {
            break;
        }
        assert!(Instant::now() < deadline, "the collector got {summary}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = files_bytes(&data);
    let db = rusqlite::Connection::open(data.join(riserbo::decision_log::DATABASE_FILE)).unwrap();
    let decisions: i64 = db.query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0)).unwrap();
    assert_eq!(decisions, 9, "every CheckPost and Anonymise decision is recorded");

    let received = collector.received.lock().unwrap();
    for secret in SECRETS {
        assert!(!stderr.contains(secret), "{secret:?} in the logs");
        assert!(!received.text.contains(secret), "{secret:?} in the exported telemetry");
        assert!(!contains(&received.bytes, secret), "{secret:?} in the exported telemetry bytes");
        assert!(!contains(&stored, secret), "{secret:?} in the decision log files");
        assert!(!scraped.contains(secret), "{secret:?} in the Prometheus metrics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_keeps_every_answered_decision() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = Served::start(&["--data-dir", data.to_str().unwrap(), "--drain-timeout-secs", "10"], &[]);
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut callers = Vec::new();
    for i in 0..8 {
        let mut client = served.client().await;
        let answered = Arc::clone(&answered);
        callers.push(tokio::spawn(async move {
            let mut request = posts()[i % 4].clone();
            request.labels.insert("caller".into(), i.to_string());
            // Until the server stops answering, or a bound on the burst.
            for _ in 0..2000 {
                match client.check_post(request.clone()).await {
                    Ok(response) => answered.lock().unwrap().push(response.into_inner().decision_id),
                    Err(_) => break,
                }
            }
        }));
    }
    // Let the burst get going, then terminate in the middle of it.
    let started = Instant::now();
    while answered.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, stderr) = tokio::task::spawn_blocking(move || served.terminate()).await.unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    for caller in callers {
        caller.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 200, "only {} calls answered", answered.len());

    let db = rusqlite::Connection::open(data.join(riserbo::decision_log::DATABASE_FILE)).unwrap();
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let mut lookup = db.prepare("SELECT COUNT(*) FROM decisions WHERE id = ?1").unwrap();
    let missing: Vec<&String> =
        answered.iter().filter(|id| lookup.query_row([id], |r| r.get::<_, i64>(0)).unwrap() != 1).collect();
    assert!(
        missing.is_empty(),
        "{} of {} answered decisions missing, e.g. {:?}",
        missing.len(),
        answered.len(),
        missing.first()
    );
    assert!(stderr.contains("decision log flushed"), "{stderr}");
    // Local defaults: authentication is off, and the server says so loudly.
    assert!(stderr.contains("\"level\":\"WARN\"") && stderr.contains("AUTHENTICATION IS OFF"), "{stderr}");
}

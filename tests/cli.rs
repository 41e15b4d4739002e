//! The `riserbo` binary: `check`, `anonymise`, and `serve` started, probed and stopped with
//! SIGTERM like an operator would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run riserbo");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn check_prints_findings_for_people_and_json() {
    let post = "Placed two implants for Mr. David Clarke this morning, he was a total champ!";
    let (code, out, _) = run(&["check", "--account", "personal", "--channel", "public_post"], post);
    assert_eq!(code, 0);
    assert!(out.starts_with("BLOCK"), "{out}");
    assert!(out.contains("HID-01") && out.contains("GDC 4.2.3") && out.contains("\"David Clarke\""), "{out}");

    let (code, out, _) = run(&["check", "--json", "--fail-on", "review"], post);
    assert_eq!(code, 1, "--fail-on REVIEW must fail a BLOCK");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "BLOCK");
    assert_eq!(json["findings"][0]["guideline"]["code"], "GDC 4.2.3");
    assert!(json["anonymised_text"].as_str().unwrap().contains("<PERSON>"));
}

#[test]
fn check_reads_a_file_and_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("post.txt");
    std::fs::write(&path, "Cinque consigli per un alito fresco.").unwrap();
    let (code, out, _) = run(&["check", path.to_str().unwrap()], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("ALLOW"), "{out}");

    let (code, _, err) = run(&["check"], "   ");
    assert_eq!(code, 2);
    assert!(err.contains("text: must not be empty"), "{err}");
}

#[test]
fn anonymise_from_stdin() {
    let (code, out, _) = run(
        &["anonymise", "--operator", "PHONE_NUMBER=mask:*:4:end"],
        "Scrivi a lucia@example.com o chiama il +39 328 445 4567",
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim_end(), "Scrivi a <EMAIL_ADDRESS> o chiama il +39 328 445 ****");

    let (code, _, err) = run(&["anonymise", "--entity-types", "NOPE"], "testo");
    assert_eq!(code, 2);
    assert!(err.contains("entity_types[0]"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_fast_answers_health_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start riserbo serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve exited before serving").unwrap();
        let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if event["message"] == "serving" {
            break event["addr"].as_str().unwrap().to_owned();
        }
    };
    // A guard against gross regressions (a policy compiled per call, a blocking probe), not
    // the start-up target: that is measured on the release build by benches/loadgen.rs. A
    // debug build takes about 0.25 s on an idle machine and up to 1.6 s at load average 8.
    let startup = started.elapsed();
    assert!(startup < Duration::from_secs(5), "startup took {startup:?}");

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest { service: String::new() })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);

    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("draining")), "{rest:?}");
}

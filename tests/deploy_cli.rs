//! The subcommands deployments use: `riserbo health` (the container's health check) and
//! `riserbo descriptor` (the gateway's descriptor set), run as the binary.

mod common;

use std::process::{Command, Output, Stdio};

use common::TestServer;
use prost::Message;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

async fn health(args: &[&str], listen_env: Option<String>) -> Output {
    let mut command = Command::new(BIN);
    command.arg("health").args(args).env_remove("RISERBO_LISTEN");
    if let Some(listen) = listen_env {
        command.env("RISERBO_LISTEN", listen);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_exits_zero_only_while_the_server_serves() {
    let mut server = TestServer::start().await;
    let port = server.addr.port();

    // The image sets RISERBO_LISTEN=0.0.0.0:PORT for serve; health asks loopback on that port.
    let out = health(&[], Some(format!("0.0.0.0:{port}"))).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "SERVING");

    let out = health(&["--addr", &server.addr.to_string(), "--service", ""], None).await;
    assert!(out.status.success(), "{out:?}");

    let out = health(&["--addr", &server.addr.to_string(), "--service", "no.such.Service"], None).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("service not registered"), "{out:?}");

    // A stopped server: nothing answers, and the message names the address.
    server.begin_shutdown();
    server.wait().await.unwrap();
    let out = health(&["--addr", &format!("127.0.0.1:{port}"), "--timeout-ms", "500"], None).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")), "{out:?}");
}

#[test]
fn descriptor_writes_the_gateway_descriptor_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riserbo.pb");
    let status = Command::new(BIN).args(["descriptor", "--output"]).arg(&path).status().unwrap();
    assert!(status.success());
    let written = std::fs::read(&path).unwrap();
    let set = prost_types::FileDescriptorSet::decode(written.as_slice()).unwrap();
    let service = set
        .file
        .iter()
        .find(|f| f.name() == "riserbo/v1/policy_service.proto")
        .and_then(|f| f.service.first())
        .expect("the PolicyService file");
    assert!(service.method.iter().any(|m| m.name() == "CheckPostStream"));

    let piped = Command::new(BIN).arg("descriptor").stdout(Stdio::piped()).output().unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, written, "stdout and --output write the same bytes");
}

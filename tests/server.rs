//! Health, reflection and graceful shutdown of the real server.

mod common;

use std::time::Instant;

use common::TestServer;
use riserbo::service::proto::CheckPostRequest;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test]
async fn health_reports_serving() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "riserbo.v1.PolicyService"] {
        let response = health.check(HealthCheckRequest { service: service.to_owned() }).await.unwrap().into_inner();
        assert_eq!(response.status, ServingStatus::Serving as i32, "service {service:?}");
    }
}

#[tokio::test]
async fn reflection_lists_the_policy_service() {
    let server = TestServer::start().await;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    let response = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection response");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"riserbo.v1.PolicyService".to_owned()), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health".to_owned()), "{names:?}");
}

fn refused_before_start(status: &tonic::Status) -> bool {
    let detail = format!("{status:?}");
    status.code() == Code::Unavailable || (detail.contains("GoAway") && detail.contains("NO_ERROR"))
}

#[tokio::test]
async fn shutdown_lets_in_flight_calls_finish() {
    let mut server = TestServer::start().await;
    let client = server.client().await;
    // Large texts keep calls in flight long enough to overlap the shutdown signal.
    let text = "La sig.ra Lucia Fontana ha fatto l'impianto. ".repeat(300);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut calls = Vec::new();
    for _ in 0..64 {
        let mut client = client.clone();
        let text = text.clone();
        let done_tx = done_tx.clone();
        calls.push(tokio::spawn(async move {
            let result = client.check_post(CheckPostRequest { text, ..Default::default() }).await;
            let _ = done_tx.send(());
            (result, Instant::now())
        }));
    }
    // Shut down as soon as the first call is answered: the others are queued or in flight.
    done_rx.recv().await;
    let shutdown_at = Instant::now();
    server.begin_shutdown();

    let mut answered_after_shutdown = 0;
    for call in calls {
        let (result, finished) = call.await.unwrap();
        match result {
            Ok(response) => {
                assert!(!response.into_inner().findings.is_empty());
                if finished > shutdown_at {
                    answered_after_shutdown += 1;
                }
            }
            // Refused before it started is fine (UNAVAILABLE, or a stream the server's HTTP/2
            // GOAWAY NO_ERROR marked as never processed); cut off mid-call is not.
            Err(status) => assert!(refused_before_start(&status), "{status:?}"),
        }
    }
    assert!(answered_after_shutdown > 0, "no call was in flight when shutdown began");
    server.wait().await.expect("clean stop");
}

#[tokio::test]
async fn a_client_that_never_closes_cannot_hold_shutdown_past_the_drain_timeout() {
    let options =
        riserbo::service::ServeOptions { drain_timeout: std::time::Duration::from_millis(300), ..Default::default() };
    let mut server =
        TestServer::start_with(std::sync::Arc::new(riserbo::policy::PolicyStore::with_default()), options).await;
    // A raw connection that sends the HTTP/2 preface and then goes silent.
    let mut stuck = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stuck, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let begun = Instant::now();
    server.begin_shutdown();
    tokio::time::timeout(std::time::Duration::from_secs(5), server.wait())
        .await
        .expect("the server stopped")
        .expect("clean stop");
    assert!(begun.elapsed() < std::time::Duration::from_secs(2), "took {:?}", begun.elapsed());
    drop(stuck);
}

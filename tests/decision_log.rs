//! The decision log through the real server: what a decision records, and the dashboard
//! RPCs that read it back (filters, paging, statistics).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use common::{TestServer, post, reason, store_with_tenants};
use hmac::{KeyInit, Mac};
use riserbo::decision_log::{DecisionLogOptions, TextHmacKey};
use riserbo::service::ServeOptions;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{
    AnonymiseRequest, CheckPostRequest, DecisionKind, GetDecisionStatsRequest, ListDecisionsRequest, Verdict,
};
use tonic::Code;
use tonic::transport::Channel;

const KEY: &str = "test-hmac-key-0123456789";

async fn server_with_log(dir: &std::path::Path) -> TestServer {
    let mut log = DecisionLogOptions::new(dir);
    log.hmac_key = Some(TextHmacKey::new(KEY).unwrap());
    let options = ServeOptions { decision_log: Some(log), ..Default::default() };
    TestServer::start_with(store_with_tenants(&["clinic-a"]), options).await
}

fn hmac_hex(text: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Lists until `n` decisions are visible (the writer commits asynchronously).
async fn wait_for(
    client: &mut PolicyServiceClient<Channel>,
    request: ListDecisionsRequest,
    n: usize,
) -> Vec<riserbo::service::proto::Decision> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let decisions = client.list_decisions(request.clone()).await.unwrap().into_inner().decisions;
        if decisions.len() >= n || Instant::now() > deadline {
            return decisions;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_decision_records_the_allow_listed_fields() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_log(dir.path()).await;
    let mut client = server.client().await;
    let mut request = post("clinic-a");
    request.labels = HashMap::from([("post_id".to_owned(), "p-17".to_owned())]);
    let text = request.text.clone();
    let response = client.check_post(request).await.unwrap().into_inner();

    let list = ListDecisionsRequest { tenant: "clinic-a".into(), ..Default::default() };
    let decisions = wait_for(&mut client, list, 1).await;
    assert_eq!(decisions.len(), 1);
    let d = &decisions[0];
    assert_eq!(d.decision_id, response.decision_id);
    assert_eq!(d.kind, DecisionKind::CheckPost as i32);
    assert_eq!(d.tenant, "clinic-a");
    assert_eq!(d.caller, "anonymous");
    assert_eq!(d.labels["post_id"], "p-17");
    assert_eq!(d.policy, response.policy);
    assert_eq!(d.verdict, Verdict::Block as i32);
    assert_eq!(d.rules.len(), 1);
    assert_eq!((d.rules[0].rule_id.as_str(), d.rules[0].count), ("HID-01", 1));
    let entities: HashMap<&str, u64> = d.entities.iter().map(|e| (e.entity_type.as_str(), e.count)).collect();
    assert_eq!(entities.get("PERSON"), Some(&1));
    assert_eq!(entities.get("TREATMENT"), Some(&1));
    let latency = d.latency.unwrap();
    assert!(latency.seconds > 0 || latency.nanos > 0);
    let time = SystemTime::try_from(d.time.unwrap()).unwrap();
    assert!(SystemTime::now().duration_since(time).unwrap() < Duration::from_secs(60));
    assert_eq!(d.text_hmac, hmac_hex(&text), "HMAC-SHA256 of the text under the configured key");

    // The HMAC finds the decision about a quoted text; another text finds nothing.
    let by_text = ListDecisionsRequest { tenant: "clinic-a".into(), text_hmac: hmac_hex(&text), ..Default::default() };
    assert_eq!(client.list_decisions(by_text).await.unwrap().into_inner().decisions.len(), 1);
    let other = ListDecisionsRequest { tenant: "clinic-a".into(), text_hmac: hmac_hex("altro"), ..Default::default() };
    assert!(client.list_decisions(other).await.unwrap().into_inner().decisions.is_empty());

    // Anonymise decisions are recorded too, with the decision id it returned.
    let anonymise =
        AnonymiseRequest { tenant: "clinic-a".into(), text: "Chiama il +39 328 445 1290".into(), ..Default::default() };
    let response = client.anonymise(anonymise).await.unwrap().into_inner();
    let list =
        ListDecisionsRequest { tenant: "clinic-a".into(), kind: DecisionKind::Anonymise as i32, ..Default::default() };
    let decisions = wait_for(&mut client, list, 1).await;
    assert_eq!(decisions[0].decision_id, response.decision_id);
    assert_eq!(decisions[0].verdict, Verdict::Unspecified as i32);
    assert_eq!(decisions[0].entities[0].entity_type, "PHONE_NUMBER");
}

#[tokio::test]
async fn listing_filters_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_log(dir.path()).await;
    let mut client = server.client().await;
    let allow = || CheckPostRequest { text: "Cinque consigli per un alito fresco.".into(), ..Default::default() };
    let started = SystemTime::now();
    let mut ids = Vec::new();
    for i in 0..7 {
        let request = if i % 2 == 0 { post("") } else { allow() };
        ids.push(client.check_post(request).await.unwrap().into_inner().decision_id);
    }
    wait_for(&mut client, ListDecisionsRequest { page_size: 100, ..Default::default() }, 7).await;

    // Pages of 3, newest first, each decision exactly once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let request = ListDecisionsRequest { page_size: 3, page_token: token.clone(), ..Default::default() };
        let page = client.list_decisions(request).await.unwrap().into_inner();
        assert!(page.decisions.len() <= 3);
        seen.extend(page.decisions.into_iter().map(|d| d.decision_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    ids.reverse();
    assert_eq!(seen, ids);

    let count = |request: ListDecisionsRequest| {
        let mut client = client.clone();
        async move {
            client
                .list_decisions(ListDecisionsRequest { page_size: 100, ..request })
                .await
                .unwrap()
                .into_inner()
                .decisions
                .len()
        }
    };
    assert_eq!(count(ListDecisionsRequest { verdict: Verdict::Block as i32, ..Default::default() }).await, 4);
    assert_eq!(count(ListDecisionsRequest { verdict: Verdict::Allow as i32, ..Default::default() }).await, 3);
    assert_eq!(count(ListDecisionsRequest { rule_id: "HID-01".into(), ..Default::default() }).await, 4);
    assert_eq!(count(ListDecisionsRequest { rule_id: "NOPE-99".into(), ..Default::default() }).await, 0);
    assert_eq!(count(ListDecisionsRequest { tenant: "clinic-a".into(), ..Default::default() }).await, 0);
    let before = prost_types::Timestamp::from(started - Duration::from_secs(3600));
    let at_start = prost_types::Timestamp::from(started - Duration::from_millis(5));
    assert_eq!(count(ListDecisionsRequest { end_time: Some(before), ..Default::default() }).await, 0);
    assert_eq!(count(ListDecisionsRequest { start_time: Some(at_start), ..Default::default() }).await, 7);

    // Malformed filters name the field.
    for (request, field) in [
        (ListDecisionsRequest { page_size: 5000, ..Default::default() }, "page_size"),
        (ListDecisionsRequest { page_token: "garbage".into(), ..Default::default() }, "page_token"),
        (ListDecisionsRequest { text_hmac: "abc".into(), ..Default::default() }, "text_hmac"),
    ] {
        let status = client.list_decisions(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with(field), "{}", status.message());
    }
}

#[tokio::test]
async fn statistics_count_verdicts_rules_and_entities_over_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_log(dir.path()).await;
    let mut client = server.client().await;
    let allow = CheckPostRequest { text: "Cinque consigli per un alito fresco.".into(), ..Default::default() };
    for _ in 0..3 {
        client.check_post(post("")).await.unwrap();
    }
    client.check_post(allow).await.unwrap();
    let anonymise = AnonymiseRequest { text: "Scrivere a lucia.fontana@gmail.com".into(), ..Default::default() };
    client.anonymise(anonymise).await.unwrap();
    wait_for(&mut client, ListDecisionsRequest::default(), 5).await;

    let stats = client.get_decision_stats(GetDecisionStatsRequest::default()).await.unwrap().into_inner();
    assert_eq!((stats.total, stats.check_post, stats.anonymise), (5, 4, 1));
    let verdicts: Vec<(i32, u64)> = stats.verdicts.iter().map(|v| (v.verdict, v.count)).collect();
    assert_eq!(verdicts, vec![(Verdict::Allow as i32, 1), (Verdict::Block as i32, 3)]);
    assert_eq!(stats.rules.len(), 1);
    assert_eq!((stats.rules[0].rule_id.as_str(), stats.rules[0].count, stats.rules[0].findings), ("HID-01", 3, 3));
    let entities: HashMap<&str, u64> = stats.entities.iter().map(|e| (e.entity_type.as_str(), e.count)).collect();
    assert_eq!(entities["PERSON"], 3);
    assert_eq!(entities["EMAIL_ADDRESS"], 1);

    // A window in the past is empty.
    let past = GetDecisionStatsRequest {
        end_time: Some(prost_types::Timestamp::from(SystemTime::now() - Duration::from_secs(3600))),
        ..Default::default()
    };
    assert_eq!(client.get_decision_stats(past).await.unwrap().into_inner().total, 0);
}

#[tokio::test]
async fn labels_are_bounded() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut request = post("");
    request.labels = (0..33).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let status = client.check_post(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("labels: at most 32"), "{}", status.message());
    let mut request = post("");
    request.labels = HashMap::from([("post_id".to_owned(), "x".repeat(300))]);
    let status = client.check_post(request).await.unwrap_err();
    assert!(status.message().starts_with("labels[\"post_id\"]"), "{}", status.message());
}

#[tokio::test]
async fn without_a_decision_log_the_reads_are_failed_precondition() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let status = client.list_decisions(ListDecisionsRequest::default()).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(reason(&status), "DECISION_LOG_DISABLED");
}

#[tokio::test]
async fn stopping_the_server_commits_every_answered_decision() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_log(dir.path()).await;
    let mut client = server.client().await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(client.check_post(post("clinic-a")).await.unwrap().into_inner().decision_id);
    }
    server.stop().await.unwrap();

    let db = rusqlite::Connection::open(dir.path().join(riserbo::decision_log::DATABASE_FILE)).unwrap();
    let stored: i64 = db.query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 50);
    for id in &ids {
        let n: i64 = db.query_row("SELECT COUNT(*) FROM decisions WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "decision {id} missing");
    }
}

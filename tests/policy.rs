//! Policies through the real server and the real binary: tenants and clinic overlays,
//! GetPolicy and GetPolicyStatus, start-up errors, and hot reload while calls keep coming.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{TestServer, wait_for_policy_status};
use riserbo::policy::PolicyStore;
use riserbo::policy::reload::Reloader;
use riserbo::service::ServeOptions;
use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{self as pb, CheckPostRequest, GetPolicyRequest, GetPolicyStatusRequest};
use tonic::Code;
use tonic::transport::Channel;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

/// A clinic group's file: Milano treats offers as BLOCK, the group as REVIEW.
const ACME: &str = r#"
[policy]
id = "acme"
version = "1"

[allow]
staff_names = ["Chiara Marino"]

[clinic.milano.rules.ADV-02]
severity.default = "BLOCK"
message.it = "Niente offerte: lo vieta la L. 145/2018."
"#;

fn offer(tenant: &str) -> CheckPostRequest {
    CheckPostRequest {
        tenant: tenant.to_owned(),
        text: "Prima visita gratuita per tutto marzo!".to_owned(),
        account: pb::AccountKind::Practice as i32,
        channel: pb::Channel::PublicPost as i32,
        ..Default::default()
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    // Write then rename, as editors and config management do: a reader never sees half a file.
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

async fn server_for(dir: &Path) -> (TestServer, Arc<PolicyStore>) {
    let store = Arc::new(PolicyStore::load(Some(dir.to_owned())).expect("the test policies load"));
    (TestServer::start_with(store.clone(), ServeOptions::default()).await, store)
}

#[tokio::test]
async fn a_clinic_overlay_changes_a_severity_and_its_message() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", ACME);
    let (server, _) = server_for(dir.path()).await;
    let mut client = server.client().await;

    let group = client.check_post(offer("acme")).await.unwrap().into_inner();
    let milano = client.check_post(offer("acme/milano")).await.unwrap().into_inner();
    assert_eq!(group.verdict, pb::Verdict::Review as i32);
    assert_eq!(milano.verdict, pb::Verdict::Block as i32);
    let adv = milano.findings.iter().find(|f| f.rule_id == "ADV-02").unwrap();
    assert_eq!(adv.message, "Niente offerte: lo vieta la L. 145/2018.");
    let (group_ref, milano_ref) = (group.policy.unwrap(), milano.policy.unwrap());
    assert_eq!(group_ref.id, "acme");
    assert_eq!(milano_ref.id, "acme/milano");
    assert_ne!(group_ref.sha256, milano_ref.sha256, "different effective policies, different digests");

    // The default policy still serves requests without a tenant.
    let default = client.check_post(offer("")).await.unwrap().into_inner();
    assert_eq!(default.policy.unwrap().id, "riserbo-default");
}

#[tokio::test]
async fn get_policy_shows_the_effective_rules_and_status_lists_tenants() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", ACME);
    let (server, _) = server_for(dir.path()).await;
    let mut client = server.client().await;

    let policy = client.get_policy(GetPolicyRequest { tenant: "acme/milano".into() }).await.unwrap().into_inner();
    assert_eq!(policy.policy.as_ref().unwrap().id, "acme/milano");
    let adv = policy.rules.iter().find(|r| r.rule_id == "ADV-02").expect("ADV-02 listed");
    assert_eq!(adv.severities.len(), 20, "every account × channel");
    let practice_post = adv
        .severities
        .iter()
        .find(|s| s.account == pb::AccountKind::Practice as i32 && s.channel == pb::Channel::PublicPost as i32)
        .unwrap();
    assert_eq!(practice_post.severity, pb::Verdict::Block as i32);
    assert!(policy.effective_toml.contains("Chiara Marino"), "the group's allow-list is in the effective policy");
    assert!(policy.rules.len() >= 30);
    assert_eq!(policy.revision, 1);

    let status = client.get_policy_status(GetPolicyStatusRequest {}).await.unwrap().into_inner();
    let tenants: Vec<&str> = status.tenants.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(tenants, ["", "acme", "acme/milano"]);
    assert_eq!(status.revision, 1);
    assert!(status.last_reload_error.is_empty());
    assert_eq!(status.files_sha256.len(), 64);

    let missing = client.get_policy(GetPolicyRequest { tenant: "nobody".into() }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn captions_are_checked_and_their_spans_name_the_field() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let request = CheckPostRequest {
        text: "Che risultato dopo lo sbiancamento!".into(),
        account: pb::AccountKind::Practice as i32,
        channel: pb::Channel::PublicPost as i32,
        attachments: vec![pb::Attachment {
            kind: pb::AttachmentKind::Photo as i32,
            caption: String::new(),
            alt_text: "Sorriso della sig.ra Zoë Brambilla".into(),
        }],
        ..Default::default()
    };
    let response = client.check_post(request).await.unwrap().into_inner();
    assert_eq!(response.verdict, pb::Verdict::Block as i32);
    let hid = response.findings.iter().find(|f| f.rule_id == "HID-01").expect("HID-01");
    let name = hid.spans.iter().find(|s| s.entity_type == "PERSON").unwrap();
    assert_eq!(name.field, "attachments[0].alt_text");
    let alt = "Sorriso della sig.ra Zoë Brambilla";
    assert_eq!(&alt[name.start as usize..name.end as usize], "Zoë Brambilla");
    assert_eq!(name.end_utf16 - name.start_utf16, 13);
    let treatment = hid.spans.iter().find(|s| s.entity_type == "TREATMENT").unwrap();
    assert_eq!(treatment.field, "", "spans in the text have no field");
    assert_eq!(response.anonymised_text, "Che risultato dopo lo sbiancamento!");
}

/// Calls CheckPost in a loop until stopped; counts answers and failures.
struct Caller {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Caller {
    fn start(mut client: PolicyServiceClient<Channel>, tenant: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let (s, a, f) = (stop.clone(), answered.clone(), failed.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                match client.check_post(offer(tenant)).await {
                    Ok(_) => a.fetch_add(1, Ordering::Relaxed),
                    Err(_) => f.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
        Self { stop, answered, failed, task }
    }

    async fn finish(self) -> (usize, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
        (self.answered.load(Ordering::Relaxed), self.failed.load(Ordering::Relaxed))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_reload_keeps_the_old_policy_serving_and_a_good_one_shows_in_the_next_answer() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", ACME);
    let (server, store) = server_for(dir.path()).await;
    Reloader::new(store, dir.path().to_owned()).spawn(true).unwrap();
    let mut client = server.client().await;
    let caller = Caller::start(server.client().await, "acme/milano");
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A typo in the severity: the reload fails, the error is visible, version 1 keeps serving.
    write(
        dir.path(),
        "acme.toml",
        &ACME.replace("version = \"1\"", "version = \"2\"").replace("\"BLOCK\"", "\"BLOKC\""),
    );
    let status = wait_for_policy_status(&mut client, |s| s.failed_reloads >= 1).await;
    assert!(status.last_reload_error.contains("acme.toml:"), "{}", status.last_reload_error);
    assert!(status.last_reload_error.contains("BLOKC"), "{}", status.last_reload_error);
    assert_eq!(status.revision, 1);
    let answer = client.check_post(offer("acme/milano")).await.unwrap().into_inner();
    assert_eq!(answer.policy.unwrap().version, "1");
    assert_eq!(answer.verdict, pb::Verdict::Block as i32);

    // Fixed: the reload succeeds and the very next answer carries the new PolicyRef.
    write(
        dir.path(),
        "acme.toml",
        &ACME.replace("version = \"1\"", "version = \"2\"").replace("\"BLOCK\"", "\"WARN\""),
    );
    let status = wait_for_policy_status(&mut client, |s| s.revision >= 2).await;
    assert!(status.last_reload_error.is_empty());
    let answer = client.check_post(offer("acme/milano")).await.unwrap().into_inner();
    let policy = answer.policy.unwrap();
    assert_eq!(policy.version, "2");
    assert_eq!(answer.verdict, pb::Verdict::Warn as i32);

    let (answered, failed) = caller.finish().await;
    assert_eq!(failed, 0, "calls failed during the reloads");
    assert!(answered > 10, "only {answered} calls answered");
}

/// The binary: an invalid policy stops start-up with file:line; SIGHUP reloads.
#[test]
fn serve_refuses_a_bad_policy_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", &ACME.replace("[clinic.milano.rules.ADV-02]", "[clinic.milano.rules.ADV-99]"));
    let out =
        Command::new(BIN).args(["serve", "--listen", "127.0.0.1:0", "--policy"]).arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = dir.path().join("acme.toml");
    assert!(stderr.contains(&format!("{}:9:", file.display())), "{stderr}");
    assert!(stderr.contains("clinic.milano.rules.ADV-99"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_policy_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", ACME);
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--policy-watch", "false", "--policy"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve exited before serving").unwrap();
        let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if event["message"] == "serving" {
            break event["addr"].as_str().unwrap().to_owned();
        }
    };
    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut client = PolicyServiceClient::new(channel);

    write(dir.path(), "acme.toml", &ACME.replace("version = \"1\"", "version = \"7\""));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answer = client.check_post(offer("acme")).await.unwrap().into_inner();
    assert_eq!(answer.policy.unwrap().version, "1", "no file watch: nothing changes before SIGHUP");

    assert!(Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap().success());
    wait_for_policy_status(&mut client, |s| s.revision >= 2).await;
    let answer = client.check_post(offer("acme")).await.unwrap().into_inner();
    assert_eq!(answer.policy.unwrap().version, "7");

    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
}

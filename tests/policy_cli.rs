//! `riserbo policy lint`, `riserbo policy test` and `riserbo eval` as a compliance officer
//! runs them: readable reports and exit codes that scripts can rely on.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_riserbo");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("run riserbo");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

const ACME: &str = "[policy]\nid = \"acme\"\nversion = \"4\"\n\n[rules.ADV-02]\nseverity.default = \"BLOCK\"\n\n[clinic.roma.rules.ADV-02]\nenabled = false\n";

#[test]
fn lint_lists_every_tenant_or_fails_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.toml"), ACME).unwrap();
    let (code, out, _) = run(&["policy", "lint", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(default)") && out.contains("acme/roma") && out.contains("33/34 rules enabled"), "{out}");

    std::fs::write(dir.path().join("acme.toml"), ACME.replace("\"BLOCK\"", "\"BLOK\"")).unwrap();
    let (code, _, err) = run(&["policy", "lint", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("acme.toml:6:") && err.contains("rules.ADV-02.severity.default"), "{err}");
}

#[test]
fn policy_tests_pass_and_fail_with_a_readable_report() {
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(policies.path().join("acme.toml"), ACME).unwrap();
    let tests = tempfile::tempdir().unwrap();
    let suite = r#"
tenant = "acme"

[[test]]
name = "offers are blocked for acme"
text = "Prima visita gratuita!"
account = "PRACTICE"
channel = "PUBLIC_POST"
verdict = "BLOCK"
rules = ["ADV-02"]

[[test]]
name = "Rome switched the rule off"
tenant = "acme/roma"
text = "Prima visita gratuita!"
account = "PRACTICE"
channel = "PUBLIC_POST"
verdict = "ALLOW"
"#;
    std::fs::write(tests.path().join("acme_test.toml"), suite).unwrap();
    let (code, out, err) = run(&[
        "policy",
        "test",
        tests.path().to_str().unwrap(),
        "--policy",
        policies.path().to_str().unwrap(),
        "--verbose",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS") && out.trim_end().ends_with("2 passed, 0 failed"), "{out}");

    // Against the default policy the first test fails: ADV-02 is REVIEW there, and there is
    // no tenant "acme".
    let (code, out, _) = run(&["policy", "test", tests.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL") && out.contains("unknown tenant \"acme\""), "{out}");
    assert!(out.trim_end().ends_with("0 passed, 2 failed"), "{out}");
}

#[test]
fn eval_prints_a_table_and_checks_the_criteria() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("set.jsonl");
    let posts = [
        r#"{"id":"a","lang":"en","account":"PERSONAL","channel":"PUBLIC_POST","text":"Placed two implants for Mr. David Clarke today.","min":"BLOCK","categories":["HEALTH_INFORMATION"],"pii":["David Clarke"]}"#,
        r#"{"id":"b","lang":"it","account":"PRACTICE","channel":"PUBLIC_POST","text":"Cinque consigli per un alito fresco.","max":"WARN","keep":["alito fresco"]}"#,
    ];
    std::fs::write(&path, posts.join("\n")).unwrap();
    let (code, out, err) = run(&["eval", path.to_str().unwrap(), "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("HEALTH_INFORMATION"), "{out}");
    assert!(out.contains("min: verdict and category reached") && out.contains("100.0%"), "{out}");

    // A set the policy cannot satisfy fails --check.
    let failing = r#"{"id":"c","lang":"en","text":"Flossing once a day removes plaque.","min":"BLOCK","categories":["PATIENT_IDENTIFIER"]}"#;
    std::fs::write(&path, failing).unwrap();
    let (code, out, _) = run(&["eval", path.to_str().unwrap(), "--check"]);
    assert_eq!(code, 1);
    assert!(out.contains("c          min BLOCK, got ALLOW"), "{out}");
}

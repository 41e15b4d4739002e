//! Inputs an attacker would choose (SECURITY.md): texts at the size limit built to make a
//! scanner backtrack or a recogniser go quadratic, and a tenant policy carrying a classic
//! catastrophic-backtracking pattern. Every check must finish in bounded time: the regex
//! engine is linear-time (no backtracking), lexicons are one Aho-Corasick pass, and
//! recognisers must not rescan the text per candidate.

use std::time::{Duration, Instant};

use riserbo::Limits;
use riserbo::engine::context::PostContext;
use riserbo::policy::{default_policy, load_str};

/// Generous for an unoptimised test build of the crate on a shared 2-core machine; a
/// quadratic blow-up at 64 KiB takes minutes, not seconds.
const BOUND: Duration = Duration::from_secs(10);

fn at_limit(unit: &str) -> String {
    let limit = Limits::default().max_text_bytes;
    let mut text = unit.repeat(limit / unit.len());
    while text.len() > limit {
        text.pop();
    }
    text
}

#[test]
fn texts_built_to_be_slow_are_checked_in_bounded_time() {
    let policy = default_policy();
    let context = PostContext::default();
    let limits = Limits::default();
    let inputs = [
        ("one long word", at_limit("a")),
        ("digits", at_limit("3")),
        ("digit groups", at_limit("+39 328 ")),
        ("capitalised names", at_limit("Maria Rossi ")),
        ("titles and names", at_limit("sig.ra Lucia ")),
        ("e-mail fragments", at_limit("a@b.")),
        ("dots", at_limit(".")),
        ("at signs and handles", at_limit("@x ")),
        ("almost fiscal codes", at_limit("RSSMRA80A01H50 ")),
        ("almost IBANs", at_limit("IT60X05428111010000001234 ")),
        ("health words", at_limit("impianto carie ")),
        ("emoji", at_limit("😀")),
        ("combining marks", at_limit("e\u{301}")),
        ("labels without numbers", at_limit("codice fiscale tessera sanitaria NHS ")),
        ("dates", at_limit("3 aprile 1950 ")),
    ];
    for (what, text) in inputs {
        let started = Instant::now();
        let report = policy.check(&text, &context, &limits);
        let elapsed = started.elapsed();
        assert!(report.is_ok(), "{what}: {:?}", report.err());
        assert!(elapsed < BOUND, "{what}: {} bytes took {elapsed:?}", text.len());
    }
}

#[test]
fn a_tenant_pattern_with_catastrophic_backtracking_runs_in_linear_time() {
    // `(a+)+$` and `(a|aa)*c` take exponential time in a backtracking engine on "aaaa…b".
    let policy = load_str(
        r#"
[policy]
id = "redos"
version = "1"

[patterns]
price = ['(a+)+$', '(a|aa)*c']
"#,
        "redos.toml",
    )
    .expect("the policy compiles");
    let text = format!("{}b", "a".repeat(65_000));
    let started = Instant::now();
    policy.check(&text, &PostContext::default(), &Limits::default()).unwrap();
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
}

/// Inputs the fuzzers found (fuzz/README.md), kept so they stay fixed: a link-like token
/// whose prefix length fell inside a multi-byte character panicked on a str slice.
#[test]
fn inputs_the_fuzzers_found_are_checked_without_panicking() {
    let policy = default_policy();
    let limits = Limits::default();
    for text in [
        "Oggi la sig.ra Zoë \u{0}www.M\u{fffd}",
        "www.M€",
        "WWW.é",
        "http:/é",
        "https:/€x",
        "@é www.ü",
        "-2\n8\npostcode'Jf=Jn",
    ] {
        let report = policy.check(text, &PostContext::default(), &limits);
        assert!(report.is_ok(), "{text:?}: {:?}", report.err());
    }
}

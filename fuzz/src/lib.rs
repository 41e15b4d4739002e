//! What the fuzz targets share: the compiled default policy (compiled once per process, as
//! the server does), a key ring so the keyed operators run, and the invariants every answer
//! must keep whatever the input. A violated invariant panics, and libFuzzer keeps the input.

use std::sync::LazyLock;

use riserbo::anonymise::Keyring;
use riserbo::engine::text::Utf16Index;
use riserbo::error::Limits;
use riserbo::policy::{CompiledPolicy, default_policy};
use riserbo::service::convert;
use riserbo::service::proto as pb;

/// The embedded default policy, as `riserbo serve` runs it with no configuration.
pub static POLICY: LazyLock<CompiledPolicy> = LazyLock::new(default_policy);

/// The service's default limits (64 KiB texts).
pub const LIMITS: Limits = Limits { max_text_bytes: 64 * 1024 };

/// Tenant `""` with two keys (one current, one older), so `hash`, `pseudonymise` and
/// `encrypt` with and without a key id all run. A fixed, public fuzzing secret.
pub static KEYS: LazyLock<Keyring> = LazyLock::new(|| {
    let toml = r#"
        [[tenant]]
        name = ""
        current = "fuzz-2"
        [[tenant.key]]
        id = "fuzz-1"
        secret = "ZnV6ei1rZXktb25lLW5vdC1hLXNlY3JldC0wMDAwMDE="
        [[tenant.key]]
        id = "fuzz-2"
        secret = "ZnV6ei1rZXktdHdvLW5vdC1hLXNlY3JldC0wMDAwMDI="
    "#;
    Keyring::from_toml(toml, "fuzz-keys", |_| None).expect("the fuzz key ring parses")
});

/// Compiles the policy and derives the keys before the first input, outside libFuzzer's
/// per-input timeout (compiling the default policy takes about a second).
pub fn init() {
    LazyLock::force(&POLICY);
    LazyLock::force(&KEYS);
}

/// CheckPost on one request, through the same conversion and policy call as the handler,
/// then the response conversion (UTF-16 offsets). Checks what any answer must satisfy.
pub fn check_request(request: pb::CheckPostRequest) {
    let Ok(call) = convert::CheckCall::try_from(request) else { return };
    let Ok(report) = POLICY.check(&call.text, &call.context, &LIMITS) else { return };
    let verdict = report.verdict;
    assert_eq!(verdict, riserbo::engine::verdict::verdict_of(&report.findings), "verdict is the most severe finding");
    assert!((0.0..=1.0).contains(&report.reidentification_risk), "risk in [0, 1]");
    let response = convert::check_response(&call.text, report, &POLICY.reference, String::new());
    for finding in &response.findings {
        for span in &finding.spans {
            assert!(span.start <= span.end && span.start_utf16 <= span.end_utf16, "span ordered");
        }
    }
}

/// Anonymise on one request, through the handler's conversion and the policy. Checks that
/// every reported item lies on character boundaries of the input and output.
pub fn anonymise_request(request: pb::AnonymiseRequest) {
    let Ok(call) = convert::AnonymiseCall::try_from(request) else { return };
    let keys = KEYS.context(&call.tenant);
    let Ok(report) = POLICY.anonymise(&call.text, &call.input, &LIMITS, &keys) else { return };
    let output = &report.anonymised.text;
    for item in &report.anonymised.items {
        let (o, a) = (item.original, item.anonymised);
        assert!(o.start <= o.end && o.end <= call.text.len(), "original span inside the input");
        assert!(call.text.is_char_boundary(o.start) && call.text.is_char_boundary(o.end), "original span on chars");
        assert!(a.start <= a.end && a.end <= output.len(), "anonymised span inside the output");
        assert!(output.is_char_boundary(a.start) && output.is_char_boundary(a.end), "anonymised span on chars");
    }
    let original = Utf16Index::new(&call.text);
    let out = Utf16Index::new(output);
    for item in &report.anonymised.items {
        let _ = convert::anonymised_item(&original, &out, item);
    }
}

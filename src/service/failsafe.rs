//! Fail-safe at the boundary between the service and the engine. A check that errors or
//! panics must not end in ALLOW, nor in an error a client might retry past or treat as "no
//! objection": CheckPost answers REVIEW with one [`FAILSAFE_RULE`] finding saying the text
//! could not be checked, and the failure is counted (`riserbo.engine.failures`). Only the
//! request's own mistakes (empty or oversized text: `Error::Request`) stay errors.
//!
//! Panics are caught here with `catch_unwind`, so the release profile must keep
//! `panic = "unwind"`. Nothing from the panic (its message can quote the text a slice
//! failed on) reaches the answer, the log or the metrics: [`install_panic_hook`] replaces
//! the default hook, which would print it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::engine::context::Language;
use crate::engine::verdict::{Category, Finding, Guideline, Verdict};
use crate::error::Error;
use crate::policy::CheckReport;

/// The rule id of the finding a fail-safe answer carries.
pub const FAILSAFE_RULE: &str = "RISERBO-FAILSAFE";

/// Why the engine produced no answer. `kind()` is the metric attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineFault {
    /// The engine panicked.
    Panicked,
    /// The engine returned an error that is not the request's fault (e.g. the rewrite of
    /// the safer text failed). The error's message names no text.
    Failed(String),
}

impl EngineFault {
    pub fn kind(&self) -> &'static str {
        match self {
            EngineFault::Panicked => "panic",
            EngineFault::Failed(_) => "error",
        }
    }
}

/// What a guarded engine call ended in.
#[derive(Debug)]
pub enum Guarded<T> {
    /// The engine answered.
    Answered(T),
    /// The request is at fault (INVALID_ARGUMENT and the like): not an engine failure.
    Refused(Error),
    /// The engine failed; answer fail-safe.
    Fault(EngineFault),
}

/// Runs one engine call, catching its panics and sorting its errors. `engine` gets the
/// request's text only through its own captures, so nothing here can log it.
pub fn guard<T>(engine: impl FnOnce() -> Result<T, Error>) -> Guarded<T> {
    // The engine's state is immutable (an `Arc<CompiledPolicy>`) and request-local values
    // are dropped with the unwinding call: nothing half-updated is observed afterwards.
    match catch_panic(engine) {
        Ok(Ok(value)) => Guarded::Answered(value),
        Ok(Err(error @ Error::Request(_))) => Guarded::Refused(error),
        Ok(Err(error)) => Guarded::Fault(EngineFault::Failed(error.to_string())),
        Err(fault) => Guarded::Fault(fault),
    }
}

/// Runs one engine call, turning a panic into [`EngineFault::Panicked`] (the payload is
/// dropped unread). For calls whose errors are all meaningful to the client (Anonymise).
pub fn catch_panic<T>(engine: impl FnOnce() -> T) -> Result<T, EngineFault> {
    catch_unwind(AssertUnwindSafe(engine)).map_err(|_payload| EngineFault::Panicked)
}

/// The fail-safe CheckPost report: REVIEW, one finding that says the check could not run, no
/// rewrite (an unchecked text is not a safe starting point) and the highest risk (unknown
/// is treated as identifiable). The category is PATIENT_IDENTIFIER for the same reason.
pub fn review_report(locale: Option<Language>, language: Option<Language>) -> CheckReport {
    let locale = locale.or(language).unwrap_or_default();
    let (message, suggestion) = match locale {
        Language::Italian => (
            "Il controllo non è stato completato per un errore interno: il testo non è stato \
             verificato e deve essere rivisto da una persona prima della pubblicazione.",
            "Fai rivedere il testo a un responsabile, oppure riprova più tardi.",
        ),
        Language::English => (
            "The check could not be completed because of an internal error: the text was not \
             verified and a person must review it before it goes out.",
            "Have the text reviewed by a responsible person, or try again later.",
        ),
    };
    let finding = Finding {
        rule_id: FAILSAFE_RULE.to_owned(),
        category: Category::PatientIdentifier,
        severity: Verdict::Review,
        message: message.to_owned(),
        suggestion: suggestion.to_owned(),
        guideline: Guideline {
            code: "GDPR art. 32".to_owned(),
            title: "GDPR art. 32: security of processing; a text that could not be checked is held for review"
                .to_owned(),
            url: "https://eur-lex.europa.eu/eli/reg/2016/679/oj".to_owned(),
        },
        spans: Vec::new(),
        explanation: String::new(),
    };
    CheckReport {
        verdict: Verdict::Review,
        findings: vec![finding],
        anonymised_text: String::new(),
        reidentification_risk: 1.0,
        language: language.unwrap_or(locale),
        locale,
        entity_counts: Vec::new(),
        fields: Vec::new(),
    }
}

/// Replaces the default panic hook (which prints the panic's message, and a message can
/// quote request text) with one that logs only where the panic happened. Installed by
/// `riserbo serve`; tests keep the default hook.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(location = %location, "panic (message withheld: it may quote request text)");
    }));
}

/// Test-only fault injection: a text containing this marker makes the guarded check panic.
/// Compiled into unit-test builds of the library only (`cfg(test)`), never into the binary
/// or the library other crates link.
#[cfg(test)]
pub(crate) const INJECT_PANIC: &str = "\u{0}riserbo-test-inject-panic\u{0}";

/// Panics when `text` carries [`INJECT_PANIC`] (unit-test builds only).
#[inline]
pub(crate) fn inject_fault(text: &str) {
    #[cfg(test)]
    if text.contains(INJECT_PANIC) {
        panic!("injected engine fault");
    }
    #[cfg(not(test))]
    let _ = text;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymise::AnonymiseError;
    use crate::error::RequestError;

    #[test]
    fn a_panic_is_a_fault_not_an_unwind() {
        let outcome: Guarded<()> = guard(|| panic!("boom at Lucia Fontana"));
        assert!(matches!(outcome, Guarded::Fault(EngineFault::Panicked)));
    }

    #[test]
    fn request_errors_stay_errors_and_other_errors_are_faults() {
        let refused: Guarded<()> = guard(|| Err(RequestError::Empty { field: "text" }.into()));
        assert!(matches!(refused, Guarded::Refused(Error::Request(_))));
        let failed: Guarded<()> = guard(|| Err(AnonymiseError::DeanonymiseDisabled.into()));
        assert!(matches!(failed, Guarded::Fault(EngineFault::Failed(_))));
        assert!(matches!(guard(|| Ok(7)), Guarded::Answered(7)));
    }

    #[test]
    fn the_failsafe_report_is_review_never_allow_and_carries_no_text() {
        for (locale, language) in [(None, None), (Some(Language::Italian), None), (None, Some(Language::English))] {
            let report = review_report(locale, language);
            assert_eq!(report.verdict, Verdict::Review);
            assert_eq!(report.findings.len(), 1);
            assert_eq!(report.findings[0].rule_id, FAILSAFE_RULE);
            assert_eq!(report.findings[0].severity, Verdict::Review);
            assert!(report.findings[0].spans.is_empty());
            assert!(report.anonymised_text.is_empty());
        }
        assert!(review_report(Some(Language::Italian), None).findings[0].message.starts_with("Il controllo"));
    }

    /// The real server and a real gRPC client: an engine panic (injected, test builds only)
    /// answers REVIEW with the fail-safe finding and no text, in CheckPost and in
    /// CheckPostStream; Anonymise answers INTERNAL; each failure is counted; the server
    /// keeps answering.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_engine_panic_answers_review_through_the_real_server_and_is_counted() {
        use opentelemetry::metrics::MeterProvider as _;
        use opentelemetry_sdk::metrics::SdkMeterProvider;

        use crate::policy::PolicyStore;
        use crate::service::proto as pb;
        use crate::service::proto::policy_service_client::PolicyServiceClient;
        use crate::service::{ServeOptions, serve};
        use crate::telemetry::Metrics;

        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter().with_registry(registry.clone()).build().unwrap();
        let provider = SdkMeterProvider::builder().with_reader(exporter).build();
        let options = ServeOptions { metrics: Metrics::new(&provider.meter("riserbo")), ..ServeOptions::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, std::sync::Arc::new(PolicyStore::with_default()), options, async {
            let _ = stopped.await;
        }));
        let mut client = PolicyServiceClient::connect(format!("http://{addr}")).await.unwrap();

        let text = format!("Oggi la sig.ra Lucia Fontana ha fatto l'impianto {INJECT_PANIC}");
        let request = pb::CheckPostRequest { text: text.clone(), locale: "it".into(), ..Default::default() };
        let answer = client.check_post(request.clone()).await.expect("a fail-safe answer, not an error").into_inner();
        assert_eq!(answer.verdict, pb::Verdict::Review as i32);
        assert_eq!(answer.findings.len(), 1);
        let finding = &answer.findings[0];
        assert_eq!(finding.rule_id, FAILSAFE_RULE);
        assert_eq!(finding.severity, pb::Verdict::Review as i32);
        assert!(finding.message.starts_with("Il controllo non è stato completato"), "{}", finding.message);
        assert!(answer.anonymised_text.is_empty());
        assert!(!answer.decision_id.is_empty());
        let encoded = format!("{answer:?}");
        assert!(!encoded.contains("Lucia") && !encoded.contains("Fontana"), "no patient text: {encoded}");

        let posts = tokio_stream::iter(vec![pb::CheckPostStreamRequest { id: "p".into(), post: Some(request) }]);
        let mut answers = client.check_post_stream(posts).await.unwrap().into_inner();
        let streamed = answers.message().await.unwrap().expect("one answer");
        match streamed.outcome {
            Some(pb::check_post_stream_response::Outcome::Result(r)) => {
                assert_eq!(r.verdict, pb::Verdict::Review as i32);
                assert_eq!(r.findings[0].rule_id, FAILSAFE_RULE);
            }
            other => panic!("expected a fail-safe result, got {other:?}"),
        }

        let anonymise = pb::AnonymiseRequest { text: text.clone(), ..Default::default() };
        let status = client.anonymise(anonymise).await.expect_err("Anonymise cannot answer fail-safe");
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("Lucia"));

        // The server is not poisoned: the same text without the fault is checked normally.
        let healthy = pb::CheckPostRequest {
            text: "Oggi la sig.ra Lucia Fontana ha fatto l'impianto".into(),
            ..Default::default()
        };
        let answer = client.check_post(healthy).await.unwrap().into_inner();
        assert_eq!(answer.verdict, pb::Verdict::Block as i32);

        let mut scraped = Vec::new();
        prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &registry.gather(), &mut scraped).unwrap();
        let scraped = String::from_utf8(scraped).unwrap();
        let counted = |method: &str| {
            scraped
                .lines()
                .find(|l| {
                    l.starts_with("riserbo_engine_failures_total{") && l.contains(&format!("rpc_method=\"{method}\""))
                })
                .and_then(|l| l.rsplit(' ').next())
                .map(|n| n.parse::<f64>().unwrap())
        };
        assert_eq!(counted("CheckPost"), Some(2.0), "{scraped}");
        assert_eq!(counted("Anonymise"), Some(1.0), "{scraped}");
        assert!(scraped.contains("kind=\"panic\""), "{scraped}");

        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}

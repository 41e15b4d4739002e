//! The one table from library errors and layer refusals to gRPC statuses. Messages name the
//! field at fault and never contain request text. Every status carries a `google.rpc.ErrorInfo`
//! detail whose `reason` (below) a client can switch on; field errors also carry a
//! `BadRequest`, retryable refusals a `RetryInfo` and rate limits a `QuotaFailure`.

use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::anonymise::AnonymiseError;
use crate::decision_log::DecisionLogError;
use crate::error::{Error, RequestError};
use crate::policy::PolicyError;

/// The `ErrorInfo.domain` of every Riserbo error.
pub const DOMAIN: &str = "riserbo";

/// `ErrorInfo.reason` values: stable, UPPER_SNAKE_CASE, one per kind of failure.
pub mod reason {
    pub const EMPTY_FIELD: &str = "EMPTY_FIELD";
    pub const FIELD_TOO_LONG: &str = "FIELD_TOO_LONG";
    pub const INVALID_FIELD: &str = "INVALID_FIELD";
    pub const UNKNOWN_TENANT: &str = "UNKNOWN_TENANT";
    pub const POLICY_UNAVAILABLE: &str = "POLICY_UNAVAILABLE";
    pub const MISSING_KEY: &str = "MISSING_KEY";
    pub const UNKNOWN_KEY_ID: &str = "UNKNOWN_KEY_ID";
    pub const INVALID_TOKEN: &str = "INVALID_TOKEN";
    pub const DEANONYMISE_DISABLED: &str = "DEANONYMISE_DISABLED";
    pub const DECISION_LOG_DISABLED: &str = "DECISION_LOG_DISABLED";
    pub const DECISION_LOG_UNAVAILABLE: &str = "DECISION_LOG_UNAVAILABLE";
    pub const MISSING_CREDENTIALS: &str = "MISSING_CREDENTIALS";
    pub const INVALID_CREDENTIALS: &str = "INVALID_CREDENTIALS";
    pub const ROLE_NOT_GRANTED: &str = "ROLE_NOT_GRANTED";
    pub const TENANT_NOT_GRANTED: &str = "TENANT_NOT_GRANTED";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const OVERLOADED: &str = "OVERLOADED";
    pub const DEADLINE_EXCEEDED: &str = "DEADLINE_EXCEEDED";
    pub const MESSAGE_TOO_LARGE: &str = "MESSAGE_TOO_LARGE";
}

/// Why a call was refused before the domain saw it (by a tower layer or the tenant check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `authorization` metadata and no client certificate.
    MissingCredentials,
    /// Credentials that match no configured key or client.
    InvalidCredentials,
    /// The caller lacks the role this method needs.
    RoleNotGranted { role: &'static str },
    /// The caller may not act for this tenant.
    TenantNotGranted { tenant: String },
    /// The tenant used up its request rate.
    RateLimited { tenant: String, retry_after: Duration },
    /// Too many calls in flight: shed instead of queued.
    Overloaded { limit: usize, retry_after: Duration },
    /// The client's deadline (or the server's call timeout) passed.
    DeadlineExceeded { timeout: Duration },
    /// A request message over the size limit.
    MessageTooLarge { limit: usize },
}

impl Refusal {
    /// The `ErrorInfo.reason`, also the `reason` attribute of the rejection metric.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::MissingCredentials => reason::MISSING_CREDENTIALS,
            Refusal::InvalidCredentials => reason::INVALID_CREDENTIALS,
            Refusal::RoleNotGranted { .. } => reason::ROLE_NOT_GRANTED,
            Refusal::TenantNotGranted { .. } => reason::TENANT_NOT_GRANTED,
            Refusal::RateLimited { .. } => reason::RATE_LIMITED,
            Refusal::Overloaded { .. } => reason::OVERLOADED,
            Refusal::DeadlineExceeded { .. } => reason::DEADLINE_EXCEEDED,
            Refusal::MessageTooLarge { .. } => reason::MESSAGE_TOO_LARGE,
        }
    }
}

/// Maps a refusal to its status.
pub fn refusal_status(refusal: Refusal) -> Status {
    let reason = refusal.reason();
    let info = |details: &mut ErrorDetails, metadata: Vec<(String, String)>| {
        details.set_error_info(reason, DOMAIN, metadata.into_iter().collect::<std::collections::HashMap<_, _>>());
    };
    let mut details = ErrorDetails::new();
    let (code, message) = match refusal {
        Refusal::MissingCredentials => {
            info(&mut details, vec![]);
            (
                Code::Unauthenticated,
                "authorization: missing credentials (send \"authorization: Bearer <key>\" or a client certificate)"
                    .to_owned(),
            )
        }
        Refusal::InvalidCredentials => {
            info(&mut details, vec![]);
            (Code::Unauthenticated, "authorization: credentials not recognised".to_owned())
        }
        Refusal::RoleNotGranted { role } => {
            info(&mut details, vec![("role".to_owned(), role.to_owned())]);
            (Code::PermissionDenied, format!("caller lacks the {role:?} role for this method"))
        }
        Refusal::TenantNotGranted { tenant } => {
            let message = format!("tenant: caller may not act for tenant {tenant:?}");
            info(&mut details, vec![("tenant".to_owned(), tenant)]);
            (Code::PermissionDenied, message)
        }
        Refusal::RateLimited { tenant, retry_after } => {
            let message =
                format!("tenant {tenant:?} is over its request rate; retry after {} ms", retry_after.as_millis());
            details.set_retry_info(Some(retry_after));
            details.add_quota_failure_violation(format!("tenant:{tenant}"), "requests per second");
            info(&mut details, vec![("tenant".to_owned(), tenant)]);
            (Code::ResourceExhausted, message)
        }
        Refusal::Overloaded { limit, retry_after } => {
            details.set_retry_info(Some(retry_after));
            info(&mut details, vec![("max_concurrent_calls".to_owned(), limit.to_string())]);
            (
                Code::Unavailable,
                format!(
                    "server is at its limit of {limit} concurrent calls; retry after {} ms",
                    retry_after.as_millis()
                ),
            )
        }
        Refusal::DeadlineExceeded { timeout } => {
            info(&mut details, vec![("timeout_ms".to_owned(), timeout.as_millis().to_string())]);
            (Code::DeadlineExceeded, format!("deadline of {} ms exceeded", timeout.as_millis()))
        }
        Refusal::MessageTooLarge { limit } => {
            info(&mut details, vec![("limit_bytes".to_owned(), limit.to_string())]);
            (Code::ResourceExhausted, format!("request message is over the limit of {limit} bytes"))
        }
    };
    Status::with_error_details(code, message, details)
}

/// Maps an error to its status.
pub fn to_status(error: Error) -> Status {
    match error {
        Error::Request(e) => request_status(&e),
        Error::Policy(PolicyError::UnknownTenant(tenant)) => {
            let details =
                ErrorDetails::with_error_info(reason::UNKNOWN_TENANT, DOMAIN, [("tenant".to_owned(), tenant.clone())]);
            Status::with_error_details(Code::NotFound, format!("tenant: no policy for tenant {tenant:?}"), details)
        }
        // Load errors happen at start-up or reload, never while answering; if one reaches a
        // call the service is not in a state to answer.
        Error::Policy(e) => with_reason(Code::FailedPrecondition, e.to_string(), reason::POLICY_UNAVAILABLE),
        Error::Anonymise(e) => anonymise_status(e),
        Error::DecisionLog(e @ DecisionLogError::Disabled) => {
            with_reason(Code::FailedPrecondition, e.to_string(), reason::DECISION_LOG_DISABLED)
        }
        // Details of a storage failure stay in the server's log.
        Error::DecisionLog(e) => {
            tracing::error!(error = %e, "decision log query failed");
            with_reason(Code::Unavailable, "decision log unavailable".to_owned(), reason::DECISION_LOG_UNAVAILABLE)
        }
    }
}

fn anonymise_status(error: AnonymiseError) -> Status {
    let message = error.to_string();
    match error {
        AnonymiseError::InvalidOperator { field, reason } => {
            bad_request(&field, &reason, message, reason::INVALID_FIELD)
        }
        AnonymiseError::Token { .. } => {
            let description = message.strip_prefix("text: ").unwrap_or(&message).to_owned();
            bad_request("text", &description, message, reason::INVALID_TOKEN)
        }
        // The request is well-formed; the server lacks what it needs (keys, the switch).
        AnonymiseError::MissingKey { tenant, .. } => {
            let mut details = ErrorDetails::with_precondition_failure_violation(
                "KEYS",
                format!("tenant:{tenant}"),
                "no keys configured",
            );
            details.set_error_info(reason::MISSING_KEY, DOMAIN, [("tenant".to_owned(), tenant)]);
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
        AnonymiseError::UnknownKeyId { tenant, key_id, .. } => {
            let mut details = ErrorDetails::with_precondition_failure_violation(
                "KEYS",
                format!("tenant:{tenant}/key:{key_id}"),
                "no such key id",
            );
            details.set_error_info(reason::UNKNOWN_KEY_ID, DOMAIN, [("tenant".to_owned(), tenant)]);
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
        AnonymiseError::DeanonymiseDisabled => {
            with_reason(Code::FailedPrecondition, message, reason::DEANONYMISE_DISABLED)
        }
    }
}

fn with_reason(code: Code, message: String, reason: &str) -> Status {
    Status::with_error_details(code, message, ErrorDetails::with_error_info(reason, DOMAIN, []))
}

fn request_status(error: &RequestError) -> Status {
    let field = match error {
        RequestError::Empty { field } | RequestError::TooLong { field, .. } => (*field).to_owned(),
        RequestError::Invalid { field, .. } => field.clone(),
    };
    let reason = match error {
        RequestError::Empty { .. } => reason::EMPTY_FIELD,
        RequestError::TooLong { .. } => reason::FIELD_TOO_LONG,
        RequestError::Invalid { .. } => reason::INVALID_FIELD,
    };
    let message = error.to_string();
    let description = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
    bad_request(&field, &description, message, reason)
}

fn bad_request(field: &str, description: &str, message: String, reason: &str) -> Status {
    let mut details = ErrorDetails::with_bad_request_violation(field, description);
    details.set_error_info(reason, DOMAIN, [("field".to_owned(), field.to_owned())]);
    Status::with_error_details(Code::InvalidArgument, message, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_are_invalid_argument_with_the_field() {
        let status = to_status(RequestError::Empty { field: "text" }.into());
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "text: must not be empty");
        let details = status.get_error_details();
        let violation = &details.bad_request().unwrap().field_violations[0];
        assert_eq!(violation.field, "text");
        assert_eq!(details.error_info().unwrap().reason, reason::EMPTY_FIELD);
    }

    #[test]
    fn refusals_carry_reason_and_retry_advice() {
        let status = refusal_status(Refusal::Overloaded { limit: 8, retry_after: Duration::from_millis(50) });
        assert_eq!(status.code(), Code::Unavailable);
        let details = status.get_error_details();
        assert_eq!(details.error_info().unwrap().reason, reason::OVERLOADED);
        assert!(details.retry_info().unwrap().retry_delay.is_some());

        let status =
            refusal_status(Refusal::RateLimited { tenant: "clinic-a".into(), retry_after: Duration::from_secs(1) });
        assert_eq!(status.code(), Code::ResourceExhausted);
        let details = status.get_error_details();
        assert_eq!(details.quota_failure().unwrap().violations[0].subject, "tenant:clinic-a");
        assert!(details.retry_info().is_some());

        for (refusal, code) in [
            (Refusal::MissingCredentials, Code::Unauthenticated),
            (Refusal::InvalidCredentials, Code::Unauthenticated),
            (Refusal::RoleNotGranted { role: "check" }, Code::PermissionDenied),
            (Refusal::TenantNotGranted { tenant: "x".into() }, Code::PermissionDenied),
            (Refusal::DeadlineExceeded { timeout: Duration::from_millis(5) }, Code::DeadlineExceeded),
            (Refusal::MessageTooLarge { limit: 10 }, Code::ResourceExhausted),
        ] {
            let reason = refusal.reason();
            let status = refusal_status(refusal);
            assert_eq!(status.code(), code);
            assert_eq!(status.get_error_details().error_info().unwrap().reason, reason);
        }
    }

    #[test]
    fn unknown_tenant_is_not_found() {
        let status = to_status(PolicyError::UnknownTenant("acme".into()).into());
        assert_eq!(status.code(), Code::NotFound);
        assert!(status.message().starts_with("tenant:"));
    }
    #[test]
    fn key_problems_are_failed_precondition_and_bad_tokens_invalid_argument() {
        let missing = AnonymiseError::MissingKey {
            field: "operators[\"PERSON\"]".into(),
            tenant: "acme".into(),
            operator: "encrypt",
        };
        let status = to_status(missing.into());
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(status.message().starts_with("operators[\"PERSON\"]: encrypt needs a key"), "{}", status.message());
        let details = status.get_error_details();
        assert_eq!(details.precondition_failure().unwrap().violations[0].subject, "tenant:acme");
        assert_eq!(details.error_info().unwrap().reason, reason::MISSING_KEY);

        let status = to_status(AnonymiseError::DeanonymiseDisabled.into());
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(status.get_error_details().error_info().unwrap().reason, "DEANONYMISE_DISABLED");

        let token = AnonymiseError::Token {
            index: 2,
            span: crate::engine::entity::ByteSpan::new(4, 40),
            problem: crate::anonymise::TokenProblem::DoesNotAuthenticate,
        };
        let status = to_status(token.into());
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("text: token 2 at bytes 4..40: does not authenticate"));
        assert_eq!(status.get_error_details().bad_request().unwrap().field_violations[0].field, "text");
        assert_eq!(status.get_error_details().error_info().unwrap().reason, reason::INVALID_TOKEN);
    }
}

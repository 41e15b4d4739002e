//! The one table from library errors to gRPC statuses. Messages name the field at fault and
//! never contain request text; field errors also carry a `BadRequest` detail.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::anonymise::AnonymiseError;
use crate::error::{Error, RequestError};
use crate::policy::PolicyError;

/// Maps an error to its status.
pub fn to_status(error: Error) -> Status {
    match error {
        Error::Request(e) => request_status(&e),
        Error::Policy(PolicyError::UnknownTenant(tenant)) => {
            let details =
                ErrorDetails::with_error_info("UNKNOWN_TENANT", "riserbo", [("tenant".to_owned(), tenant.clone())]);
            Status::with_error_details(Code::NotFound, format!("tenant: no policy for tenant {tenant:?}"), details)
        }
        // Load errors happen at start-up or reload, never while answering; if one reaches a
        // call the service is not in a state to answer.
        Error::Policy(e) => Status::failed_precondition(e.to_string()),
        Error::Anonymise(e) => anonymise_status(e),
    }
}

fn anonymise_status(error: AnonymiseError) -> Status {
    let message = error.to_string();
    match error {
        AnonymiseError::InvalidOperator { field, reason } => bad_request(&field, &reason, message),
        AnonymiseError::Token { .. } => {
            let description = message.strip_prefix("text: ").unwrap_or(&message).to_owned();
            bad_request("text", &description, message)
        }
        // The request is well-formed; the server lacks what it needs (keys, the switch).
        AnonymiseError::MissingKey { tenant, .. } => {
            let details = ErrorDetails::with_precondition_failure_violation(
                "KEYS",
                format!("tenant:{tenant}"),
                "no keys configured",
            );
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
        AnonymiseError::UnknownKeyId { tenant, key_id, .. } => {
            let details = ErrorDetails::with_precondition_failure_violation(
                "KEYS",
                format!("tenant:{tenant}/key:{key_id}"),
                "no such key id",
            );
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
        AnonymiseError::DeanonymiseDisabled => {
            let details = ErrorDetails::with_error_info("DEANONYMISE_DISABLED", "riserbo", HashMap::new());
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
    }
}

fn request_status(error: &RequestError) -> Status {
    let field = match error {
        RequestError::Empty { field } | RequestError::TooLong { field, .. } => (*field).to_owned(),
        RequestError::Invalid { field, .. } => field.clone(),
    };
    let message = error.to_string();
    let description = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
    bad_request(&field, &description, message)
}

fn bad_request(field: &str, description: &str, message: String) -> Status {
    let details = ErrorDetails::with_bad_request_violation(field, description);
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
    }
}

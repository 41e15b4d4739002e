//! The library's error kinds. Each maps to exactly one gRPC status in
//! `service::status` and to a CLI exit message; messages name the field and never include
//! request text.

use crate::anonymise::AnonymiseError;
use crate::decision_log::DecisionLogError;
use crate::policy::PolicyError;

/// A request the domain refuses, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("{field}: must not be empty")]
    Empty { field: &'static str },
    #[error("{field}: is {len} bytes, over the limit of {limit} bytes")]
    TooLong { field: &'static str, len: usize, limit: usize },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

/// Every error a Riserbo call can end in.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Anonymise(#[from] AnonymiseError),
    #[error(transparent)]
    DecisionLog(#[from] DecisionLogError),
}

/// Limits on request input that the service configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size of a text field, in UTF-8 bytes.
    pub max_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_text_bytes: 64 * 1024 }
    }
}

impl Limits {
    /// Checks a required text field.
    pub fn check_text(&self, field: &'static str, text: &str) -> Result<(), RequestError> {
        if text.trim().is_empty() {
            return Err(RequestError::Empty { field });
        }
        if text.len() > self.max_text_bytes {
            return Err(RequestError::TooLong { field, len: text.len(), limit: self.max_text_bytes });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_name_the_field() {
        let limits = Limits { max_text_bytes: 4 };
        assert_eq!(limits.check_text("text", "  ").unwrap_err().to_string(), "text: must not be empty");
        assert_eq!(
            limits.check_text("text", "hello").unwrap_err().to_string(),
            "text: is 5 bytes, over the limit of 4 bytes"
        );
        assert!(limits.check_text("text", "ciao").is_ok());
    }
}

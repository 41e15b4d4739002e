//! Riserbo: checks clinic social-media posts and patient messages for patient privacy and
//! professional rules, and anonymises them.
//!
//! Layers (see ARCHITECTURE.md): [`engine`] (recognisers, rules, verdicts), [`anonymise`]
//! (operators) and [`policy`] (policy files, compilation, tenants) know nothing of gRPC;
//! [`service`] is the thin tonic layer; [`cli`] is the command line over the same library.

#![forbid(unsafe_code)]

pub mod anonymise;
pub mod cli;
pub mod config;
pub mod decision_log;
pub mod engine;
pub mod error;
pub mod policy;
pub mod service;
pub mod telemetry;

pub use error::{Error, Limits, RequestError};

//! The gRPC protocol layer: tonic handlers, conversion to and from protobuf, status mapping,
//! and the server wiring (health, reflection, graceful shutdown). Thin by design: the domain
//! lives in `engine`, `anonymise` and `policy`.

pub mod convert;
pub mod descriptor;
pub mod handlers;
pub mod proto;
mod server;
pub mod status;

pub use handlers::RiserboService;
pub use server::{ServeError, ServeOptions, serve, shutdown_signal};

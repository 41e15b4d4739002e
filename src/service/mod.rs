//! The gRPC protocol layer: tonic handlers, conversion to and from protobuf, status mapping,
//! the tower layers (auth, limits, telemetry) and the server wiring (health, reflection,
//! gRPC-Web, TLS, graceful shutdown). Thin by design: the domain
//! lives in `engine`, `anonymise` and `policy`.

pub mod codec;
pub mod convert;
pub mod descriptor;
pub mod failsafe;
pub mod handlers;
pub mod layers;
pub mod proto;
mod server;
pub mod status;

pub use handlers::RiserboService;
pub use server::{GrpcWebOptions, ServeError, ServeOptions, TlsOptions, serve, shutdown_signal};

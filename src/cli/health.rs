//! `riserbo health`: asks a server's `grpc.health.v1.Health` whether it is serving. The
//! container image's health check (it has no shell, curl or grpc_health_probe) and scripts
//! use it; Kubernetes probes the same service natively.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Server to ask. Defaults to the address `serve` listens on (RISERBO_LISTEN); an
    /// unspecified address (0.0.0.0, ::) is asked on loopback.
    #[arg(long, env = "RISERBO_LISTEN", default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Service to ask about; "" asks about the server as a whole.
    #[arg(long, default_value = "riserbo.v1.PolicyService")]
    service: String,
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
}

/// Exit 0 when SERVING; 1 when not serving or unreachable (the message says which).
pub(crate) fn run(args: HealthArgs) -> Result<ExitCode> {
    let addr = loopback_if_unspecified(args.addr);
    let timeout = Duration::from_millis(args.timeout_ms);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let status = runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
            .connect_timeout(timeout)
            .timeout(timeout)
            .connect()
            .await?;
        let response = HealthClient::new(channel).check(HealthCheckRequest { service: args.service.clone() }).await?;
        anyhow::Ok(response.into_inner().status())
    });
    match status {
        Ok(ServingStatus::Serving) => {
            println!("SERVING");
            Ok(ExitCode::SUCCESS)
        }
        Ok(other) => {
            println!("{}", other.as_str_name());
            Ok(ExitCode::FAILURE)
        }
        Err(error) => {
            eprintln!("riserbo health: {addr}: {error:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn loopback_if_unspecified(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listen_address_is_asked_on_loopback() {
        let ask = |s: &str| loopback_if_unspecified(s.parse().unwrap()).to_string();
        assert_eq!(ask("0.0.0.0:50051"), "127.0.0.1:50051");
        assert_eq!(ask("[::]:7000"), "[::1]:7000");
        assert_eq!(ask("10.1.2.3:50051"), "10.1.2.3:50051");
    }
}

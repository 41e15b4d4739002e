//! The soak test's load: CheckPost calls against one server on loopback, from a few
//! concurrent callers, for a bounded time and a bounded count, cycling through posts that
//! exercise every recogniser family. Prints one JSON line per second (answered, errors) and
//! a final summary line; exits 1 if any call failed. Run by `scripts/soak`.
//!
//!   cargo run --example soak_load -- ADDR SECONDS MAX_REQUESTS CONCURRENCY

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use riserbo::service::proto::policy_service_client::PolicyServiceClient;
use riserbo::service::proto::{self as pb, CheckPostRequest};

const POSTS: &[&str] = &[
    "Oggi la sig.ra Zoë Müller 😀 ha fatto l'impianto!",
    "Placed two implants for Mr. David Clarke this morning, he was a total champ!",
    "Scrivere a lucia.fontana@gmail.com o al +39 328 445 1290. CF FNTLCU64E52L378C, IBAN IT60X0542811101000000123456.",
    "Flossing once a day removes plaque your toothbrush cannot reach.",
    "Prima visita gratuita per tutto marzo! Sbiancamento garantito e indolore.",
    "Il fornaio di Gandino, 72 anni, quello coi baffi, è venuto ieri per la protesi.",
    "NHS 943 476 5919, DOB 12 March 1961, postcode SW1A 1AA: root canal on tooth 46 last Monday.",
    "Auguri a F.R., nostra paziente, nata il 3 aprile 1950 a Bergamo!",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: soak_load ADDR SECONDS MAX_REQUESTS CONCURRENCY");
        std::process::exit(2);
    }
    let addr = &args[1];
    assert!(
        addr.starts_with("127.") || addr.starts_with("localhost:") || addr.starts_with("[::1]"),
        "loopback only: {addr}"
    );
    let seconds: u64 = args[2].parse().expect("SECONDS");
    let max_requests: u64 = args[3].parse().expect("MAX_REQUESTS");
    let concurrency: usize = args[4].parse().expect("CONCURRENCY");

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect to the server");
    let answered = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut callers = Vec::new();
    for caller in 0..concurrency {
        let mut client = PolicyServiceClient::new(channel.clone());
        let (answered, errors, issued, stop) = (answered.clone(), errors.clone(), issued.clone(), stop.clone());
        callers.push(tokio::spawn(async move {
            let mut i = caller;
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                if issued.fetch_add(1, Ordering::Relaxed) >= max_requests {
                    break;
                }
                let request = CheckPostRequest {
                    text: POSTS[i % POSTS.len()].to_owned(),
                    account: pb::AccountKind::Personal as i32,
                    channel: pb::Channel::PublicPost as i32,
                    ..Default::default()
                };
                i += 1;
                match client.check_post(request).await {
                    Ok(_) => answered.fetch_add(1, Ordering::Relaxed),
                    Err(status) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("error: {:?} {}", status.code(), status.message());
                        }
                        1
                    }
                };
            }
        }));
    }
    let started = Instant::now();
    let reporter = {
        let (answered, errors, stop) = (answered.clone(), errors.clone(), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                println!(
                    "{{\"t\":{:.0},\"answered\":{},\"errors\":{}}}",
                    started.elapsed().as_secs_f64(),
                    answered.load(Ordering::Relaxed),
                    errors.load(Ordering::Relaxed)
                );
            }
        })
    };
    for caller in callers {
        caller.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    reporter.abort();
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, failed) = (answered.load(Ordering::Relaxed), errors.load(Ordering::Relaxed));
    println!(
        "{{\"summary\":true,\"seconds\":{elapsed:.1},\"answered\":{ok},\"errors\":{failed},\"per_second\":{:.0}}}",
        ok as f64 / elapsed
    );
    std::process::exit(i32::from(failed > 0));
}

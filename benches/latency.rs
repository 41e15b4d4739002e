//! Time per post, one post at a time on one thread (so MB/s here is per core), with the
//! distribution criterion does not give: p50 / p99 / p99.9 of CheckPost and Anonymise on the
//! corpus (`benches/corpus/posts.jsonl`), on 1 KB posts (corpus posts of 1 KB or more, cut to
//! 1 KB at a word boundary) and on 500-byte posts (likewise: the load test's posts).
//!
//! `cargo bench --bench latency [-- --seconds 5 --json --corpus FILE --unseen FILE]`
//! `--unseen FILE` adds rows that time each post of FILE (JSON lines with a "text") once,
//! on first sight, after one round of the corpus (see `measure_unseen`).
//! Without `--bench` (as `cargo test --all-targets` runs it) it makes one quick round.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use riserbo::Limits;
use riserbo::anonymise::keys::KeyContext;
use riserbo::engine::context::PostContext;
use riserbo::policy::{AnonymiseInput, CompiledPolicy, default_policy};

mod common;

struct Options {
    seconds: f64,
    json: bool,
    corpus: Option<PathBuf>,
    quick: bool,
    /// Print the N slowest posts of the corpus (CheckPost), to find what makes the tail.
    slowest: usize,
    /// Posts to time once each, on first sight (see [`measure_unseen`]).
    unseen: Option<PathBuf>,
}

fn options() -> Options {
    let mut o = Options { seconds: 3.0, json: false, corpus: None, quick: true, slowest: 0, unseen: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => o.quick = false,
            "--json" => o.json = true,
            "--seconds" => o.seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            "--corpus" => o.corpus = Some(args.next().expect("--corpus FILE").into()),
            "--unseen" => o.unseen = Some(args.next().expect("--unseen FILE").into()),
            "--slowest" => o.slowest = args.next().and_then(|s| s.parse().ok()).expect("--slowest N"),
            _ => {} // cargo's own flags
        }
    }
    o
}

/// Per-post timings of one operation over a set of texts.
struct Timing {
    name: String,
    posts: usize,
    bytes: u64,
    /// Nanoseconds per call, sorted.
    samples: Vec<u64>,
    total: Duration,
}

impl Timing {
    fn empty(name: &str, texts: &[String]) -> Self {
        Timing {
            name: name.to_owned(),
            posts: texts.len(),
            bytes: texts.iter().map(|t| t.len() as u64).sum(),
            samples: Vec::new(),
            total: Duration::ZERO,
        }
    }

    /// Calls `call` on each of `texts` once, recording each call's time.
    fn time_round(&mut self, texts: &[String], call: &mut impl FnMut(&str)) {
        for t in texts {
            let start = Instant::now();
            call(black_box(t));
            let elapsed = start.elapsed();
            self.total += elapsed;
            self.samples.push(elapsed.as_nanos() as u64);
        }
    }

    fn mb_per_s(&self) -> f64 {
        let rounds = self.samples.len() as f64 / self.posts as f64;
        self.bytes as f64 * rounds / self.total.as_secs_f64() / 1e6
    }

    fn mean_us(&self) -> f64 {
        self.total.as_secs_f64() * 1e6 / self.samples.len() as f64
    }

    fn p_us(&self, q: f64) -> f64 {
        common::percentile(&self.samples, q) as f64 / 1e3
    }
}

/// Each of `texts` timed once, on first sight, by a policy compiled for this measurement
/// that has read the corpus once (so its lazy automata hold what the corpus reaches, as a
/// service that has been running for a while does).
///
/// Why: the other rows replay the same posts until the time budget is spent, so every
/// lazy-DFA state the posts reach is built in the first round and the figures show only
/// the steady state of a fixed set of texts. A service sees each post once. Building states
/// costs ~40,000 instructions each, and on unseen text it was most of the time.
fn measure_unseen(name: &str, texts: &[String], corpus: &[String], mut call: impl FnMut(&str)) -> Timing {
    for t in corpus {
        call(t);
    }
    let mut timing = Timing::empty(name, texts);
    timing.time_round(texts, &mut call);
    timing.samples.sort_unstable();
    timing
}

fn measure(name: &str, texts: &[String], seconds: f64, quick: bool, mut call: impl FnMut(&str)) -> Timing {
    // Warm-up: one round (caches, allocator).
    for t in texts {
        call(t);
    }
    let mut timing = Timing::empty(name, texts);
    let budget = Duration::from_secs_f64(seconds);
    loop {
        timing.time_round(texts, &mut call);
        if quick || timing.total >= budget {
            break;
        }
    }
    timing.samples.sort_unstable();
    timing
}

#[derive(Clone, Copy)]
enum Method {
    Check,
    Anonymise,
}

fn check(policy: &CompiledPolicy) -> impl FnMut(&str) + '_ {
    let context = PostContext::default();
    let limits = Limits::default();
    move |text| {
        black_box(policy.check(text, &context, &limits).expect("within limits"));
    }
}

fn anonymise(policy: &CompiledPolicy) -> impl FnMut(&str) + '_ {
    let input = AnonymiseInput::default();
    let limits = Limits::default();
    move |text| {
        let keys = KeyContext { tenant: "", keys: None };
        black_box(policy.anonymise(text, &input, &limits, &keys).expect("anonymised"));
    }
}

/// The posts whose best-of-five CheckPost time is longest.
fn print_slowest(policy: &CompiledPolicy, posts: &[common::Post], n: usize) {
    let mut call = check(policy);
    let mut times: Vec<(Duration, &common::Post)> = posts
        .iter()
        .map(|p| {
            let best = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    call(&p.text);
                    start.elapsed()
                })
                .min()
                .unwrap_or_default();
            (best, p)
        })
        .collect();
    times.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (time, post) in times.iter().take(n) {
        println!("{:>9.1} µs  {}  {} {} bytes", time.as_secs_f64() * 1e6, post.id, post.kind, post.text.len());
    }
}

fn main() {
    let options = options();
    let posts = match &options.corpus {
        Some(path) => common::load(path),
        None => common::corpus(),
    };
    let policy = default_policy();
    let corpus: Vec<String> = posts.iter().map(|p| p.text.clone()).collect();
    let one_kb = common::posts_of_size(&posts, 1024);
    let half_kb = common::posts_of_size(&posts, 500);
    let seconds = options.seconds;
    let quick = options.quick;

    if options.slowest > 0 {
        print_slowest(&policy, &posts, options.slowest);
    }

    // The 500-byte set is what the service load test sends (`benches/loadgen.rs`), so the
    // engine's share of a call can be read off against the server's CPU per call.
    let sets = [("corpus", &corpus), ("1kb", &one_kb), ("500b", &half_kb)];
    let mut timings = Vec::new();
    for (method, call) in [("check_post", Method::Check), ("anonymise", Method::Anonymise)] {
        // A set with no posts (a `--corpus` file without long posts) has no row: timing
        // nothing would never fill the time budget.
        for (set, texts) in sets.iter().filter(|(_, texts)| !texts.is_empty()) {
            let name = format!("{method}/{set}");
            timings.push(match call {
                Method::Check => measure(&name, texts, seconds, quick, check(&policy)),
                Method::Anonymise => measure(&name, texts, seconds, quick, anonymise(&policy)),
            });
        }
    }

    if let Some(path) = &options.unseen {
        let unseen: Vec<String> = common::load(path).into_iter().map(|p| p.text).collect();
        if !unseen.is_empty() {
            // A policy of its own for each method, so neither has seen the texts.
            let fresh = default_policy();
            timings.push(measure_unseen("check_post/unseen", &unseen, &corpus, check(&fresh)));
            let fresh = default_policy();
            timings.push(measure_unseen("anonymise/unseen", &unseen, &corpus, anonymise(&fresh)));
        }
    }

    if options.json {
        let rows: Vec<serde_json::Value> = timings
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name, "posts": t.posts, "bytes": t.bytes, "calls": t.samples.len(),
                    "mb_per_s": t.mb_per_s(), "mean_us": t.mean_us(),
                    "p50_us": t.p_us(0.5), "p99_us": t.p_us(0.99), "p999_us": t.p_us(0.999),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return;
    }
    println!(
        "{:<20} {:>6} {:>9} {:>9} {:>10} {:>9} {:>9} {:>9}",
        "benchmark", "posts", "calls", "MB/s", "mean µs", "p50 µs", "p99 µs", "p99.9 µs"
    );
    for t in &timings {
        println!(
            "{:<20} {:>6} {:>9} {:>9.1} {:>10.1} {:>9.1} {:>9.1} {:>9.1}",
            t.name,
            t.posts,
            t.samples.len(),
            t.mb_per_s(),
            t.mean_us(),
            t.p_us(0.5),
            t.p_us(0.99),
            t.p_us(0.999)
        );
    }
    if quick {
        println!("(one round: run `cargo bench --bench latency` for figures)");
    }
}

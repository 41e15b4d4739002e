//! Engine throughput in MB/s on the embedded default policy, without gRPC:
//! - `check_post/*`: the whole CheckPost path of the library (limits, one shared scan, every
//!   recogniser, context, overlaps, roles, rules, verdict, risk, the anonymised rewrite);
//! - `anonymise/*`: the whole Anonymise path (recognition, the default operator, the re-check
//!   of the output);
//! - `analyze/*`: recognition only (language, scan, recognisers, context, overlaps, roles).
//!
//! Inputs, all written for Riserbo's benchmarks:
//! - `corpus`: the 240 posts of `benches/corpus/posts.jsonl` (Italian and English, 100 to
//!   3,000 characters; 64 % clean, 26 % with one name or identifier, 10 % dense), checked one
//!   by one; time per iteration / 240 is the mean time per post;
//! - `dense_8k`: 8 KiB with an identifier every ~60 bytes; `clean_8k`: 8 KiB of clinic prose.
//!
//! `cargo bench --bench engine` (figures in BENCHMARKS.md). `cargo test --all-targets` runs
//! each benchmark once, as a test.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use riserbo::Limits;
use riserbo::anonymise::keys::KeyContext;
use riserbo::engine::context::PostContext;
use riserbo::policy::{AnonymiseInput, default_policy};

mod common;

/// Sentences with identifiers (check digits computed from the published algorithms).
const DENSE: &[&str] = &[
    "La sig.ra Lucia Fontana, CF FNTLCU64E52L378C, nata il 12/05/1964, tel. +39 328 445 1290.",
    "Bonifico su IBAN IT60 X054 2811 1010 0000 0123 456 intestato allo studio, P.IVA IT 00743110157.",
    "Reminder for Olivia Bennett, NHS no. 943 476 5919, NI number AB 12 34 56 C, postcode SW1A 1AA.",
    "Scrivere a giulia.bianchi87@gmail.com o chiamare lo 02 8645 1234; tessera sanitaria 80380000120001234567.",
    "Passaporto n. YA8335453, carta d'identità CA79382RA, patente di guida U1K711J11M rilasciata a Roma.",
    "Her UK driving licence MORGA657054SM9IJ and passport number 925076473 were left at reception.",
    "Paid by card 4111 1111 1111 1111 on 3 April 2024; follow @davide_conti or www.sorriso.it/prenota.",
    "Cartella clinica n. 2024/118 del paziente Mario Gentile, codice fiscale rss mra 80a01 h501u.",
    "Text me on 07700 900456, my IP is 192.168.1.20 and my DOB is 5 September 2001.",
];

/// Ordinary posts without any identifier.
const CLEAN: &[&str] = &[
    "Cinque consigli per un alito fresco: lingua pulita, filo interdentale, acqua, niente fumo e controlli regolari.",
    "Flossing once a day removes plaque your toothbrush can't reach. Ask us to show you how at your next check-up.",
    "Siamo aperti dal lunedì al venerdì dalle 9 alle 19; il sabato mattina su appuntamento per le urgenze.",
    "Oggi parliamo di sbiancamento: quando è indicato, quanto dura e perché la sensibilità passa in pochi giorni.",
    "Our hygienists explain how gum disease starts, why it is painless at first and what a deep clean involves.",
    "Lo studio resterà chiuso per la formazione del personale; riapriremo con il solito orario la settimana dopo.",
    "Children should see a dentist when their first tooth appears, and then every six months or as advised.",
];

fn text_of(sentences: &[&str], bytes: usize) -> String {
    let mut text = String::new();
    for s in sentences.iter().cycle() {
        if text.len() + s.len() + 1 > bytes {
            break;
        }
        text.push_str(s);
        text.push(' ');
    }
    text
}

/// The inputs: (name, texts).
fn inputs() -> Vec<(&'static str, Vec<String>)> {
    let corpus: Vec<String> = common::corpus().into_iter().map(|p| p.text).collect();
    vec![("corpus", corpus), ("dense_8k", vec![text_of(DENSE, 8 * 1024)]), ("clean_8k", vec![text_of(CLEAN, 8 * 1024)])]
}

fn bytes(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn engine_throughput(c: &mut Criterion) {
    let policy = default_policy();
    let context = PostContext::default();
    let limits = Limits::default();
    let keys = KeyContext { tenant: "", keys: None };
    let anonymise = AnonymiseInput::default();
    let inputs = inputs();

    // The benchmark measures real work: the dense inputs must yield their identifiers.
    let dense = &inputs[1].1[0];
    let found = policy.engine.analyze(dense, None, None).entities.len();
    assert!(found >= 8 * DENSE.len(), "dense_8k: only {found} entities");
    let corpus_found: usize = inputs[0].1.iter().map(|t| policy.engine.analyze(t, None, None).entities.len()).sum();
    assert!(corpus_found >= 300, "corpus: only {corpus_found} entities");

    let mut group = c.benchmark_group("check_post");
    for (name, texts) in &inputs {
        group.throughput(Throughput::Bytes(bytes(texts)));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for text in texts {
                    black_box(policy.check(black_box(text), &context, &limits).expect("text within limits"));
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("anonymise");
    for (name, texts) in &inputs {
        group.throughput(Throughput::Bytes(bytes(texts)));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for text in texts {
                    black_box(policy.anonymise(black_box(text), &anonymise, &limits, &keys).expect("anonymised"));
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("analyze");
    for (name, texts) in &inputs {
        group.throughput(Throughput::Bytes(bytes(texts)));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for text in texts {
                    black_box(policy.engine.analyze(black_box(text), None, None).entities.len());
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(4));
    targets = engine_throughput
}
criterion_main!(benches);

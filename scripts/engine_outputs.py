#!/usr/bin/env python3
"""Writes every engine result a performance change must not alter, for a before/after diff.

    python3 scripts/engine_outputs.py BINARY OUTDIR     # e.g. target/release/riserbo /tmp/before
    diff -r /tmp/before /tmp/after                       # must print nothing

For each post of the benchmark corpus (benches/corpus/posts.jsonl) and of the shared dev set
(../shared/eval/posts.dev.jsonl, when present): `check --json` and `anonymise --json`, with the
language detected and with it given (so both language paths run), and `check --json` in the
post's own context (account, channel) where the dev set gives one. Then the three scoring
commands: `eval`, `eval-identifiers --clean`, `eval-names` (KIND dev splits and E3C). The
shared evaluation files are read where they lie, never copied.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent.parent / "shared" / "eval"
if not SHARED.exists():
    SHARED = ROOT.parent / "shared" / "eval"


def run(binary, args, stdin=None):
    done = subprocess.run([binary, *args], input=stdin, capture_output=True, text=True)
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def posts():
    for path in [ROOT / "benches" / "corpus" / "posts.jsonl", SHARED / "posts.dev.jsonl"]:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    yield json.loads(line)


def main():
    binary, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "posts.txt", "w") as f:
        for post in posts():
            text, lang = post["text"], post.get("language") or post.get("lang")
            f.write(f"### {post['id']}\n")
            f.write(run(binary, ["check", "--json"], text))
            f.write(run(binary, ["anonymise", "--json"], text))
            if lang:
                f.write(run(binary, ["check", "--json", "--language", lang], text))
                f.write(run(binary, ["anonymise", "--json", "--language", lang], text))
            if "account" in post:
                context = ["--account", post["account"], "--channel", post["channel"]]
                f.write(run(binary, ["check", "--json", *context], text))
    evals = {
        "eval.txt": ["eval", str(SHARED / "posts.dev.jsonl")],
        "eval-identifiers.txt": [
            "eval-identifiers",
            str(SHARED / "identifiers.jsonl"),
            "--clean",
            str(SHARED / "external" / "e3c-it" / "layer1"),
            "--verbose",
        ],
        "eval-names.txt": ["eval-names", *(str(SHARED / "external" / "kind" / f"{s}_dev.tsv") for s in ["WN", "FIC", "ADG"])],
        "eval-names-e3c.txt": ["eval-names", "--e3c", str(SHARED / "external" / "e3c-it" / "layer1")],
    }
    for name, args in evals.items():
        (out / name).write_text(run(binary, args))


if __name__ == "__main__":
    main()

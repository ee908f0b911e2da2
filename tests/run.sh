#!/usr/bin/env bash
# Runs every test of the workspace against a private moto_server on a free loopback port,
# and stops it afterwards. With BENCH=1, runs the benchmarks instead of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import moto.moto_server.werkzeug_app' 2>/dev/null || { echo "moto[server] is missing: run 'make test', which installs it" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp -t moto-test.XXXXXX)
# moto's own server, one request at a time (see tests/moto_serial.py).
python3 tests/moto_serial.py -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 150); do
  if python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
PY
  if ! kill -0 "$moto_pid" 2>/dev/null; then echo "moto_server exited:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE || true
echo "moto_server on $AWS_ENDPOINT_URL"

if [[ "${BENCH:-}" != 1 ]]; then
  # The house rules: formatted, and no clippy warning anywhere (tests and benches included).
  cargo fmt --all --check || { echo "cargo fmt --check failed: run 'cargo fmt --all'" >&2; exit 1; }
  cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
fi

if [[ "${BENCH:-}" == 1 ]]; then
  # BENCHES="bench-sweep" runs one of them.
  for bench in ${BENCHES:-bench-auth bench-vacancies bench-sweep}; do
    cargo run --release --locked -p integration --bin "$bench"
  done
else
  out=$(mktemp -t cargo-test.XXXXXX)
  trap 'cleanup; rm -f "$out"' EXIT
  set +e
  cargo test --workspace --locked --all-targets --no-fail-fast 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  set -e
  # One closing line for the whole workspace (cargo prints one per test binary).
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
       END { printf "workspace: %d passed, %d failed\n", p, f }' "$out"
  exit "$status"
fi

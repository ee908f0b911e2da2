#!/usr/bin/env bash
# Runs every test of the workspace against private moto_servers on free loopback ports (one for
# the Rust tests, one for the Terraform apply), and stops them afterwards. With BENCH=1, runs
# the benchmarks instead of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import moto.moto_server.werkzeug_app' 2>/dev/null || { echo "moto[server] is missing: run 'make test', which installs it" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
moto_pids=()
logs=()
cleanup() {
  for pid in "${moto_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${moto_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "${logs[@]}"
}
trap cleanup EXIT

# Starts moto's own server, one request at a time (see tests/moto_serial.py), on port $1.
start_moto() {
  local port=$1 log
  log=$(mktemp -t moto-test.XXXXXX)
  logs+=("$log")
  # Without moto's blanket CORS: the bucket answers browsers by its own CORS rule, as S3 does.
  MOTO_DISABLE_GLOBAL_CORS=1 python3 tests/moto_serial.py -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  local pid=$!
  moto_pids+=("$pid")
  for _ in $(seq 1 150); do
    if python3 - "$port" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
PY
    if ! kill -0 "$pid" 2>/dev/null; then echo "moto_server exited:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.2
  done
  echo "moto_server did not start on port $port" >&2
  exit 1
}

port=$(free_port)
start_moto "$port"
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
  # Every bench's output goes into one report, bench/results/<date>.md (with BENCHES="bench-sweep"
  # only that one runs, into bench/results/<date>-bench-sweep.md). A failed bench is reported
  # and the others still run; the exit status says whether any failed.
  benches=${BENCHES:-bench-auth bench-vacancies bench-sweep bench-cost bench-coldstart}
  day=$(date +%F)
  report=bench/results/$day.md
  [[ -z "${BENCHES:-}" ]] || report=bench/results/$day-${benches// /-}.md
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)
  printf '# Benchmarks — %s\n\nMachine: %s cores, %s, %s GiB. Rerun with `make bench`.\n' \
    "$day" "$(nproc)" "${cpu:-unknown CPU}" "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)" > "$report.partial"
  failed=()
  for bench in $benches; do
    # Each bench on an empty moto: moto copies every table it holds inside each transaction,
    # so one bench's 100 000 items would slow the next (and, kept, outgrow the memory).
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/moto-api/reset", method="POST"), timeout=60)' "$AWS_ENDPOINT_URL"
    printf '\n## %s\n\n' "$bench" >> "$report.partial"
    # bench-cost and bench-coldstart write Markdown; the others plain lines, fenced.
    fence=''
    [[ $bench == bench-cost || $bench == bench-coldstart ]] || fence='```'
    [[ -z $fence ]] || echo "$fence" >> "$report.partial"
    # The consumers' own metric lines (CloudWatch EMF, JSON on stdout as Lambda wants) stay out.
    cargo run --release --locked -p integration --bin "$bench" | sed -u '/^{"/d' | tee -a "$report.partial" || failed+=("$bench")
    [[ -z $fence ]] || echo "$fence" >> "$report.partial"
  done
  mv "$report.partial" "$report"
  echo "report: $report"
  [[ ${#failed[@]} == 0 ]] || { echo "failed: ${failed[*]}" >&2; exit 1; }
else
  out=$(mktemp -t cargo-test.XXXXXX)
  infra_log=$(mktemp -t infra-test.XXXXXX)
  # The infrastructure's proof (terraform fmt/validate/apply/destroy against a moto, the
  # read-back checks, checkov) runs beside the Rust tests: it mostly waits on the provider.
  # It has a moto of its own: the tests read moto's whole state (sent mail) while it applies.
  infra_port=$(free_port)
  start_moto "$infra_port"
  AWS_ENDPOINT_URL="http://127.0.0.1:$infra_port" bash tests/infra.sh >"$infra_log" 2>&1 &
  infra_pid=$!
  trap 'kill "$infra_pid" 2>/dev/null || true; wait "$infra_pid" 2>/dev/null || true; cleanup; rm -f "$out" "$infra_log"' EXIT
  set +e
  cargo test --workspace --locked --all-targets --no-fail-fast 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  # The API contract: lint, fuzz, and a real browser (against this moto).
  echo "--- api (tests/api.sh) ---"
  bash tests/api.sh || { echo "api: FAILED" >&2; [[ $status != 0 ]] || status=1; }
  wait "$infra_pid"
  infra_status=$?
  set -e
  echo "--- infra (tests/infra.sh) ---"
  cat "$infra_log"
  if [[ $infra_status != 0 ]]; then
    echo "infra: FAILED" >&2
    [[ $status != 0 ]] || status=$infra_status
  fi
  # One closing line for the whole workspace (cargo prints one per test binary).
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
       END { printf "workspace: %d passed, %d failed\n", p, f }' "$out"
  exit "$status"
fi

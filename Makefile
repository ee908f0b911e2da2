# The two commands of the quick start:
#   make dev    run the whole system locally (moto, resources, seeded admin, cargo lambda watch)
#   make test   run every test against a private moto_server
# Both install what is missing first (pinned versions).

SHELL := /bin/bash
MOTO_VERSION := 5.2.1
CARGO_LAMBDA_VERSION := 1.9.2
# checkov lints infra/; in its own venv (a global install downgrades the boto3 moto uses).
CHECKOV_VERSION := 3.2.469
# The API contract's tools (tests/api.sh), in their own venv: the fuzzer, the linter, WebDriver.
SCHEMATHESIS_VERSION := 4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION := 0.9.0
SELENIUM_VERSION := 4.38.0
API_PYTHON := target/tools/api-python/bin/python
PIP ?= python3 -m pip

.PHONY: dev test tools-moto tools-test tools-api tools-dev openapi bench soak sizes build-release sweep

# moto_server: the local AWS (DynamoDB, S3, SQS, SES, Lambda, IAM, …); terraform and its
# provider mirror; checkov.
tools-moto:
	@command -v cargo >/dev/null || { echo "cargo is missing: install the Rust toolchain (rustup)" >&2; exit 1; }
	@command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 1; }
	@python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$(MOTO_VERSION)')" 2>/dev/null \
	  && python3 -c "import flask, flask_cors" 2>/dev/null \
	  || $(PIP) install --quiet 'moto[server]==$(MOTO_VERSION)'
	@command -v moto_server >/dev/null || { echo "moto_server is not on PATH after installing moto[server]" >&2; exit 1; }

tools-test: tools-moto tools-api
	@command -v terraform >/dev/null || { echo "terraform is missing: install Terraform >= 1.11 (infra/ is applied to moto in every test run)" >&2; exit 1; }
	@test -d /opt/tf-plugins/registry.terraform.io/hashicorp/aws || { echo "the hashicorp/aws provider mirror is missing at /opt/tf-plugins (see infra/terraform.rc)" >&2; exit 1; }
	@target/tools/checkov/bin/checkov --version 2>/dev/null | grep -qx '$(CHECKOV_VERSION)' \
	  || { python3 -m venv target/tools/checkov && target/tools/checkov/bin/pip install --quiet 'checkov==$(CHECKOV_VERSION)'; }

# schemathesis, openapi-spec-validator and selenium (pinned, own venv); Debian's chromium and
# chromium-driver for the browser test.
tools-api:
	@$(API_PYTHON) -c "import importlib.metadata as m, sys; sys.exit(any(m.version(p) != v for p, v in [('schemathesis', '$(SCHEMATHESIS_VERSION)'), ('openapi-spec-validator', '$(OPENAPI_SPEC_VALIDATOR_VERSION)'), ('selenium', '$(SELENIUM_VERSION)')]))" 2>/dev/null \
	  || { python3 -m venv target/tools/api-python && target/tools/api-python/bin/pip install --quiet 'schemathesis==$(SCHEMATHESIS_VERSION)' 'openapi-spec-validator==$(OPENAPI_SPEC_VALIDATOR_VERSION)' 'selenium==$(SELENIUM_VERSION)'; }
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver \
	  || { command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	  || { echo "chromium and chromium-driver are missing: install Debian's packages (the browser test drives them)" >&2; exit 1; }

# The OpenAPI document (openapi.json) and its HTML reference (docs/index.html), from the code.
openapi:
	cargo run --quiet -p integration --bin openapi

# cargo-lambda (with zig) for `cargo lambda watch` and release builds.
tools-dev: tools-moto
	@cargo lambda --version 2>/dev/null | grep -q ' $(CARGO_LAMBDA_VERSION) ' \
	  || $(PIP) install --quiet 'cargo-lambda==$(CARGO_LAMBDA_VERSION)'
	@cargo lambda --version >/dev/null 2>&1 || { echo "cargo lambda is not available after installing cargo-lambda" >&2; exit 1; }

dev: tools-dev
	cargo run --quiet -p integration --bin devstack

test: tools-test
	bash tests/run.sh

# The inactivity sweep (ACS-9) against the running `make dev` stack; DRY_RUN=1 reports only.
WATCH_PORT ?= 9000
sweep: tools-dev
	cargo lambda invoke inactivity-sweep --invoke-address 127.0.0.1 --invoke-port $(WATCH_PORT) \
	  --data-ascii '{"dry_run": $(if $(DRY_RUN),true,false)}'

# The benchmarks (release builds; one report, bench/results/<date>.md): Argon2 cost and sign-in
# timing, vacancy search, the sweep, the cost per route and of a month at AWS list prices, and
# the cold start / size / memory of every function beside a hello-world Rust function and a
# Python handler under awslambdaric.
# BENCHES="bench-coldstart" runs one of them.
BENCH_PYTHON := target/tools/bench-python/bin/python
bench: tools-dev build-release
	@$(BENCH_PYTHON) -c "import awslambdaric, boto3" 2>/dev/null \
	  || { python3 -m venv target/tools/bench-python && target/tools/bench-python/bin/pip install --quiet 'awslambdaric==3.1.1' 'boto3==1.40.49'; }
	BENCH=1 bash tests/run.sh

# The soak: a mixed workload against the running `make dev` stack (start it first, in another
# terminal); the report goes to bench/results/<date>-soak.md, written when it is done (until then
# under target/: `cargo lambda watch` restarts the functions when a file of the tree changes).
# SOAK_LEVELS, SOAK_SECONDS tune it.
soak:
	@mkdir -p bench/results target/tmp
	set -o pipefail; out=bench/results/$$(date +%F)-soak.md; \
	  cargo run --release --locked -p integration --bin bench-soak | tee target/tmp/soak.md && mv target/tmp/soak.md "$$out"

# Release artifacts: one bootstrap.zip per function under target/lambda/<function>/.
build-release: tools-dev
	cargo lambda build --release --output-format zip --workspace --exclude integration

# Stripped size of each function's bootstrap, and of its zip (the goal: at most 4 MiB zipped).
sizes: build-release
	@for z in target/lambda/*/bootstrap.zip; do python3 -c 'import os, sys, zipfile; z = sys.argv[1]; b = zipfile.ZipFile(z).getinfo("bootstrap").file_size; print(f"{os.path.basename(os.path.dirname(z)):<20} bootstrap {b / 2**20:6.2f} MiB   zip {os.path.getsize(z) / 2**20:6.2f} MiB")' "$$z"; done

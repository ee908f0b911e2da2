#!/usr/bin/env bash
# The infrastructure's proof, run by tests/run.sh against its moto server (AWS_ENDPOINT_URL):
# terraform fmt -check, init offline from the provider mirror, validate, apply of infra/ itself
# (placeholder zips for the functions: moto stores Lambda code but does not run it), the
# read-back checks of infra/tests/check_apply.py, destroy, and checkov.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null || { echo "terraform is missing: install Terraform ≥ 1.11 (/usr/local/bin/terraform on this project's machines)" >&2; exit 1; }
mirror=/opt/tf-plugins/registry.terraform.io/hashicorp/aws
[[ -d "$mirror" ]] || { echo "the hashicorp/aws provider mirror is missing at $mirror (infra/terraform.rc)" >&2; exit 1; }
checkov=target/tools/checkov/bin/checkov
[[ -x "$checkov" ]] || { echo "checkov is missing at $checkov: run 'make test', which installs it in its own venv" >&2; exit 1; }
: "${AWS_ENDPOINT_URL:?AWS_ENDPOINT_URL must point at moto}"

work=$(mktemp -d -t enbek-infra.XXXXXX)
export TF_CLI_CONFIG_FILE="$PWD/infra/terraform.rc" TF_DATA_DIR="$work/.terraform" TF_IN_AUTOMATION=1
tf() { terraform -chdir=infra "$@"; }
vars=(-var-file=envs/local.tfvars -var "aws_endpoint=$AWS_ENDPOINT_URL" -var "artifacts_dir=$work/artifacts" -state="$work/terraform.tfstate")
applied=0
cleanup() {
  if [[ $applied == 1 ]]; then tf destroy -no-color -input=false -auto-approve -parallelism=20 "${vars[@]}" >"$work/destroy.log" 2>&1 || cat "$work/destroy.log" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT

tf fmt -check -recursive -diff || { echo "terraform fmt -check failed: run 'terraform fmt -recursive infra'" >&2; exit 1; }
tf init -no-color -input=false -backend=false >"$work/init.log" || { cat "$work/init.log" >&2; exit 1; }
tf validate -no-color

# Placeholder artifacts, one per function of infra/ (the real ones: make build-release).
python3 - "$work/artifacts" <<'PY'
import json, os, sys, zipfile
out = sys.argv[1]
for fn in sorted(set(json.load(open("infra/resources.json"))["routes"].values()) | {"inactivity-sweep", "outbox-relay", "labor-market-sync", "notify", "bootstrap-admin"}):
    os.makedirs(f"{out}/{fn}", exist_ok=True)
    with zipfile.ZipFile(f"{out}/{fn}/bootstrap.zip", "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n# placeholder for the local apply; moto does not run functions\nexit 1\n")
PY

start=$SECONDS
applied=1
tf apply -no-color -input=false -auto-approve -parallelism=20 "${vars[@]}" >"$work/apply.log" 2>&1 || { tail -60 "$work/apply.log" >&2; exit 1; }
echo "terraform apply against moto: $(grep -c 'Creation complete' "$work/apply.log") resources in $((SECONDS - start)) s"
tf output -no-color -json -state="$work/terraform.tfstate" >"$work/outputs.json"
python3 infra/tests/check_apply.py "$AWS_ENDPOINT_URL" local "$work/outputs.json"
start=$SECONDS
tf destroy -no-color -input=false -auto-approve -parallelism=20 "${vars[@]}" >"$work/destroy.log" 2>&1 || { tail -40 "$work/destroy.log" >&2; exit 1; }
applied=0
echo "terraform destroy: $((SECONDS - start)) s"

"$checkov" -d infra --framework terraform --skip-download --quiet --compact

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Validates deploy/kubernetes/ offline:
#  - the PrometheusRule is up to date with deploy/prometheus/ephemeral-port-rules.yml
#    (generate_prometheusrule.py --check) and carries exactly the same groups
#    and rule names (parsed with PyYAML), and its rules pass promtool;
#  - every manifest passes tests/deploy/k8s_validate.py, this project's
#    structural check (no cluster, no kubectl schema here: see that file);
#  - the generator refuses a rules file it cannot wrap safely;
#  - when a kubectl binary happens to be installed, `kubectl kustomize` must
#    render the directory (offline); CI does not rely on it.
set -euo pipefail
# shellcheck source=tests/deploy/lib.sh
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/epx-k8s-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
gen=$repo/deploy/kubernetes/generate_prometheusrule.py

step "dependencies"
apt_install python3 python3-yaml prometheus
python3 -c 'import yaml' || fail "PyYAML missing"
ok "python3 $(python3 -c 'import sys; print(sys.version.split()[0])'), PyYAML, promtool"

step "PrometheusRule generated from the rules file"
python3 "$gen" --check || fail "deploy/kubernetes/prometheusrule.yaml is stale"
ok "prometheusrule.yaml is byte-identical to a fresh generation"
python3 "$gen" --stdout | diff -q - "$repo/deploy/kubernetes/prometheusrule.yaml" >/dev/null \
  || fail "--stdout differs from the file"

step "generator guards"
mkdir -p "$work/fake/deploy/prometheus" "$work/fake/deploy/kubernetes"
cp "$gen" "$work/fake/deploy/kubernetes/"
printf 'groups:\n  - name: x\n    rules: []\nextra: 1\n' >"$work/fake/deploy/prometheus/ephemeral-port-rules.yml"
if python3 "$work/fake/deploy/kubernetes/generate_prometheusrule.py" --stdout >/dev/null 2>&1; then
  fail "generator accepted a top-level key after groups:"
fi
printf 'no_groups: 1\n' >"$work/fake/deploy/prometheus/ephemeral-port-rules.yml"
if python3 "$work/fake/deploy/kubernetes/generate_prometheusrule.py" --stdout >/dev/null 2>&1; then
  fail "generator accepted a file without groups:"
fi
ok "refuses a file without groups: or with keys after it"

step "structural validation of the manifests (tests/deploy/k8s_validate.py)"
python3 "$repo/tests/deploy/k8s_validate.py" "$repo" --rules-out "$work/rules-from-crd.yml" \
  || fail "manifest validation"

step "the validator catches broken manifests (mutations)"
mutate() {  # mutate NAME FILE SED-EXPR: the validator must fail on it
  local name=$1 file=$2 expr=$3 m=$work/m-$1
  mkdir -p "$m/deploy/container"
  cp -r "$repo/deploy/kubernetes" "$repo/deploy/prometheus" "$m/deploy/"
  cp "$repo/deploy/container/build_image.sh" "$m/deploy/container/"
  sed -i "$expr" "$m/$file"
  cmp -s "$m/$file" "$repo/$file" && fail "mutation $name changed nothing"
  if python3 "$repo/tests/deploy/k8s_validate.py" "$m" >"$m.log" 2>&1; then
    fail "validator accepted mutation: $name"
  fi
  ok "rejects $name ($(grep -m1 '^FAIL' "$m.log" | cut -c7-))"
}
mutate extra-capability deploy/kubernetes/daemonset-linux.yaml 's/"DAC_READ_SEARCH"\]/"DAC_READ_SEARCH", "NET_ADMIN"]/'
mutate no-hostPID deploy/kubernetes/daemonset-linux.yaml 's/hostPID: true/hostPID: false/'
mutate selector-mismatch deploy/kubernetes/service.yaml '/^  selector:/{n;s/ephemeral-port-exporter/other/}'
mutate typo-field deploy/kubernetes/daemonset-linux.yaml 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/'
mutate rules-drift deploy/prometheus/ephemeral-port-rules.yml 's/for: 5m/for: 6m/'
mutate wrong-job deploy/kubernetes/servicemonitor.yaml 's/replacement: ephemeral_port/replacement: ephemeral-port-exporter/'

step "promtool on the PrometheusRule's rules"
promtool check rules "$work/rules-from-crd.yml" || fail "promtool check rules (PrometheusRule)"

if command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1; then
  step "kubectl kustomize (optional, offline)"
  kubectl kustomize "$repo/deploy/kubernetes" >"$work/rendered.yaml" || fail "kubectl kustomize"
  n=$(grep -c '^kind:' "$work/rendered.yaml")
  ok "kustomize rendered $n objects"
else
  echo "   NOTE: no kubectl here; kustomize rendering not checked (the python validation is the CI check)"
fi
echo "k8s_test: PASS"

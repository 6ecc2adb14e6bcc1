#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Validates the shipped Prometheus rules and configs and the Alertmanager
# config. Run from anywhere: bash tests/rules/check_rules.sh
# Needs promtool and amtool on PATH (Debian: prometheus, prometheus-alertmanager)
# and python3. Exits non-zero if any check fails.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

missing=()
for tool in promtool amtool python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  echo "FAIL: not on PATH: ${missing[*]}" >&2
  exit 1
fi

failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  if "$@"; then
    echo "--- ok: $name"
  else
    echo "--- FAILED: $name"
    failed+=("$name")
  fi
}

rules=deploy/prometheus/ephemeral-port-rules.yml
step "promtool check rules $rules" promtool check rules "$rules"
# promtool resolves rule_files relative to each test file.
step "promtool test rules tests/rules/*_test.yml" promtool test rules tests/rules/*_test.yml
step "alerts vs unit tests, runbook anchors and exporter metric names" \
  python3 tests/rules/lint_rules.py "$root"
# check config resolves rule_files relative to the config file and checks
# the rules it finds there too.
step "promtool check config deploy/prometheus/prometheus.yml" \
  promtool check config deploy/prometheus/prometheus.yml
step "alertmanager config and routes" bash deploy/alertmanager/test-routes.sh

echo
if ((${#failed[@]} > 0)); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "PASSED: all rule, config and routing checks"

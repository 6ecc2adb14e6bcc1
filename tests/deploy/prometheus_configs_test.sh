#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Checks every Prometheus config and rule file under deploy/fleet/ (and the
# demo stack's) with promtool, runs the fleet rules' unit tests, and checks
# with tests/deploy/fleet_check.py what promtool cannot: job names, that the
# series forwarded centrally cover the fleet dashboard and exclude
# per-process data, and the kubernetes_sd job (Debian's Prometheus is built
# without Kubernetes discovery, so promtool rejects that field: the test
# checks the rest of that file with promtool after replacing it by an empty
# static_configs, and the discovery block structurally).
set -euo pipefail
# shellcheck source=tests/deploy/lib.sh
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/epx-prom-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$repo"

step "dependencies"
apt_install prometheus prometheus-alertmanager python3 python3-yaml
ok "$(promtool --version 2>&1 | head -1)"

step "promtool check config (includes the rule files and file_sd target files)"
for cfg in deploy/fleet/prometheus-*.yml; do
  promtool check config "$cfg" >"$work/out" 2>&1 && rc=0 || rc=$?
  if [ "$rc" -ne 0 ] && grep -q '^ *kubernetes_sd_configs:' "$cfg" \
     && grep -q 'kubernetes_sd_configs not found' "$work/out"; then
    python3 tests/deploy/fleet_check.py "$repo" --strip-k8s "$work/k8s-stripped.yml" >/dev/null \
      || true  # its findings are reported below
    promtool check config "$work/k8s-stripped.yml" >"$work/out" 2>&1 || { cat "$work/out"; fail "$cfg (without kubernetes_sd)"; }
    ok "$cfg: valid apart from kubernetes_sd_configs (not built into this promtool; checked structurally below)"
    continue
  fi
  [ "$rc" -eq 0 ] || { cat "$work/out"; fail "promtool check config $cfg"; }
  ok "$cfg ($(grep -c SUCCESS "$work/out") parts SUCCESS)"
done
if [ -f deploy/demo/prometheus.yml ]; then
  promtool check config deploy/demo/prometheus.yml >"$work/out" 2>&1 || { cat "$work/out"; fail "demo prometheus.yml"; }
  ok "deploy/demo/prometheus.yml"
fi
if [ -f deploy/demo/alertmanager.yml ]; then
  amtool check-config deploy/demo/alertmanager.yml >"$work/out" 2>&1 || { cat "$work/out"; fail "demo alertmanager.yml"; }
  ok "deploy/demo/alertmanager.yml (amtool check-config)"
fi

step "promtool check rules"
promtool check rules deploy/fleet/fleet-rules.yml deploy/fleet/agent-site-rules.yml \
  deploy/prometheus/ephemeral-port-rules.yml >"$work/out" 2>&1 \
  || { cat "$work/out"; fail "promtool check rules"; }
ok "fleet-rules.yml, agent-site-rules.yml and ephemeral-port-rules.yml"

step "promtool test rules (fleet rollups, site-not-reporting alert)"
promtool test rules tests/deploy/fleet_rules_test.yml >"$work/out" 2>&1 || { cat "$work/out"; fail "fleet rule tests"; }
ok "tests/deploy/fleet_rules_test.yml"

step "a broken file_sd target file is caught"
mkdir -p "$work/sd/targets"
sed 's|\.\./prometheus/|'"$repo"'/deploy/prometheus/|' deploy/fleet/prometheus-file-sd.yml >"$work/sd/p.yml"
printf -- '- targets: [host:19152]\n  lables: {os: linux}\n' >"$work/sd/targets/bad.yml"
if promtool check config "$work/sd/p.yml" >/dev/null 2>&1; then fail "promtool accepted a misspelt file_sd key"; fi
ok "promtool rejects a misspelt key in a target file"

step "fleet consistency (tests/deploy/fleet_check.py)"
python3 tests/deploy/fleet_check.py "$repo" || fail "fleet consistency"
echo "prometheus_configs_test: PASS"

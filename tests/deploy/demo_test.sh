#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test of the one-machine demo: runs deploy/demo/run_demo.sh on free
# loopback ports with a bounded lifetime and checks that Prometheus scrapes
# the exporter (up{job="ephemeral_port"} == 1 and the shipped recording rule
# evaluated), knows the Alertmanager, and that an alert posted to that
# Alertmanager reaches the pager stand-in. Then stops the script by PID and
# checks every component is gone. Also checks compose.yaml statically
# (no Docker engine here): mounted files exist, images pinned, host
# network/PID and the exporter's capabilities.
#
# usage: tests/deploy/demo_test.sh [exporter-binary]
#   default: build/exporter/ephemeral_port_exporter (run_demo.sh builds it
#   when missing)
set -euo pipefail
# shellcheck source=tests/deploy/lib.sh
source "$(dirname "$0")/lib.sh"

exporter=${1:-$repo/build/exporter/ephemeral_port_exporter}
work=$(mktemp -d /tmp/epx-demo-test.XXXXXX)
demo_pid=

cleanup() {
  [ -z "$demo_pid" ] || stop_pid "$demo_pid"
  rm -rf "$work"
}
trap cleanup EXIT

step "dependencies"
apt_install prometheus prometheus-alertmanager python3 python3-yaml curl

step "compose.yaml (static check)"
python3 - "$repo" <<'EOF'
import pathlib, sys, yaml
repo = pathlib.Path(sys.argv[1]); demo = repo / "deploy/demo"
c = yaml.safe_load((demo / "compose.yaml").read_text())
s = c["services"]
assert set(s) == {"exporter", "prometheus", "alertmanager", "pager", "grafana"}, set(s)
for name, svc in s.items():
    img = svc["image"]
    assert ":" in img.rsplit("/", 1)[-1] and not img.endswith(":latest"), f"{name}: unpinned image {img}"
    assert svc.get("network_mode") == "host", f"{name}: not on the host network"
    for vol in svc.get("volumes", []):
        src = vol.split(":")[0]
        assert (demo / src).exists(), f"{name}: mounted {src} does not exist"
e = s["exporter"]
assert e["pid"] == "host" and e["read_only"] is True and e["user"] == "10001:10001"
assert e["cap_drop"] == ["ALL"] and sorted(e["cap_add"]) == ["DAC_READ_SEARCH", "SYS_PTRACE"]
assert "--web.listen-address=127.0.0.1:19152" in e["command"]
assert e["entrypoint"] == ["/usr/libexec/ephemeral_port_exporter/ephemeral_port_exporter"]
prom = yaml.safe_load((demo / "prometheus.yml").read_text())
targets = [t for j in prom["scrape_configs"] for sc in j["static_configs"] for t in sc["targets"]]
assert "127.0.0.1:19152" in targets
assert any("--web.listen-address=127.0.0.1:9090" == a for a in s["prometheus"]["command"])
rules_mount = [v for v in s["prometheus"]["volumes"] if "ephemeral-port-rules.yml" in v][0]
assert rules_mount.split(":")[1] == "/etc/prometheus/ephemeral-port-rules.yml"
dash = [v for v in s["grafana"]["volumes"] if "dashboards" in v and "provisioning" not in v][0]
prov = yaml.safe_load((demo / "grafana/provisioning/dashboards/ephemeral-ports.yml").read_text())
assert prov["providers"][0]["options"]["path"] == dash.split(":")[1], "dashboard path mismatch"
assert list((repo / dash.split(":")[0].replace("../../", "")).glob("*.json")), "no dashboards to provision"
print("   ok: 5 services on the host network, pinned images, mounted files exist, exporter hardened,")
print("       rules mounted where prometheus.yml expects them, dashboards provisioned from dashboards/")
EOF
if command -v docker-compose >/dev/null; then
  docker-compose -f "$repo/deploy/demo/compose.yaml" config -q && ok "docker-compose config"
else
  echo "   NOTE: no docker compose here; compose.yaml checked structurally only"
fi

step "run_demo.sh on free ports (bounded lifetime)"
EPX_DEMO_EXPORTER_PORT=$(free_port)
EPX_DEMO_PROMETHEUS_PORT=$(free_port)
EPX_DEMO_ALERTMANAGER_PORT=$(free_port)
EPX_DEMO_PAGER_PORT=$(free_port)
export EPX_DEMO_EXPORTER_PORT EPX_DEMO_PROMETHEUS_PORT EPX_DEMO_ALERTMANAGER_PORT EPX_DEMO_PAGER_PORT
export EPX_DEMO_DIR=$work/state
prom=http://127.0.0.1:$EPX_DEMO_PROMETHEUS_PORT
am=http://127.0.0.1:$EPX_DEMO_ALERTMANAGER_PORT
bash "$repo/deploy/demo/run_demo.sh" --exporter "$exporter" --duration 150 >"$work/demo.out" 2>&1 &
demo_pid=$!
deadline=$((SECONDS + 120))
until grep -q '^run_demo: up' "$work/demo.out"; do
  kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.out"; fail "run_demo.sh exited early"; }
  [ $SECONDS -lt $deadline ] || { cat "$work/demo.out"; fail "run_demo.sh not up within 120 s"; }
  sleep 0.5
done
ok "run_demo.sh is up (pid $demo_pid; ports exporter $EPX_DEMO_EXPORTER_PORT, prometheus $EPX_DEMO_PROMETHEUS_PORT, alertmanager $EPX_DEMO_ALERTMANAGER_PORT, pager $EPX_DEMO_PAGER_PORT)"

query() {  # query PROMQL: prints the first sample's value, or nothing
  curl -fsS --max-time 5 -G "$prom/api/v1/query" --data-urlencode "query=$1" 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' \
    2>/dev/null || true
}
wait_value() {  # wait_value PROMQL WANT SECONDS
  local v deadline=$((SECONDS + $3))
  while :; do
    v=$(query "$1")
    [ "$v" = "$2" ] && return 0
    [ $SECONDS -lt $deadline ] || { echo "last value of $1: '$v'" >&2; return 1; }
    sleep 1
  done
}

step "Prometheus scrapes the exporter"
wait_value 'up{job="ephemeral_port"}' 1 60 || fail 'up{job="ephemeral_port"} != 1'
ok 'up{job="ephemeral_port"} == 1'
wait_value 'count(instance:ephemeral_port_exhaustion_ratio:max{job="ephemeral_port"})' 1 30 \
  || fail "recording rule instance:ephemeral_port_exhaustion_ratio:max not evaluated"
ok "shipped recording rule evaluated: headline $(query 'instance:ephemeral_port_exhaustion_ratio:max')"
n=$(curl -fsS "$prom/api/v1/alertmanagers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["activeAlertmanagers"]))')
[ "$n" = 1 ] || fail "Prometheus has $n active Alertmanagers"
ok "Prometheus sends to the demo Alertmanager"
rules=$(curl -fsS "$prom/api/v1/rules" | python3 -c 'import json,sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))')
[ "$rules" -gt 20 ] || fail "only $rules rules loaded"
ok "$rules shipped rules loaded"

step "Alertmanager -> pager stand-in"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -fsS -X POST -H 'Content-Type: application/json' "$am/api/v2/alerts" -d "[{
  \"labels\": {\"alertname\": \"EphemeralPortDemoTest\", \"severity\": \"critical\",
               \"job\": \"ephemeral_port\", \"instance\": \"demo\"},
  \"annotations\": {\"summary\": \"demo test page\"}, \"startsAt\": \"$now\"}]" >/dev/null \
  || fail "posting a test alert to Alertmanager"
deadline=$((SECONDS + 40))
until grep -q 'FIRING.*EphemeralPortDemoTest' "$work/demo.out"; do
  [ $SECONDS -lt $deadline ] || { cat "$work/demo.out"; fail "pager never printed the test alert"; }
  sleep 0.5
done
ok "pager: $(grep -m1 'EphemeralPortDemoTest' "$work/demo.out")"

step "stop by PID"
kill -TERM "$demo_pid"
deadline=$((SECONDS + 20))
while kill -0 "$demo_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "run_demo.sh did not stop within 20 s"
  sleep 0.2
done
wait "$demo_pid" 2>/dev/null || true
demo_pid=
for port in $EPX_DEMO_EXPORTER_PORT $EPX_DEMO_PROMETHEUS_PORT $EPX_DEMO_ALERTMANAGER_PORT $EPX_DEMO_PAGER_PORT; do
  for _ in $(seq 25); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break; sleep 0.2; done
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port still served after stop"; fi
done
grep -q '^run_demo: stopped' "$work/demo.out" || fail "no 'stopped' line"
ok "all four components stopped, ports released"
echo "demo_test: PASS"

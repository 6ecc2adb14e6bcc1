#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fleet end-to-end test: sites to a central store on real engines.
#
#   bash tests/e2e_fleet/run.sh EXPORTER PORT_HOLDER
#
# Seven private network namespaces on one bridge (10.77.0.0/24, in an eighth
# "wire" namespace): three hosts, each running the real exporter (a1, a2 in
# site A, b1 in site B); site A's Prometheus in agent mode
# (deploy/fleet/prometheus-site-agent.yml) remote-writing to VictoriaMetrics;
# site B's full Prometheus (deploy/fleet/prometheus-file-sd.yml with the
# shipped rules); and the central namespace with VictoriaMetrics, a central
# Prometheus federating site B (deploy/fleet/prometheus-global-federation.yml)
# and remote-writing what it federates into VictoriaMetrics, vmalert running
# deploy/fleet/agent-site-rules.yml and fleet-rules.yml over
# VictoriaMetrics, and Alertmanager delivering to a local webhook. The
# test's copies (tests/e2e_fleet/make_configs.py) only shorten intervals,
# `for:` and the site look-back; forwarding lists and relabelling are the
# shipped ones. Then it checks at VictoriaMetrics:
#   1. all three hosts' fleet series arrive, and no other metric name
#      (per-process, per-destination, per-address series stay at the sites,
#      where they exist);
#   2. a real exhaustion in host a1's namespace (port_holder fills a
#      200-port ip_local_port_range) shows centrally: headline >= 0.95,
#      site A's critical-host count 1, the page at the webhook, the other
#      hosts unaffected — within E2E_TIMEOUT;
#   3. every fleet dashboard query returns data, for all hosts and each host;
#   4. EphemeralPortSiteNotReporting fires for site A when its agent stops
#      and resolves when it starts again.
# Every process is stopped by its PID, every namespace deleted, every wait
# bounded. Exit status: 0 passed, 1 failed, 2 usage, 77 skipped (no root,
# no ip netns, or an engine not installed).
# Environment: E2E_TIMEOUT (s, default 90) bounds each wait; E2E_KEEP=1
# keeps the temporary directory.
set -u

TIMEOUT=${E2E_TIMEOUT:-90}
NET=10.77.0
PORT=19152
RANGE_LOW=40000
RANGE_HIGH=40199
TARGET_PORT=20000
PROMETHEUS=${PROMETHEUS:-prometheus}
ALERTMANAGER=${ALERTMANAGER:-prometheus-alertmanager}
VM=${VICTORIA_METRICS:-victoria-metrics}
VMALERT=${VMALERT:-vmalert}

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/support/e2e_lib.sh
source "$here/../support/e2e_lib.sh"
root=$(cd "$here/../.." && pwd)

skip() {
  echo "SKIPPED: $*"
  exit 77
}
(($# == 2)) || {
  echo "usage: $0 EXPORTER_BINARY PORT_HOLDER_BINARY" >&2
  exit 2
}
exporter=$(realpath -e "$1" 2>/dev/null) || {
  echo "FAIL: exporter binary not found: $1" >&2
  exit 1
}
holder=$(realpath -e "$2" 2>/dev/null) || {
  echo "FAIL: port_holder binary not found: $2" >&2
  exit 1
}
[[ $(id -u) == 0 ]] || skip "needs root for network namespaces"
if ! command -v "$VM" >/dev/null 2>&1 || ! command -v "$VMALERT" >/dev/null 2>&1; then
  # shellcheck source=tests/deploy/lib.sh
  source "$root/tests/deploy/lib.sh"
  apt_install victoria-metrics >/dev/null 2>&1 || skip "victoria-metrics not installed and apt cannot install it"
fi
for tool in ip python3 "$PROMETHEUS" "$ALERTMANAGER" "$VM" "$VMALERT"; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not found on PATH"
done
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"

tag=epxf$$
work=$(mktemp -d /tmp/epx-fleet.XXXXXX)
pids=()
names=()
logs=()
netns=()
holder_pid=
agent_pid=
start_time=$(date +%s.%N)

stop_one() {
  local pid=$1 deadline=$((SECONDS + 10))
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

cleanup() {
  local status=$? pid ns
  [[ -n "$holder_pid" ]] && stop_one "$holder_pid"
  [[ -n "$agent_pid" ]] && stop_one "$agent_pid"
  for pid in "${pids[@]}"; do stop_one "$pid"; done
  for ns in "${netns[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [[ -n "${E2E_KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check() { python3 "$here/fleet_e2e_check.py" "$@"; }
quiet() { python3 "$here/fleet_e2e_check.py" "$@" >/dev/null 2>&1; }

fail() {
  echo
  echo "FAIL: $*"
  local n
  for n in "${logs[@]}"; do
    echo "--- last lines of $n log:"
    tail -n 8 "$work/$n.log" 2>/dev/null
  done
  exit 1
}

# start NAME NAMESPACE COMMAND...: runs COMMAND in the namespace, logs to $work/NAME.log
start() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$tag-$ns" "$@" >>"$work/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  logs+=("$name")
  last_pid=$!
  echo "started $name in $ns (pid $!)"
}

alive() {
  local i
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited"
  done
  [[ -z "$agent_running" ]] || kill -0 "$agent_pid" 2>/dev/null || fail "site A's agent exited"
}

# poll DESCRIPTION COMMAND...: retries every 0.5 s for up to $TIMEOUT s
poll() {
  local what=$1 deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${TIMEOUT}s waiting for: $what"
    alive
    sleep 0.5
  done
}

# ---------------------------------------------------------------- network
# ns NAME LAST_OCTET: a namespace with lo up and a veth onto the bridge
ns() {
  local name=$tag-$1
  ip netns add "$name" || fail "ip netns add $name"
  netns+=("$name")
  ip -n "$name" link set lo up
  ip link add "v$2" netns "$tag-wire" type veth peer name eth0 netns "$name" ||
    fail "cannot make a veth pair into $name"
  ip -n "$tag-wire" link set "v$2" master br0 up
  ip -n "$name" addr add "$NET.$2/24" dev eth0
  ip -n "$name" link set eth0 up
}
ip netns add "$tag-wire" 2>/dev/null || skip "ip netns add is not permitted here"
netns+=("$tag-wire")
ip -n "$tag-wire" link add br0 type bridge 2>/dev/null || skip "no bridge support in this kernel"
ip -n "$tag-wire" link set br0 up
ns a1 11
ns a2 12
ns b1 21
ns sa 10
ns sb 20
ns c 100
ip netns exec "$tag-a1" sh -c "echo '$RANGE_LOW $RANGE_HIGH' >/proc/sys/net/ipv4/ip_local_port_range" ||
  skip "cannot set net.ipv4.ip_local_port_range in a namespace"
A1=$NET.11 A2=$NET.12 B1=$NET.21
HOSTS=$A1,$A2,$B1
SITE_A=$NET.10:9090 SITE_B=$NET.20:9090 CENTRAL=$NET.100:9090
VM_ADDR=$NET.100:8428 VMALERT_ADDR=$NET.100:8880 AM_ADDR=$NET.100:9093 WEBHOOK=$NET.100:9095
VMURL=http://$VM_ADDR
echo "network: hosts a1 $A1 (ip_local_port_range $RANGE_LOW-$RANGE_HIGH), a2 $A2, b1 $B1;" \
  "site A agent $NET.10, site B $NET.20, central $NET.100"

# ---------------------------------------------------------------- configs
python3 "$here/make_configs.py" "$root" "$work" hosts_a="$A1:$PORT,$A2:$PORT" \
  hosts_b="$B1:$PORT" site_b_prom="$SITE_B" vm="$VM_ADDR" webhook="$WEBHOOK" ||
  fail "could not write the configs"
promtool check config "$work/site-b.yml" >/dev/null 2>&1 || fail "site B config does not pass promtool"
promtool check config "$work/central.yml" >/dev/null 2>&1 || fail "central config does not pass promtool"

# ---------------------------------------------------------------- servers
mkdir -p "$work/webhook" "$work/vm" "$work/sb" "$work/c" "$work/am" "$work/agent"
for h in a1 a2 b1; do
  start "exporter-$h" "$h" "$exporter" --web.listen-address="0.0.0.0:$PORT"
done
start webhook c python3 "$root/tests/e2e_alerting/webhook_receiver.py" "$NET.100" 9095 "$work/webhook"
start victoriametrics c "$VM" -httpListenAddr="$VM_ADDR" -storageDataPath="$work/vm" \
  -search.latencyOffset=1s -search.disableCache -retentionPeriod=1d
start alertmanager c "$ALERTMANAGER" --config.file="$work/alertmanager.yml" \
  --storage.path="$work/am" --web.listen-address="$AM_ADDR" --cluster.listen-address=
start vmalert c "$VMALERT" -httpListenAddr="$VMALERT_ADDR" \
  -rule="$work/rules/agent-site-rules.yml" -rule="$work/rules/fleet-rules.yml" \
  -datasource.url="$VMURL" -remoteWrite.url="$VMURL" -remoteWrite.flushInterval=1s \
  -notifier.url="http://$AM_ADDR" -evaluationInterval=1s -datasource.queryStep=1s
start site-b sb "$PROMETHEUS" --config.file="$work/site-b.yml" --storage.tsdb.path="$work/sb" \
  --web.listen-address="$SITE_B"
start central c "$PROMETHEUS" --config.file="$work/central.yml" --storage.tsdb.path="$work/c" \
  --web.listen-address="$CENTRAL"
agent_running=1
start_agent() {
  start site-a-agent sa "$PROMETHEUS" --enable-feature=agent --config.file="$work/site-a.yml" \
    --storage.agent.path="$work/agent" --web.listen-address="$SITE_A"
  agent_pid=$last_pid
  unset 'pids[-1]' 'names[-1]'
  agent_running=1
}
start_agent

for url in "http://$A1:$PORT/metrics" "http://$A2:$PORT/metrics" "http://$B1:$PORT/metrics" \
  "http://$WEBHOOK/" "$VMURL/health" "http://$AM_ADDR/-/ready" "http://$VMALERT_ADDR/health" \
  "http://$SITE_B/-/ready" "http://$CENTRAL/-/ready" "http://$SITE_A/-/ready"; do
  poll "$url" ip netns exec "$tag-c" python3 "$here/fleet_e2e_check.py" http-ok "$url"
done
echo "servers up after $(elapsed "$start_time") s"

# The central namespace's view: every query goes to VictoriaMetrics from there.
incentral() { ip netns exec "$tag-c" python3 "$here/fleet_e2e_check.py" "$@" >/dev/null 2>&1; }
shown() { ip netns exec "$tag-c" python3 "$here/fleet_e2e_check.py" "$@"; }

echo
echo "=== 1. the fleet series of all three hosts reach VictoriaMetrics"
poll "up of 3 hosts at VictoriaMetrics" incentral count "$VMURL" 'up{job="ephemeral_port"} == 1' eq 3
poll "headline of 3 hosts (site B recorded, site A by vmalert)" incentral count "$VMURL" \
  'instance:ephemeral_port_exhaustion_ratio:max{job="ephemeral_port"}' eq 3
poll "site rollups of both sites" incentral count "$VMURL" 'site:ephemeral_port_hosts_up:sum' eq 2
shown count "$VMURL" 'count by (site) (up{job="ephemeral_port"})' ge 2
ip netns exec "$tag-c" python3 - "$VMURL" <<'PY'
import json, sys, urllib.parse, urllib.request
for q in ['sum by (site) (up{job="ephemeral_port"})', 'site:ephemeral_port_hosts_up:sum']:
    u = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    res = json.load(urllib.request.urlopen(u, timeout=10))["data"]["result"]
    print("  %s: %s" % (q, ", ".join("%s=%s" % (r["metric"].get("site"), r["value"][1]) for r in res)))
PY
# Per-process series exist where they are made, so the next check can fail.
incentral count "http://$SITE_B" 'ephemeral_port_process_in_use' ge 1 ||
  fail "site B has no per-process series: the no-crossing check would prove nothing"
forwarded=$(cat "$work/allowed-names")
shown names "$VMURL" "$forwarded" || fail "a series that should stay at the site reached VictoriaMetrics"
echo "   ok: per-process series exist at site B ($(ip netns exec "$tag-c" curl -s "http://$SITE_B/api/v1/query?query=count(ephemeral_port_process_in_use)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])') of ephemeral_port_process_in_use) and none reached the central store"

echo
echo "=== 2. a real exhaustion on host a1 ($A1) shows centrally"
holder_start ip netns exec "$tag-a1" "$holder"
send "listen 127.0.0.1 $TARGET_PORT"
[[ "$reply" == "ok $TARGET_PORT" ]] || fail "listen failed: $reply"
fill_time=$(date +%s.%N)
send "fill 127.0.0.1 $TARGET_PORT"
read -r ok opened err <<<"$reply"
[[ "$ok" == ok && "$err" == EADDRNOTAVAIL && "$opened" -gt 0 ]] ||
  fail "expected the fill to stop with EADDRNOTAVAIL, got: $reply"
poll "headline of a1 >= 0.95 at VictoriaMetrics" incentral value "$VMURL" \
  "instance:ephemeral_port_exhaustion_ratio:max{instance=\"$A1\"}" ge 0.95
echo "headline at the central store after $(elapsed "$fill_time") s"
poll "site A counts one critical host" incentral value "$VMURL" \
  'site:ephemeral_port_hosts_above_critical:count{site="site-a"}' ge 1
poll "page EphemeralPortExhaustionImminent for a1 at /pager" incentral notification "$work/webhook" \
  /pager firing EphemeralPortExhaustionImminent instance="$A1" site=site-a severity=critical
echo "page delivered after $(elapsed "$fill_time") s"
shown value "$VMURL" "instance:ephemeral_port_exhaustion_ratio:max{instance=~\"$A2|$B1\"}" lt 0.5 ||
  fail "the exhaustion in a1's namespace showed on another host"
echo "   ok: a2 and b1 stay below 0.5"

echo
echo "=== 3. every fleet dashboard query at VictoriaMetrics"
poll "hours to exhaustion of a1 recorded" incentral count "$VMURL" \
  "instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h{instance=\"$A1\"}" ge 1
shown dashboard "$VMURL" "$root" "$HOSTS" "$A1" || fail "fleet dashboard queries at VictoriaMetrics"

send "release"
send "quit"

echo
echo "=== 4. EphemeralPortSiteNotReporting when site A's agent stops"
agent_running=
stop_one "$agent_pid"
stop_time=$(date +%s.%N)
echo "stopped site A's agent (pid $agent_pid)"
poll "EphemeralPortSiteNotReporting for site-a at /ticket" incentral notification "$work/webhook" \
  /ticket firing EphemeralPortSiteNotReporting site=site-a
echo "fired $(elapsed "$stop_time") s after the agent stopped"
incentral notification "$work/webhook" /ticket firing EphemeralPortSiteNotReporting site=site-b &&
  fail "site B reported as not reporting too"
start_agent
restart_time=$(date +%s.%N)
poll "EphemeralPortSiteNotReporting for site-a resolved" incentral notification "$work/webhook" \
  /ticket resolved EphemeralPortSiteNotReporting site=site-a
echo "resolved $(elapsed "$restart_time") s after the agent started again"

echo
echo "PASSED: three hosts in two sites at VictoriaMetrics, only fleet series crossed," \
  "exhaustion seen centrally, every fleet dashboard query answered, site-not-reporting fired and resolved" \
  "(total $(elapsed "$start_time") s)"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end alerting test with real port exhaustion.
#
#   bash tests/e2e_alerting/run.sh EXPORTER PORT_HOLDER
#   e.g. bash tests/e2e_alerting/run.sh build/exporter/ephemeral_port_exporter build/tests/port_holder
#
# In a private network namespace (unshare -n, as root) with the TCP/UDP port
# range narrowed to 200 ports, it starts the real exporter, a real Prometheus
# loaded with the shipped rules (deploy/prometheus/ephemeral-port-rules.yml,
# with every `for:` shortened so the test takes seconds), a real Alertmanager
# with the shipped deploy/alertmanager/alertmanager.yml (routes, receivers,
# inhibit rules; make_am_config.py points Alertmanager's own PagerDuty
# integration and the ticket webhook at a local receiver that answers like
# PagerDuty's Events API v2, and shortens the group timers). Then it
#   1. opens 85% of the range with PORT_HOLDER and waits for the ticket:
#      EphemeralPortUsageHigh, severity warning, at the ticket webhook;
#   2. opens connections until connect() fails (EADDRNOTAVAIL) and waits for
#      the page through pagerduty_configs: an Events API v2 `trigger` with
#      the routing key, severity critical, a summary naming the alert and
#      instance, and the runbook link in its details, which resolves to its
#      section of the exporter's own /runbook;
#   3. checks Alertmanager inhibits EphemeralPortUsageHigh meanwhile;
#   4. evaluates every dashboard query (tests/dashboards/extract_queries.py)
#      against the live Prometheus: each must parse and return data;
#   5. releases the connections and waits for the `resolve` event with the
#      trigger's dedup key.
# Every wait is a bounded poll; every process started is stopped by its PID
# on exit; the temporary directory is removed.
#
# Exit status: 0 passed, 1 failed, 2 usage, 77 skipped (no root, no
# unshare, or Prometheus/Alertmanager not installed).
# Environment: PROMETHEUS, ALERTMANAGER override the server binaries;
# E2E_TIMEOUT (seconds, default 120) bounds each wait; E2E_KEEP=1 keeps the
# temporary directory.
set -u

RANGE_LOW=40000
RANGE_HIGH=40199
EXPORTER_ADDR=127.0.0.1:19152
PROM_ADDR=127.0.0.1:9090
AM_ADDR=127.0.0.1:9093
WEBHOOK_PORT=9095
ROUTING_KEY=e2e0routing0key0000000000000000a
WARN_CONNECTIONS=170 # 85% of the range: above the 80% warning, below 95%
TARGET_PORT=20000 # port_holder's listener, outside the narrowed range
ALERT=EphemeralPortExhaustionImminent
FAILING_ALERT=EphemeralPortConnectsFailing
INHIBITED_ALERT=EphemeralPortUsageHigh
SHORT_FOR=5s
TIMEOUT=${E2E_TIMEOUT:-120}
PROMETHEUS=${PROMETHEUS:-prometheus}
ALERTMANAGER=${ALERTMANAGER:-prometheus-alertmanager}

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/support/e2e_lib.sh
source "$here/../support/e2e_lib.sh"
root=$(cd "$here/../.." && pwd)

skip() {
  echo "SKIPPED: $*"
  exit 77
}

if (($# != 2)); then
  echo "usage: $0 EXPORTER_BINARY PORT_HOLDER_BINARY" >&2
  exit 2
fi
exporter=$(realpath -e "$1" 2>/dev/null) || {
  echo "FAIL: exporter binary not found: $1" >&2
  exit 1
}
holder=$(realpath -e "$2" 2>/dev/null) || {
  echo "FAIL: port_holder binary not found: $2" >&2
  exit 1
}

# ---------------------------------------------------------------- namespace
if [[ -z "${EPX_E2E_IN_NETNS:-}" ]]; then
  [[ $(id -u) == 0 ]] || skip "needs root for a private network namespace (unshare -n)"
  for tool in unshare ip python3 "$PROMETHEUS" "$ALERTMANAGER"; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not found on PATH"
  done
  unshare -n true 2>/dev/null || skip "unshare -n is not permitted here"
  EPX_E2E_IN_NETNS=1 exec unshare -n -- bash "$0" "$exporter" "$holder"
fi

# From here on we are alone in a fresh network namespace.
ip link set lo up || skip "cannot bring up lo in the namespace"
echo "$RANGE_LOW $RANGE_HIGH" >/proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
  skip "cannot set net.ipv4.ip_local_port_range in the namespace"
echo "namespace: lo up, net.ipv4.ip_local_port_range = $(tr '\t' ' ' </proc/sys/net/ipv4/ip_local_port_range)"

work=$(mktemp -d /tmp/epx-e2e.XXXXXX)
pids=()
names=()
holder_pid=
start_time=$(date +%s.%N)

cleanup() {
  local status=$?
  local all=("${pids[@]}")
  [[ -n "$holder_pid" ]] && all+=("$holder_pid")
  local pid
  for pid in "${all[@]}"; do
    kill "$pid" 2>/dev/null
  done
  # Bounded wait for each to exit, then force.
  local deadline=$((SECONDS + 10))
  for pid in "${all[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if [[ -n "${E2E_KEEP:-}" ]]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


fail() {
  echo
  echo "FAIL: $*"
  if [[ -s "$work/after_failures.prom" ]]; then
    echo "--- the last scrape's connect failures:"
    grep "^ephemeral_port_connect_failures_total" "$work/after_failures.prom"
  fi
  echo "--- notifications received:"
  python3 "$here/e2e_check.py" summary "$work/webhook" 2>/dev/null
  local n
  for n in "${names[@]}"; do
    echo "--- last lines of $n log:"
    tail -n 15 "$work/$n.log" 2>/dev/null
  done
  exit 1
}

# start NAME COMMAND... : runs it in the background, logs to $work/NAME.log
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  echo "started $name (pid $!)"
}

# poll DESCRIPTION COMMAND... : retries every 0.5 s for up to $TIMEOUT s
poll() {
  local what=$1
  shift
  local deadline
  deadline=$(python3 -c "import time; print(time.time() + $TIMEOUT)")
  while true; do
    if "$@"; then
      return 0
    fi
    if python3 -c "import time,sys; sys.exit(0 if time.time() > $deadline else 1)"; then
      fail "timed out after ${TIMEOUT}s waiting for: $what"
    fi
    local i
    for i in "${!pids[@]}"; do
      kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited while waiting for: $what"
    done
    sleep 0.5
  done
}

check() { python3 "$here/e2e_check.py" "$@"; }
quiet_check() { python3 "$here/e2e_check.py" "$@" >/dev/null 2>&1; }

# ---------------------------------------------------------------- configs
rules="$work/ephemeral-port-rules.yml"
sed -E "s/^([[:space:]]*for:[[:space:]]*).*/\1$SHORT_FOR/" \
  "$root/deploy/prometheus/ephemeral-port-rules.yml" >"$rules"
echo "rules: deploy/prometheus/ephemeral-port-rules.yml with every 'for:' shortened to $SHORT_FOR" \
  "($(grep -c "for: $SHORT_FOR" "$rules") rules); thresholds and expressions unchanged"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['$AM_ADDR']
scrape_configs:
  - job_name: ephemeral_port
    static_configs:
      - targets: ['$EXPORTER_ADDR']
EOF

python3 "$here/make_am_config.py" "$root/deploy/alertmanager/alertmanager.yml" \
  "$work/alertmanager.yml" "http://127.0.0.1:$WEBHOOK_PORT" "$ROUTING_KEY" ||
  fail "could not derive the Alertmanager config from deploy/alertmanager/alertmanager.yml"
if command -v amtool >/dev/null 2>&1; then
  amtool check-config "$work/alertmanager.yml" >/dev/null || fail "the derived Alertmanager config does not pass amtool"
fi
echo "alertmanager: deploy/alertmanager/alertmanager.yml, PagerDuty url and ticket url local, group timers 1-2 s"

cat >"$work/exporter.yml" <<EOF
# Watch a service so that the service metrics and the connector dashboard
# have series (on Linux it is not running: service_up 0, in_use 0).
watched_services:
  - WAPCSvc
# The kernel counts the connects that fail for lack of a port (BPF); the
# namespaces collector reads the namespace of "pod" below (and any other
# of the host: the test shares the host's PID namespace, as the
# connect_events pids must).
collectors:
  connect_events: true
  namespaces: true
EOF

# ---------------------------------------------------------------- servers
mkdir -p "$work/webhook" "$work/prom-data" "$work/am-data"
start webhook python3 "$here/webhook_receiver.py" 127.0.0.1 "$WEBHOOK_PORT" "$work/webhook"
# A process in a network namespace of its own, as a pod's would be; its
# connects fail once the connect_events collector is loaded (pod.py).
start pod unshare -n python3 "$here/pod.py" "$work/pod.go" "$work/pod.more"
pod_pid=${pids[-1]}
start exporter "$exporter" --web.listen-address="$EXPORTER_ADDR" --config.file="$work/exporter.yml"
start alertmanager "$ALERTMANAGER" --config.file="$work/alertmanager.yml" \
  --storage.path="$work/am-data" --web.listen-address="$AM_ADDR" --cluster.listen-address=
start prometheus "$PROMETHEUS" --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/prom-data" --web.listen-address="$PROM_ADDR"

poll "webhook receiver ready" quiet_check http-ok "http://127.0.0.1:$WEBHOOK_PORT/"
poll "exporter serving /metrics" quiet_check http-ok "http://$EXPORTER_ADDR/metrics"
poll "alertmanager ready" quiet_check http-ok "http://$AM_ADDR/-/ready"
poll "prometheus ready" quiet_check http-ok "http://$PROM_ADDR/-/ready"
poll "the connect_events collector loaded (BPF)" quiet_check prom-has "http://$PROM_ADDR" \
  "ephemeral_port_collector_success{collector=\"connect_events\"} == 1"
# The pod's namespace series appear with its first failure; more failures
# once Prometheus has them make the increase EphemeralPortNamespaceConnectsFailing
# pages on (a series that is new since 5 minutes ago needs the exporter
# scraped 5 minutes ago, longer than this test).
touch "$work/pod.go"
poll "the pod's first connect failed" grep -q "first failure: 1" "$work/pod.log"
poll "prometheus has the pod's failure series" quiet_check prom-has "http://$PROM_ADDR" \
  "count_over_time(ephemeral_port_namespace_connect_failures_total[1m]) >= 2"
touch "$work/pod.more"
poll "the pod's further connects failed" grep -q "3 more failed with EADDRNOTAVAIL" "$work/pod.log"
tail -n 2 "$work/pod.log"
poll "prometheus scraped the exporter and recorded the headline" quiet_check prom-has \
  "http://$PROM_ADDR" "instance_protocol:ephemeral_port_exhaustion_ratio:max{job=\"ephemeral_port\",protocol=\"tcp\"} < 0.5"
echo "servers up after $(elapsed "$start_time") s; headline before the fill:"
python3 - "http://$PROM_ADDR" <<'PY'
import json, sys, urllib.parse, urllib.request
q = "instance_protocol:ephemeral_port_exhaustion_ratio:max"
u = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
for r in json.load(urllib.request.urlopen(u, timeout=10))["data"]["result"]:
    print("  %s %s = %s" % (r["metric"].get("instance"), r["metric"].get("protocol"), r["value"][1]))
PY

# A few seconds of quiet baseline before the fill.
sleep 3

# ---------------------------------------------------------------- exhaust
holder_start "$holder"

send "listen 127.0.0.1 $TARGET_PORT"
[[ "$reply" == "ok $TARGET_PORT" ]] || fail "listen failed: $reply"

warn_time=$(date +%s.%N)
send "connect 127.0.0.1 $TARGET_PORT $WARN_CONNECTIONS"
[[ "$reply" == "ok $WARN_CONNECTIONS 0" ]] || fail "expected $WARN_CONNECTIONS connections, got: $reply"
echo
echo "=== waiting up to ${TIMEOUT}s for the ticket ($INHIBITED_ALERT, severity warning)"
poll "ticket $INHIBITED_ALERT at /ticket" quiet_check notification "$work/webhook" /ticket firing \
  "$INHIBITED_ALERT" warning "$EXPORTER_ADDR"
check notification "$work/webhook" /ticket firing "$INHIBITED_ALERT" warning "$EXPORTER_ADDR"
echo "TICKET arrived $(elapsed "$warn_time") s after $WARN_CONNECTIONS connections"

fill_time=$(date +%s.%N)
send "fill 127.0.0.1 $TARGET_PORT"
read -r ok opened err <<<"$reply"
[[ "$ok" == ok && "$err" == EADDRNOTAVAIL && "$opened" -gt 0 ]] ||
  fail "expected the fill to stop with EADDRNOTAVAIL, got: $reply"
echo "exhausted: $opened more connections to 127.0.0.1:$TARGET_PORT, then connect() failed with $err"
send "attempt 127.0.0.1 $TARGET_PORT 5"
[[ "$reply" == "ok 5 EADDRNOTAVAIL" ]] || fail "expected 5 more connects to fail, got: $reply"

echo
echo "=== waiting up to ${TIMEOUT}s for the page ($ALERT through pagerduty_configs, Events API v2)"
pd_fields=(payload.severity=critical "payload.summary=$ALERT on $EXPORTER_ADDR"
  "payload.custom_details.runbook=http://$EXPORTER_ADDR/runbook#ephemeralportexhaustionimminent"
  "payload.custom_details.description=$EXPORTER_ADDR")
poll "PagerDuty trigger for $ALERT" quiet_check pagerduty "$work/webhook" trigger "$ROUTING_KEY" \
  "${pd_fields[@]}"
page_after=$(elapsed "$fill_time")
echo "PAGE arrived $page_after s after the fill began"
check pagerduty "$work/webhook" trigger "$ROUTING_KEY" "${pd_fields[@]}" >"$work/page.txt"
sed '$d' "$work/page.txt"
dedup_key=$(tail -n 1 "$work/page.txt")
[[ -n "$dedup_key" ]] || fail "the trigger has no dedup_key"
echo "trigger: routing key $ROUTING_KEY, severity critical, summary and runbook checked, dedup_key $dedup_key"
curl -fsS -m 10 "http://$EXPORTER_ADDR/runbook" >"$work/runbook.html" ||
  fail "the page's runbook link does not resolve: http://$EXPORTER_ADDR/runbook"
grep -q '<h2 id="ephemeralportexhaustionimminent">' "$work/runbook.html" ||
  fail "the exporter's /runbook has no #ephemeralportexhaustionimminent section"
echo "runbook link resolves: http://$EXPORTER_ADDR/runbook has #ephemeralportexhaustionimminent"

echo
echo "=== the kernel saw the failing connects: waiting for the page $FAILING_ALERT"
failing_fields=(payload.severity=critical "payload.summary=$FAILING_ALERT on $EXPORTER_ADDR"
  "payload.custom_details.runbook=http://$EXPORTER_ADDR/runbook#ephemeralportconnectsfailing")
poll "PagerDuty trigger for $FAILING_ALERT" quiet_check pagerduty "$work/webhook" trigger "$ROUTING_KEY" \
  "${failing_fields[@]}"
echo "PAGE $FAILING_ALERT arrived $(elapsed "$fill_time") s after the fill began (runbook link checked)"
# A scrape joins a collection already running, which may have read the
# counters a moment earlier: poll until port_holder's 6 failures show, then
# insist on exactly 6 for it. The namespace's total may be higher: its 200
# ports also serve this test's own HTTP clients, whose TIME_WAIT sockets
# toward one server can run a connect out of ports too (seen: 7).
counted_six() {
  curl -fsS -m 10 "http://$EXPORTER_ADDR/metrics" >"$work/after_failures.prom" &&
    grep -q "^ephemeral_port_process_connect_failures_total{process=\"port_holder\",pid=\"$holder_pid\"} 6$" \
      "$work/after_failures.prom"
}
poll "port_holder's 6 failed connects counted on its pid" counted_six
total=$(awk '/^ephemeral_port_connect_failures_total\{protocol="tcp",family="ipv4"\}/ { print $2 }' \
  "$work/after_failures.prom")
[[ -n "$total" ]] && ((total >= 6)) || fail "the namespace's connect failures ($total) are fewer than port_holder's 6"
if ((total > 6)); then
  echo "note: $((total - 6)) more failures in the namespace, by:"
  grep '^ephemeral_port_process_connect_failures_total' "$work/after_failures.prom" | grep -v port_holder
fi

echo
echo "=== the pod's failing connects: waiting for the page EphemeralPortNamespaceConnectsFailing"
pod_netns=$(stat -L -c %i "/proc/$pod_pid/ns/net") || fail "cannot read the pod's network namespace"
# Other tests' namespaces on this host may fail too and share the page's
# group (then its summary is empty): the pod's namespace is checked in ALERTS.
poll "EphemeralPortNamespaceConnectsFailing firing for netns $pod_netns" quiet_check prom-has \
  "http://$PROM_ADDR" "ALERTS{alertname=\"EphemeralPortNamespaceConnectsFailing\",netns=\"$pod_netns\",alertstate=\"firing\"}"
ns_fields=(payload.severity=critical
  "payload.summary=EphemeralPortNamespaceConnectsFailing on $EXPORTER_ADDR"
  "payload.custom_details.runbook=http://$EXPORTER_ADDR/runbook#ephemeralportnamespaceconnectsfailing")
poll "PagerDuty trigger for EphemeralPortNamespaceConnectsFailing" quiet_check pagerduty "$work/webhook" \
  trigger "$ROUTING_KEY" "${ns_fields[@]}"
echo "PAGE EphemeralPortNamespaceConnectsFailing arrived; it fires for the pod's namespace $pod_netns"

echo
echo "=== Alertmanager inhibits $INHIBITED_ALERT while $ALERT fires"
poll "$INHIBITED_ALERT shown as inhibited by Alertmanager" quiet_check suppressed \
  "http://$AM_ADDR" "$INHIBITED_ALERT" "$EXPORTER_ADDR"
check suppressed "http://$AM_ADDR" "$INHIBITED_ALERT" "$EXPORTER_ADDR"

echo
echo "=== every dashboard query against the live Prometheus"
# Wait until the slowest-appearing series the dashboards use exist.
poll "recorded hours-to-exhaustion series" quiet_check prom-has "http://$PROM_ADDR" \
  "instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h"
poll "recorded namespace headline series" quiet_check prom-has "http://$PROM_ADDR" \
  "netns_protocol:ephemeral_port_namespace_exhaustion_ratio:max"
poll "ALERTS series for the firing page" quiet_check prom-has "http://$PROM_ADDR" \
  "ALERTS{alertname=\"$ALERT\",alertstate=\"firing\"}"
python3 "$root/tests/dashboards/extract_queries.py" --var job=ephemeral_port \
  --var "instance=$EXPORTER_ADDR" --var service=WAPCSvc "$root/dashboards" >"$work/queries.txt" ||
  fail "could not extract dashboard queries"
echo "$(wc -l <"$work/queries.txt") queries, variables: job=ephemeral_port instance=$EXPORTER_ADDR service=WAPCSvc, \$__rate_interval=1m, \$__range=1h"
check query-all "http://$PROM_ADDR" "$work/queries.txt" >"$work/queries.out"
query_status=$?
grep -v '^ok ' "$work/queries.out"
((query_status == 0)) || fail "dashboard queries failed (see above)"

# ---------------------------------------------------------------- release
echo
release_time=$(date +%s.%N)
send "release"
echo "=== waiting up to ${TIMEOUT}s for the resolved notification"
poll "PagerDuty resolve with dedup_key $dedup_key" quiet_check pagerduty "$work/webhook" resolve \
  "$ROUTING_KEY" "$dedup_key"
echo "RESOLVED (event_action resolve, same dedup_key) arrived $(elapsed "$release_time") s after the connections were released"
send "quit"

echo
echo "notifications received:"
check summary "$work/webhook"
echo
echo "PASSED: ticket for the warning, PagerDuty trigger after ${page_after} s of exhaustion and resolve after release," \
  "all dashboard queries returned data (total $(elapsed "$start_time") s)"

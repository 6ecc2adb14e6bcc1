#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A collection bounded by the scraper: net/snmp of a fixture procfs tree is
# a FIFO with no writer, so the tcp_stats collector blocks. A scrape that
# says X-Prometheus-Scrape-Timeout-Seconds: 2 is answered before 2 s with
# collector_success{collector="tcp_stats"} 0 and the other collectors'
# data; without the header the configured cap (limits.scrape_wait_seconds)
# bounds it. Once the FIFO is fed, the next collection is complete.
# Usage: scrape_timeout_test.sh EXPORTER [PROCFS_FIXTURE]
set -euo pipefail

EXPORTER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PROCFS=$(cd "${2:-$HERE/../fixtures/procfs}" && pwd)
source "$HERE/../e2e/lib.sh"   # TMP_DIR, cleanup trap, fail, start_exporter
command -v curl >/dev/null || fail "curl is not installed"

cp -r "$PROCFS" "$TMP_DIR/proc"
mv "$TMP_DIR/proc/net/snmp" "$TMP_DIR/snmp.real"
mkfifo "$TMP_DIR/proc/net/snmp"
printf 'limits:\n  scrape_wait_seconds: 3\n' >"$TMP_DIR/config.yml"
start_exporter "$TMP_DIR/exporter.log" --source=procfs \
  --path.procfs="$TMP_DIR/proc" --config.file="$TMP_DIR/config.yml"
URL="http://127.0.0.1:$EXPORTER_PORT/metrics"

# scrape OUT [HEADER]: prints the seconds the answer took.
scrape() {
  local out=$1
  shift
  curl -sf --max-time 20 -o "$out" -w '%{time_total}' "$@" "$URL" || fail "scrape failed"
}
value() { # value FILE SERIES
  awk -v s="$2" '$1 == s {print $2}' "$1"
}
took=$(scrape "$TMP_DIR/first.prom" -H 'X-Prometheus-Scrape-Timeout-Seconds: 2')
awk -v t="$took" 'BEGIN {exit !(t < 2.0 && t >= 1.5)}' ||
  fail "scrape with a 2 s timeout took $took s (expected 1.75 s: 2 s less the 0.25 s margin)"
[[ $(value "$TMP_DIR/first.prom" 'ephemeral_port_collector_success{collector="tcp_stats"}') == 0 ]] ||
  fail "the stuck tcp_stats collector is not marked failed: $(grep collector_success "$TMP_DIR/first.prom")"
[[ $(value "$TMP_DIR/first.prom" 'ephemeral_port_collector_success{collector="sockets"}') == 1 ]] ||
  fail "sockets lost its success: $(grep collector_success "$TMP_DIR/first.prom")"
grep -q 'collector=tcp_stats msg="still running at the scrape deadline' "$TMP_DIR/exporter.log" ||
  fail "no log line names the stuck collector: $(cat "$TMP_DIR/exporter.log")"
echo "ok: scrape with a 2 s timeout answered in $took s, tcp_stats 0, sockets 1"

took=$(scrape "$TMP_DIR/second.prom")
awk -v t="$took" 'BEGIN {exit !(t < 4.0 && t >= 2.5)}' ||
  fail "scrape without a timeout header took $took s (cap 3 s)"
[[ $(value "$TMP_DIR/second.prom" 'ephemeral_port_collector_success{collector="tcp_stats"}') == 0 ]] ||
  fail "tcp_stats not marked failed under the cap"
echo "ok: scrape without a header answered at the 3 s cap ($took s)"

# Feed the FIFO: the stuck collection completes; put the real file back so
# the next collection reads it.
exec 3>"$TMP_DIR/proc/net/snmp"
mv "$TMP_DIR/snmp.real" "$TMP_DIR/proc/net/snmp.new"
mv "$TMP_DIR/proc/net/snmp.new" "$TMP_DIR/proc/net/snmp"
cat "$TMP_DIR/proc/net/snmp" >&3
exec 3>&-
ok=
for _ in $(seq 1 50); do
  scrape "$TMP_DIR/fresh.prom" -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' >/dev/null
  if [[ $(value "$TMP_DIR/fresh.prom" 'ephemeral_port_collector_success{collector="tcp_stats"}') == 1 ]]; then
    ok=1
    break
  fi
  sleep 0.1
done
[[ -n $ok ]] || fail "tcp_stats never recovered: $(grep collector_success "$TMP_DIR/fresh.prom")"
grep -q '^ephemeral_port_tcp_active_opens_total' "$TMP_DIR/fresh.prom" ||
  fail "no TCP counters after recovery"
echo "ok: after the FIFO was fed, a complete collection with tcp_stats 1"
echo "PASS"

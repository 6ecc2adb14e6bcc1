#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What the incident recorder's own sampling costs at N held connections
# (default 100,000), in a private network namespace, with nothing scraping:
# the exporter's CPU and RSS over a window in three modes, one exporter each,
# the same load held throughout:
#   off       incidents.interval_seconds 3600 and a threshold no headline
#             reaches: the timer does not fire within the window
#   default   interval 15 s and the same threshold: below the watch level
#             (threshold - 0.2) the recorder samples every 15 s
#   recording threshold 0.000001: an incident is open, so it samples every 3 s,
#             keeps the worst moment (a second analysis with lists of 50)
#             and writes the incident file
# CPU per sample is the mode's CPU over the window less that of `off`, over
# the samples taken: the window over (delay + one collection's wall time).
# It also times /metrics scrapes, for comparison (a scrape is one collection
# plus the exposition).
#
# usage: bench/incident_sampling.sh EXPORTER [--connections N] [--window S]
#                                   [--out FILE]
# Needs root (unshare -n, sysctls) and g++. Exit 0: measured; 2: the harness
# broke (message on stderr); 77: cannot run here.
set -uo pipefail
export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
log() { echo "incident_sampling: $*" >&2; }
die() { echo "incident_sampling: error: $*" >&2; exit 2; }

EXPORTER=${1:-}
[ -x "$EXPORTER" ] || die "usage: $0 EXPORTER [--connections N] [--window S] [--out FILE]"
EXPORTER=$(readlink -f "$EXPORTER")
shift
CONNECTIONS=100000 WINDOW=60 OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --connections) CONNECTIONS=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done

if [ -z "${EPX_IN_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
  unshare -n true 2>/dev/null || { echo "SKIP: unshare -n not permitted"; exit 77; }
  command -v g++ >/dev/null || die "g++ not found"
  TOOLS="$REPO/build-bench/bench-tools"
  mkdir -p "$TOOLS" || die "cannot create $TOOLS"
  if [ ! -x "$TOOLS/epx_bench_load" ] || [ "$BENCH_DIR/loadgen.cc" -nt "$TOOLS/epx_bench_load" ]; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$TOOLS/epx_bench_load.$$" "$BENCH_DIR/loadgen.cc" &&
      mv -f "$TOOLS/epx_bench_load.$$" "$TOOLS/epx_bench_load" || die "compiling loadgen.cc failed"
  fi
  WORK=$(mktemp -d /tmp/epx-incident-bench.XXXXXX)
  log "work directory $WORK"
  # One benchmark at a time (bench/README.md): they skew each other.
  exec 9>/tmp/epx-bench.lock
  flock 9
  [ -z "$OUT" ] || OUT=$(readlink -f "$OUT")
  export EPX_IN_NETNS=1 TOOLS WORK
  unshare -n -- bash "$0" "$EXPORTER" --connections "$CONNECTIONS" --window "$WINDOW" \
    ${OUT:+--out "$OUT"}
  exit $?
fi

# ------------------------------------------------------- in the namespace
load_pid="" exporter_pid=""
cleanup() {
  [ -n "$exporter_pid" ] && stop_pid "$exporter_pid"
  [ -n "$load_pid" ] && stop_pid "$load_pid" 60
}
trap cleanup EXIT
trap 'exit 3' TERM INT

ip link set lo up || die "ip link set lo up failed"
sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=65535 \
  net.ipv4.tcp_max_syn_backlog=65535 || die "sysctls failed"

timeout_s=$((60 + CONNECTIONS / 1000))
setpriv --pdeathsig KILL -- "$TOOLS/epx_bench_load" --connections="$CONNECTIONS" \
  --churn-rate=0 --udp=20 --timeout="$timeout_s" --pidfile="$WORK/load.pids" \
  >"$WORK/load.log" 2>&1 &
load_pid=$!
deadline=$((SECONDS + timeout_s + 60))
until grep -qs "^ready" "$WORK/load.log"; do
  kill -0 "$load_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] ||
    die "load generator failed: $(tail -n 3 "$WORK/load.log")"
  sleep 0.5
done
established=$(awk '/^established/ { print $2 }' "$WORK/load.log")
log "load: $established connections held"

metric() {  # metric NAME_WITH_LABELS from the last scrape
  awk -v n="$1" '$1 == n { print $2 }' "$WORK/scrape.txt"
}

# run_mode NAME THRESHOLD INTERVAL: prints "NAME cpu_s rss_kb hwm_kb
# collect_s ratio active scrape_cpu_s hwm_after_scrapes_kb".
run_mode() {
  local name=$1 threshold=$2 interval=$3 url=http://127.0.0.1:19153
  printf 'incidents:\n  threshold: %s\n  interval_seconds: %s\n' "$threshold" "$interval" \
    >"$WORK/$name.yml"
  setpriv --pdeathsig KILL -- "$EXPORTER" --web.listen-address=127.0.0.1:19153 \
    --config.file="$WORK/$name.yml" --storage.path="$WORK/incidents-$name" \
    --no-selftest.at-start >"$WORK/$name.log" 2>&1 &
  exporter_pid=$!
  local up=$((SECONDS + 60))
  until curl -sf -o /dev/null --max-time 2 "$url/-/healthy"; do
    kill -0 "$exporter_pid" 2>/dev/null && [ $SECONDS -lt $up ] ||
      die "exporter ($name) did not start: $(tail -n 3 "$WORK/$name.log")"
    sleep 0.2
  done
  # The start collects once; let it and the first sample settle.
  sleep 10
  local t0 t1
  t0=$(cpu_ticks "$exporter_pid")
  sleep "$WINDOW"
  t1=$(cpu_ticks "$exporter_pid")
  local rss hwm
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$exporter_pid/status")
  hwm=$(hwm_kb "$exporter_pid")
  local s0 s1 i
  s0=$(cpu_ticks "$exporter_pid")
  for i in 1 2 3; do curl -sf --max-time 60 "$url/metrics" >"$WORK/scrape.txt" || die "scrape failed"; done
  s1=$(cpu_ticks "$exporter_pid")
  local hwm_scraped
  hwm_scraped=$(hwm_kb "$exporter_pid")
  local collect=0 c
  for c in sockets processes port_range tcp_stats bpf_sockets; do
    local d
    d=$(metric "ephemeral_port_collector_duration_seconds{collector=\"$c\"}")
    [ -n "$d" ] && collect=$(awk -v a="$collect" -v b="$d" 'BEGIN { print a + b }')
  done
  local hz
  hz=$(getconf CLK_TCK)
  echo "$name $(awk -v t=$((t1 - t0)) -v h="$hz" 'BEGIN { printf "%.3f", t / h }') $rss $hwm" \
    "$collect $(awk -v r="$(metric 'ephemeral_port_exhaustion_ratio{protocol="tcp"}')" 'BEGIN { printf "%.4f", r }')" \
    "$(metric ephemeral_port_incident_active)" \
    "$(awk -v t=$((s1 - s0)) -v h="$hz" 'BEGIN { printf "%.3f", t / h / 3 }') $hwm_scraped"
  stop_pid "$exporter_pid"
  exporter_pid=""
}

{
  run_mode off 1 3600
  run_mode default 1 15
  run_mode recording 0.000001 15
} >"$WORK/modes.txt"
cat "$WORK/modes.txt" >&2

report() {
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "# Incident recorder sampling cost at $established connections"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores by \`bash bench/incident_sampling.sh\`"
  echo "(exporter \`$(basename "$EXPORTER")\`, window ${WINDOW} s without scrapes per mode, load"
  echo "average at the end $load: CPU figures are those of a shared machine)."
  echo
  echo "| Mode | Samples in window | Exporter CPU in window | CPU per sample | RSS at window end | Peak RSS in window | Peak RSS after 3 scrapes | Collection wall time | TCP headline | Incident open | CPU per /metrics scrape |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local off_cpu
  off_cpu=$(awk '$1 == "off" { print $2 }' "$WORK/modes.txt")
  while read -r name cpu rss hwm collect ratio active scrape hwm_scraped; do
    local delay samples per
    case $name in off) delay=3600 ;; default) delay=15 ;; recording) delay=3 ;; esac
    samples=$(awk -v w="$WINDOW" -v d="$delay" -v c="$collect" 'BEGIN { printf "%.1f", w / (d + c) }')
    per=$(awk -v a="$cpu" -v b="$off_cpu" -v s="$samples" \
      'BEGIN { if (s < 0.5) print "-"; else printf "%.0f ms", (a - b) / s * 1000 }')
    echo "| $name | $samples | ${cpu} s | $per | $((rss / 1024)) MB | $((hwm / 1024)) MB |" \
      "$((hwm_scraped / 1024)) MB |" \
      "$(awk -v c="$collect" 'BEGIN { printf "%.3f s", c }') | $ratio | $active |" \
      "$(awk -v s="$scrape" 'BEGIN { printf "%.0f ms", s * 1000 }') |"
  done <"$WORK/modes.txt"
}
if [ -n "$OUT" ]; then report >"$OUT"; log "wrote $OUT"; fi
report

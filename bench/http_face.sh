#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HTTP face at N connections (default 100,000) with --top.*=1000, in a
# private network namespace: body bytes and exporter CPU per scrape with
# and without gzip, then scrape latency while 300 idle and 100 half-request
# connections are held and reopened (tests/http/hold_and_scrape.py).
# Writes bench/results/http_face.md. As root:
#   bash bench/http_face.sh [--connections N] [--rounds R] [--hold-seconds S]
#                           [--exporter PATH] [--out DIR]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
N=100000 ROUNDS=5 HOLD=30 EXPORTER="" OUT=$REPO/bench/results
while [ $# -gt 0 ]; do
  case $1 in
    --connections) N=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --hold-seconds) HOLD=$2; shift 2 ;;
    --exporter) EXPORTER=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "http_face: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { echo "http_face: $*" >&2; }
die() { echo "http_face: error: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespace, sysctls)"

if [ -z "${EPX_HTTP_FACE_INNER:-}" ]; then
  TOOLS=$REPO/build-bench/bench-tools
  mkdir -p "$TOOLS" "$OUT"
  if [ ! -x "$TOOLS/epx_bench_load" ] || [ "$REPO/bench/loadgen.cc" -nt "$TOOLS/epx_bench_load" ]; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$TOOLS/epx_bench_load" "$REPO/bench/loadgen.cc" ||
      die "compiling loadgen.cc failed"
  fi
  if [ -z "$EXPORTER" ]; then
    EXPORTER=$REPO/build-bench/exporter/ephemeral_port_exporter
    cmake -S "$REPO" -B "$REPO/build-bench" -DEPX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$REPO/build-bench" -j2 >/dev/null || die "building the exporter failed"
  fi
  exec env EPX_HTTP_FACE_INNER=1 TOOLS="$TOOLS" unshare -n -- bash "$0" \
    --connections "$N" --rounds "$ROUNDS" --hold-seconds "$HOLD" --exporter "$EXPORTER" --out "$OUT"
fi

WORK=$(mktemp -d /tmp/epx-http-face.XXXXXX)
EXP_PID="" LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  if [ -s "$WORK/load.pids" ]; then
    while read -r p; do
      [[ $(cat "/proc/$p/comm" 2>/dev/null) == epx[-_]* ]] && kill -KILL "$p" 2>/dev/null
    done <"$WORK/load.pids"
  fi
  [ -n "$EXP_PID" ] && kill "$EXP_PID" 2>/dev/null
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT
ip link set lo up
sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=65535 \
  net.ipv4.tcp_max_syn_backlog=65535
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true

"$EXPORTER" --web.listen-address=127.0.0.1:19152 --top.processes=1000 \
  --top.destinations=1000 --top.local-addresses=1000 >"$WORK/exporter.log" 2>&1 &
EXP_PID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:19152/-/healthy && break; sleep 0.1; done
"$TOOLS/epx_bench_load" --connections="$N" --churn-rate=0 --udp=20 --timeout=$((60 + N / 1000)) \
  --pidfile="$WORK/load.pids" >"$WORK/load.log" 2>&1 &
LOAD_PID=$!
for _ in $(seq 1 $((2 * (120 + N / 500)))); do
  grep -qs '^ready' "$WORK/load.log" && break
  kill -0 "$LOAD_PID" 2>/dev/null || die "load generator failed: $(tail -3 "$WORK/load.log")"
  sleep 0.5
done
grep -qs '^ready' "$WORK/load.log" || die "load not ready"
log "N=$N connections up"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ticks() { local l r; read -r l <"/proc/$EXP_PID/stat"; r=${l##*) }; local -a f; read -ra f <<<"$r"; echo $((f[11] + f[12])); }
HZ=$(getconf CLK_TCK)
declare -A BYTES CPU WALL
for enc in identity gzip; do
  hdr=(); [ "$enc" = gzip ] && hdr=(-H 'Accept-Encoding: gzip')
  curl -sf -o /dev/null "${hdr[@]}" http://127.0.0.1:19152/metrics  # warm
  t0=$(ticks) bytes=0 wall=0
  for _ in $(seq 1 "$ROUNDS"); do
    line=$(curl -sf -o /dev/null -w '%{size_download} %{time_total}' "${hdr[@]}" http://127.0.0.1:19152/metrics)
    bytes=${line% *}
    wall=$(awk -v a="$wall" -v b="${line#* }" 'BEGIN {print a + b}')
  done
  t1=$(ticks)
  BYTES[$enc]=$bytes
  CPU[$enc]=$(awk -v t=$((t1 - t0)) -v r="$ROUNDS" -v hz="$HZ" 'BEGIN {printf "%.1f", 1000 * t / hz / r}')
  WALL[$enc]=$(awk -v w="$wall" -v r="$ROUNDS" 'BEGIN {printf "%.0f", 1000 * w / r}')
  log "$enc: ${BYTES[$enc]} bytes, ${CPU[$enc]} ms CPU, ${WALL[$enc]} ms wall per scrape"
done

log "holding 300 idle + 100 half-request connections for ${HOLD}s while scraping"
python3 "$REPO/tests/http/hold_and_scrape.py" http://127.0.0.1:19152/metrics 300 100 "$HOLD" \
  >"$WORK/hold.json" 2>"$WORK/hold.err" || true
HOLD_JSON=$(cat "$WORK/hold.json")
log "under the idle-connection load: $HOLD_JSON"
read -r SCRAPES WORST MEDIAN FAILS < <(python3 -c 'import json,sys
d = json.loads(sys.argv[1]); print(d["scrapes"], d["worst_s"], d["median_s"], d["failure_count"])' "$HOLD_JSON")

{
  echo "# HTTP face at N = $N connections, --top.*=1000"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores by \`bash bench/http_face.sh\`; each figure is"
  echo "the mean of $ROUNDS scrapes (CPU: the exporter's utime+stime, ${HZ} Hz ticks). Host load average"
  echo "$LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end: wall times are only comparable"
  echo "between runs at a similar load."
  echo
  echo "| Encoding | Body bytes | Exporter CPU per scrape | Wall per scrape |"
  echo "|---|---:|---:|---:|"
  echo "| identity | ${BYTES[identity]} | ${CPU[identity]} ms | ${WALL[identity]} ms |"
  echo "| gzip | ${BYTES[gzip]} | ${CPU[gzip]} ms | ${WALL[gzip]} ms |"
  echo
  echo "With 300 idle and 100 half-request connections held from 127.0.0.2 and reopened as"
  echo "soon as dropped, for ${HOLD} s: $SCRAPES scrapes from 127.0.0.1, median ${MEDIAN} s, worst ${WORST} s,"
  echo "$FAILS failed or over 2 s."
} >"$OUT/http_face.md"
cat "$OUT/http_face.md"

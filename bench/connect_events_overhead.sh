#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What the connect_events collector (BPF) costs: a tight TCP connect/close
# loop on loopback with the exporter's collector on and off, interleaved in
# one run, each phase in its own network namespace; the exporter's CPU per
# scrape with and without it; the kernel memory of its maps.
#
#   bash bench/connect_events_overhead.sh [--rounds 6] [--seconds 5] [--exporter PATH] [--out DIR]
#
# Root (network namespaces, BPF). Writes DIR/connect_events.md (default
# bench/results) and prints it. Exit 0 when the harness ran, whatever the
# numbers; 2 when it broke; 77 when BPF cannot load here.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=6
SECONDS_PER_PHASE=5
EXPORTER=
OUT=$repo/bench/results
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_PER_PHASE=$2; shift ;;
    --exporter) EXPORTER=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--rounds N] [--seconds S] [--exporter PATH] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
die() { echo "connect_events bench: error: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/epx-ce-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$EXPORTER" ]; then
  bash "$repo/deploy/deps.sh" >/dev/null
  cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DEPX_BUILD_TESTS=OFF >/dev/null
  cmake --build "$repo/build-bench" -j2 --target ephemeral_port_exporter >/dev/null
  EXPORTER=$repo/build-bench/exporter/ephemeral_port_exporter
fi
g++ -O2 -std=c++17 -pthread -o "$work/connect_loop" "$repo/bench/connect_loop.cc" || die "building connect_loop"

# phase ON|OFF: one namespace, the exporter, the loop; prints rate, the
# exporter's CPU seconds per scrape over 20 scrapes, map memory (bytes).
phase() {
  local mode=$1
  EPX_CE_MODE=$mode EPX_CE_EXPORTER=$EXPORTER EPX_CE_LOOP=$work/connect_loop \
    EPX_CE_SECONDS=$SECONDS_PER_PHASE unshare -n bash -c '
    set -euo pipefail
    ip link set lo up
    flag=false; [ "$EPX_CE_MODE" = on ] && flag=true
    "$EPX_CE_EXPORTER" --web.listen-address=127.0.0.1:19152 \
      --collector.connect_events=$flag >/dev/null 2>&1 &
    exp=$!
    for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:19152/metrics && break; sleep 0.05; done
    # Read whole first: grep -q ending early would fail curl (pipefail).
    metrics=$(curl -fs http://127.0.0.1:19152/metrics || true)
    if [ "$flag" = true ] && ! grep -q "^ephemeral_port_collector_success{collector=\"connect_events\"} 1" <<<"$metrics"; then
      kill $exp; echo "bpf-unavailable"; exit 0
    fi
    rate=$("$EPX_CE_LOOP" 5000 "$EPX_CE_SECONDS" | awk "{print \$6}")
    ticks() { awk "{print \$14 + \$15}" /proc/$exp/stat; }
    t0=$(ticks)
    for _ in $(seq 20); do curl -fs -o /dev/null http://127.0.0.1:19152/metrics; done
    t1=$(ticks)
    hz=$(getconf CLK_TCK)
    mem=0
    for fd in /proc/$exp/fdinfo/*; do
      m=$(awk "/^memlock:/ {print \$2}" "$fd" 2>/dev/null || true)
      [ -n "$m" ] && mem=$((mem + m))
    done
    kill $exp; wait $exp 2>/dev/null || true
    echo "$rate $(awk -v a=$t0 -v b=$t1 -v hz=$hz "BEGIN {printf \"%.5f\", (b - a) / hz / 20}") $mem"
  '
}

on_rates=(); off_rates=(); on_cpu=(); off_cpu=(); mem=0
for r in $(seq "$ROUNDS"); do
  for mode in off on; do
    out=$(phase $mode)
    if [ "$out" = bpf-unavailable ]; then
      echo "SKIPPED: the connect_events collector does not load here"; exit 77
    fi
    read -r rate cpu m <<<"$out"
    echo "round $r $mode: $rate connects/s, $cpu s CPU per scrape, maps $m bytes" >&2
    if [ $mode = on ]; then on_rates+=("$rate"); on_cpu+=("$cpu"); mem=$m
    else off_rates+=("$rate"); off_cpu+=("$cpu"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }
m_on=$(median "${on_rates[@]}"); m_off=$(median "${off_rates[@]}")
c_on=$(median "${on_cpu[@]}"); c_off=$(median "${off_cpu[@]}")
slowdown=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.1f", (1 - a / b) * 100}')
verdict=$(awk -v s="$slowdown" 'BEGIN {print (s < 3) ? "holds" : "misses"}')
mkdir -p "$OUT"
{
  echo "# connect_events overhead"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); kernel $(uname -r); $(nproc) CPUs; $ROUNDS interleaved rounds of ${SECONDS_PER_PHASE} s per mode (medians)."
  echo "- Syscall hooks (bind, UDP connect): $([ -d /sys/kernel/tracing/events/syscalls ] && echo "attached (tracefs mounted)" || echo "not attached (no tracefs): TCP raw tracepoint only")."
  echo "- Load: one process connecting to and closing (RST) 127.0.0.1:5000 as fast as it can, a thread accepting, in a private network namespace with the exporter running."
  echo
  echo "| | collector off | collector on |"
  echo "|---|---|---|"
  echo "| connects per second (median) | $m_off | $m_on |"
  echo "| exporter CPU per scrape (s) | $c_off | $c_on |"
  echo "| kernel memory of the BPF maps (bytes, fdinfo memlock) | — | $mem |"
  echo
  echo "Slowdown of the connect loop with the collector on: **${slowdown}%** (target under 3%: $verdict)."
  echo
  echo "Per round, off: ${off_rates[*]}; on: ${on_rates[*]}."
} >"$OUT/connect_events.md"
cat "$OUT/connect_events.md"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The first scrape and the peak RSS at N connections (issue 26's figures),
# with the default config unless flags are given: in a fresh private network
# namespace per run, N loopback connections (bench/loadgen.cc, no churn) are
# held; the exporter starts and /metrics is asked every 50 ms from then on,
# so the first answer includes the start-up self-test; then 5 steady
# scrapes (median) and VmHWM. Binaries alternate run by run.
#
# usage: bench/start_and_peak.sh [--connections N] [--rounds R]
#          EXPORTER [EXPORTER...] [-- EXPORTER FLAGS]
# Prints one line per run: binary, first s, steady s, first/steady, VmHWM.
set -uo pipefail
export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/lib.sh"

# one_run LOADGEN N EXPORTER [FLAGS...]: one measurement, in the private
# namespace this script was started in with --one-run.
one_run() {
  local loadgen=$1 n=$2 bin=$3 url=http://127.0.0.1:19171/metrics
  shift 3
  local work exp first steady=() i
  work=$(dirname "$loadgen")
  ip link set lo up
  echo "1024 65000" >/proc/sys/net/ipv4/ip_local_port_range
  for i in $(seq 2 64); do ip addr add "127.1.0.$i/8" dev lo 2>/dev/null; done
  start_held_load "$loadgen" "$n" 180 "$work/load.log" || { echo "load failed"; return 1; }
  "$bin" --web.listen-address=127.0.0.1:19171 "$@" >"$work/exporter.log" 2>&1 &
  exp=$!
  first=$(first_answer "$url" "$exp" 60) || first=""
  for _ in 1 2 3 4 5; do
    steady+=("$(curl -fs -o /dev/null --max-time 60 -w "%{time_total}" "$url")")
  done
  local med hwm
  med=$(median "${steady[@]}")
  hwm=$(hwm_kb "$exp")
  stop_pid "$exp"
  stop_pid "$LOAD_PID"
  awk -v b="$bin" -v f="${first:-nan}" -v s="$med" -v h="$hwm" \
    'BEGIN { printf "%-50s %8.3f %8.3f %6.2f %10d\n", b, f, s, f / s, h }'
}

if [ "${1:-}" = --one-run ]; then
  shift
  one_run "$@"
  exit
fi

CONNECTIONS=100000
ROUNDS=2
binaries=()
while [ $# -gt 0 ]; do
  case $1 in
    --connections) CONNECTIONS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --) shift; break ;;
    *) binaries+=("$1") ;;
  esac
  shift
done
[ ${#binaries[@]} -gt 0 ] || { echo "usage: start_and_peak.sh [--connections N] [--rounds R] EXPORTER... [-- FLAGS]" >&2; exit 2; }
require_root_and_netns
build_loadgen start-peak || exit 1

echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $CONNECTIONS connections, flags: ${*:-(default)}"
printf '%-50s %8s %8s %6s %10s\n' binary first_s steady_s ratio VmHWM_kB
for _ in $(seq "$ROUNDS"); do
  for bin in "${binaries[@]}"; do
    unshare -n bash "$0" --one-run "$LOADGEN" "$CONNECTIONS" "$bin" "$@"
  done
done

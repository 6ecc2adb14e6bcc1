#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Cost of the netlink source's second TCP dump (K1: connected sockets bound
# to an explicit port, a "not INET_DIAG_BC_AUTO" bytecode filter) against
# the plain dumps, at N established loopback connections in a private
# network namespace (the load of bench/run.sh, without churn). See
# bench/README.md ("Explicit-port dump").
#
# usage: bench/explicit_port_dump.sh [--points 10000,100000] [--rounds 7]
#                                    [--out DIR] [--tools-dir DIR]
# Each round runs, in turn, 5 dumps of each kind with epx_bench_dump:
#   both           TCPDIAG_GETSOCK, both families, all states (the
#                  exporter's TCP dump below 10,000 sockets)
#   per-family     one SOCK_DIAG_BY_FAMILY dump per family
#   explicit-port  the filtered dump the exporter adds every scrape
# and reports medians of the per-dump time. Needs root. Writes
# DIR/explicit-port-dump.md (default bench/results). Exit 0 when the
# harness ran, 2 when it broke.
set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$BENCH_DIR/explicit_port_dump.sh"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
die() { echo "bench-explicit-port: error: $*" >&2; exit 2; }

if [ "${1:-}" = --inner ]; then
  n=$2 rounds=$3 tools=$4 work=$5
  load_pid=''
  cleanup() {
    if [ -n "$load_pid" ]; then
      kill -TERM "$load_pid" 2>/dev/null
      wait "$load_pid" 2>/dev/null
    fi
  }
  trap cleanup EXIT
  ip link set lo up || die "ip link set lo up failed"
  sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
    net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 || die "sysctls"
  setpriv --pdeathsig KILL -- "$tools/epx_bench_load" --connections="$n" \
    --churn-rate=0 --udp=20 --timeout=$((60 + n / 1000)) >"$work/load.log" 2>&1 &
  load_pid=$!
  deadline=$((SECONDS + 120 + n / 1000))
  until grep -qs '^ready' "$work/load.log"; do
    kill -0 "$load_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] \
      || die "load generator failed: $(tail -n 3 "$work/load.log")"
    sleep 0.2
  done
  declare -A t
  for ((r = 0; r < rounds; r++)); do
    for mode in both per-family explicit-port; do
      while read -r _ count _ secs; do
        t[$mode]+=" $secs"
        [ "$mode" = explicit-port ] && explicit=$count
        [ "$mode" = both ] && sockets=$count
      done < <("$tools/epx_bench_dump" 5 "$mode")
    done
  done
  # shellcheck disable=SC2086
  printf '%s %s %s %s %s %s\n' "$n" "$sockets" "$explicit" \
    "$(median ${t[both]})" "$(median ${t[per-family]})" "$(median ${t[explicit-port]})"
  exit 0
fi

points=10000,100000 rounds=7 out=$BENCH_DIR/results tools=''
while [ $# -gt 0 ]; do
  case $1 in
    --points) points=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tools-dir) tools=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "needs root (network namespace, sysctls)"
tools=${tools:-$BENCH_DIR/../build-bench/bench-tools}
mkdir -p "$tools" "$out" || die "cannot create $tools or $out"
for t in loadgen:epx_bench_load diag_dump:epx_bench_dump; do
  src=$BENCH_DIR/${t%%:*}.cc bin=$tools/${t##*:}
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$bin.$$" "$src" && mv -f "$bin.$$" "$bin" \
      || die "compiling $src failed"
  fi
done
work=$(mktemp -d) || die "mktemp"
trap 'rm -rf "$work"' EXIT

{
  echo "# Explicit-port dump (K1) against the plain TCP dumps"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; medians of $rounds rounds x 5 dumps."
  echo
  echo "| N | TCP sockets | explicit-port sockets | both families (ms) | per family (ms) | explicit-port (ms) | explicit / both | explicit / per family |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$out/explicit-port-dump.md"
IFS=, read -ra ns <<<"$points"
for n in "${ns[@]}"; do
  line=$(timeout 900 unshare -n -- bash "$SELF" --inner "$n" "$rounds" "$tools" "$work") \
    || die "N=$n failed"
  read -r _ sockets explicit both per explicit_s <<<"$line"
  awk -v n="$n" -v s="$sockets" -v e="$explicit" -v b="$both" -v p="$per" -v x="$explicit_s" \
    'BEGIN { printf "| %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
             n, s, e, b * 1000, p * 1000, x * 1000, x / b, x / p }' \
    >>"$out/explicit-port-dump.md"
done
cat "$out/explicit-port-dump.md"

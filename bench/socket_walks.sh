#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What each socket source's reads cost at N held connections: in a fresh
# private network namespace, N loopback connections (bench/loadgen.cc, no
# churn) are held and epx_bench_socket_walks (bench/socket_walks.cc) times,
# with its thread's CPU clock, the BPF source's iterators and bound-only
# dump against the netlink source's dumps, rounds alternating.
#
# usage: bench/socket_walks.sh [--connections N] [--rounds R] [BUILD_DIR]
# BUILD_DIR defaults to build/ (a Linux build with BPF). Needs root.
set -uo pipefail
export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/lib.sh"

if [ "${1:-}" = --one-run ]; then
  loadgen=$2 n=$3 harness=$4 rounds=$5
  ip link set lo up
  echo "1024 65000" >/proc/sys/net/ipv4/ip_local_port_range
  start_held_load "$loadgen" "$n" 180 "$(dirname "$loadgen")/load.log" || { echo "load failed"; exit 1; }
  "$harness" "$rounds"
  rc=$?
  stop_pid "$LOAD_PID"
  exit $rc
fi

CONNECTIONS=100000
ROUNDS=15
BUILD="$BENCH_DIR/../build"
while [ $# -gt 0 ]; do
  case $1 in
    --connections) CONNECTIONS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    *) BUILD=$1 ;;
  esac
  shift
done
HARNESS=$BUILD/bench/epx_bench_socket_walks
[ -x "$HARNESS" ] || { echo "no $HARNESS (a Linux build with BPF)" >&2; exit 2; }
require_root_and_netns
build_loadgen socket-walks || exit 1
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $CONNECTIONS connections, $ROUNDS rounds, $(uname -r)"
echo "read median_ms min_ms sockets"
unshare -n bash "$0" --one-run "$LOADGEN" "$CONNECTIONS" "$HARNESS" "$ROUNDS"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Cost of the namespaces collector (issue 28): the same connections spread
# over many network namespaces against held in one, in one run. See
# bench/README.md ("Namespaces").
#
# usage: bench/namespaces.sh [--namespaces 50] [--connections 100000]
#                            [--scrapes 10] [--rounds 3] [--child-ehash 8192]
#                            [--unbound] [--exporter PATH] [--out DIR]
#                            [--tools-dir DIR]
# In private network, PID and mount namespaces (so the exporter finds only
# the namespaces made here, and /run/netns is an empty tmpfs) it runs, in
# this order:
#   spread  --namespaces child namespaces (unshare -n), each holding
#           connections/namespaces loopback connections (epx_bench_load,
#           no churn), in the kernel's shared TCP table;
#   one     one child namespace holding all the connections;
#   own     (--child-ehash N > 0) the spread setup again, its namespaces made
#           after net.ipv4.tcp_child_ehash_entries=N, each with a table of
#           its own;
#   one-unbound, own-unbound
#           (--unbound) one and own with
#           --no-collector.namespaces.bound-sockets.
# For each: the exporter (--collector.namespaces, processes collector off,
# nothing else in its own namespace) is scraped twice unmeasured, then
# rounds x scrapes times back to back; CPU per scrape is the exporter's
# utime and stime (/proc/PID/stat, every thread, the exited helper threads
# included) over the scrapes, split into user and kernel time. Beside it:
# the namespaces collector's own duration, one TCP dump of one child
# namespace (epx_bench_dump both), and the time to enter every namespace
# once (epx_bench_setns: open + setns + close per namespace). Writes
# DIR/issue-28.md (default bench/results). Needs root. Exit 0 when the
# harness ran (whatever the numbers), 2 when it broke.
set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$BENCH_DIR/namespaces.sh"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
die() { echo "bench-namespaces: error: $*" >&2; exit 2; }
PORT=19152

# user and kernel time of a process, in clock ticks: "UTIME STIME".
cpu_split() {
  local line rest
  read -r line <"/proc/$1/stat" || return 1
  rest=${line##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo "${12} ${13}"
}

# Value of a sample line of the exporter's /metrics (first match).
metric() { curl -s --max-time 120 "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2; exit }'; }

if [ "${1:-}" = --inner ]; then
  setup=$2 count=$3 each=$4 scrapes=$5 rounds=$6 ehash=$7 bound=$8 tools=$9
  exporter=${10} work=${11}
  loads=() exporter_pid=''
  cleanup() {
    stop_pid "$exporter_pid"
    for p in "${loads[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${loads[@]}"; do stop_pid "$p" 20; done
  }
  trap cleanup EXIT
  mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns || die "cannot mount /run/netns"
  ip link set lo up || die "ip link set lo up failed"
  if [ "$ehash" -gt 0 ]; then
    sysctl -qw net.ipv4.tcp_child_ehash_entries="$ehash" || die "tcp_child_ehash_entries"
  fi
  for ((i = 0; i < count; i++)); do
    unshare -n -- bash -c 'ip link set lo up &&
      sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=65535 \
        net.ipv4.tcp_max_syn_backlog=65535 &&
      exec "$0" "$@"' "$tools/epx_bench_load" --connections="$each" --churn-rate=0 \
      --udp=20 --timeout=$((600 + each / 500)) >"$work/load.$setup.$i.log" 2>&1 &
    loads+=($!)
  done
  deadline=$((SECONDS + 300 + count * each / 1000))
  for ((i = 0; i < count; i++)); do
    until grep -qs '^ready' "$work/load.$setup.$i.log"; do
      kill -0 "${loads[$i]}" 2>/dev/null && [ $SECONDS -lt $deadline ] \
        || die "load $i failed: $(tail -n 3 "$work/load.$setup.$i.log")"
      sleep 0.2
    done
  done
  paths=()
  for p in "${loads[@]}"; do paths+=("/proc/$p/ns/net"); done
  "$exporter" --collector.namespaces --collector.processes=false \
    --collector.namespaces.bound-sockets="$bound" \
    --selftest.at-start=false --web.listen-address=127.0.0.1:$PORT \
    >"$work/exporter.$setup.log" 2>&1 &
  exporter_pid=$!
  # The first scrape reads every namespace: give it time.
  deadline=$((SECONDS + 300))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 \
      "http://127.0.0.1:$PORT/metrics")" = 200 ]; do
    kill -0 "$exporter_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] \
      || die "exporter did not answer: $(tail -n 3 "$work/exporter.$setup.log")"
    sleep 0.2
  done
  scanned=$(metric ephemeral_port_namespaces_scanned)
  [ "$scanned" = "$count" ] || die "$setup: namespaces scanned $scanned, want $count"
  metric ephemeral_port_namespaces_scanned >/dev/null # the second warm-up
  tck=$(getconf CLK_TCK)
  user=() sys=() wall=() dur=()
  for ((r = 0; r < rounds; r++)); do
    read -r u0 s0 < <(cpu_split "$exporter_pid")
    start=$EPOCHREALTIME
    for ((k = 0; k < scrapes; k++)); do
      curl -s --max-time 120 -o "$work/scrape" "http://127.0.0.1:$PORT/metrics" \
        || die "scrape failed"
      dur+=("$(awk '$1 == "ephemeral_port_collector_duration_seconds{collector=\"namespaces\"}" { print $2 }' "$work/scrape")")
    done
    w=$(since "$start")
    read -r u1 s1 < <(cpu_split "$exporter_pid")
    user+=("$(awk -v a="$u0" -v b="$u1" -v t="$tck" -v n="$scrapes" 'BEGIN { printf "%.6f", (b - a) / t / n }')")
    sys+=("$(awk -v a="$s0" -v b="$s1" -v t="$tck" -v n="$scrapes" 'BEGIN { printf "%.6f", (b - a) / t / n }')")
    wall+=("$(awk -v w="$w" -v n="$scrapes" 'BEGIN { printf "%.6f", w / n }')")
  done
  read -r sockets dump < <(nsenter --net="${paths[0]}" "$tools/epx_bench_dump" 5 both |
    sort -g -k4 | awk '{ n[NR] = $2; v[NR] = $4 } END { m = int((NR + 1) / 2); print n[m], v[m] }')
  read -r _ _ _ per_ns _ per_scrape < <("$tools/epx_bench_setns" 20 "${paths[@]}")
  printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$setup" "$count" "$each" \
    "$(median "${user[@]}")" "$(median "${sys[@]}")" "$(median "${wall[@]}")" \
    "$(median "${dur[@]}")" "$dump" "$per_ns" "$per_scrape" "${sockets:-0}"
  exit 0
fi

namespaces=50 connections=100000 scrapes=10 rounds=3 ehash=8192 unbound=0
out=$BENCH_DIR/results tools='' exporter=''
while [ $# -gt 0 ]; do
  case $1 in
    --namespaces) namespaces=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --scrapes) scrapes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --child-ehash) ehash=$2; shift 2 ;;
    --unbound) unbound=1; shift ;;
    --exporter) exporter=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tools-dir) tools=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "needs root (namespaces, sysctls)"
exporter=${exporter:-$BENCH_DIR/../build/exporter/ephemeral_port_exporter}
[ -x "$exporter" ] || die "no exporter at $exporter (build it, or give --exporter)"
exporter=$(realpath "$exporter")
tools=${tools:-$BENCH_DIR/../build-bench/bench-tools}
mkdir -p "$tools" "$out" || die "cannot create $tools or $out"
for t in loadgen:epx_bench_load diag_dump:epx_bench_dump setns_time:epx_bench_setns; do
  src=$BENCH_DIR/${t%%:*}.cc bin=$tools/${t##*:}
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    g++ -O2 -std=c++17 -Wall -Wextra -pthread -o "$bin.$$" "$src" && mv -f "$bin.$$" "$bin" \
      || die "compiling $src failed"
  fi
done
work=$(mktemp -d) || die "mktemp"
trap 'rm -rf "$work"' EXIT
each=$((connections / namespaces))
result="$out/issue-28.md"
setups=("spread $namespaces $each 0 true" "one 1 $connections 0 true")
[ "$ehash" -gt 0 ] && setups+=("own $namespaces $each $ehash true")
if [ "$unbound" = 1 ]; then
  setups+=("one-unbound 1 $connections 0 false")
  [ "$ehash" -gt 0 ] && setups+=("own-unbound $namespaces $each $ehash false")
fi
lines=()
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${setups[@]}"; do
  read -r name count per eh bound <<<"$s"
  echo "bench-namespaces: $name: $count namespaces x $per connections" >&2
  line=$(timeout 1800 unshare -n --pid --fork --mount-proc --propagation private -- \
    bash "$SELF" --inner "$name" "$count" "$per" "$scrapes" "$rounds" "$eh" "$bound" \
    "$tools" "$exporter" "$work") || die "$name failed"
  lines+=("$line")
done
{
  echo "# Namespaces collector: CPU per scrape, $namespaces namespaces x $each connections against $connections in one"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) cores, load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo "Command: \`bash bench/namespaces.sh --namespaces $namespaces --connections $connections --scrapes $scrapes --rounds $rounds --child-ehash $ehash$([ "$unbound" = 1 ] && echo ' --unbound')\`."
  echo "Medians of $rounds rounds of $scrapes back-to-back scrapes; CPU is the exporter's (every thread), per scrape."
  echo
  echo "| Setup | Namespaces x connections | TCP sockets per namespace | CPU user (ms) | CPU kernel (ms) | CPU total (ms) | wall per scrape (ms) | namespaces collector (ms) | one namespace's TCP dump (ms) | enter one namespace (µs) | enter all, per scrape (ms) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for l in "${lines[@]}"; do
    read -r name count per u k w d dump per_ns per_scrape sockets <<<"$l"
    awk -v n="$name" -v c="$count" -v p="$per" -v u="$u" -v k="$k" -v w="$w" -v d="$d" \
      -v x="$dump" -v e="$per_ns" -v a="$per_scrape" -v s="$sockets" \
      'BEGIN { printf "| %s | %d x %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %.1f | %.2f |\n",
               n, c, p, s, u * 1000, k * 1000, (u + k) * 1000, w * 1000, d * 1000,
               x * 1000, e, a }'
  done
  echo
  read -r _ _ _ su sk _ <<<"${lines[0]}"
  read -r _ _ _ ou ok _ <<<"${lines[1]}"
  awk -v a="$su" -v b="$sk" -v c="$ou" -v d="$ok" 'BEGIN {
    printf "CPU per scrape, spread / one: %.2fx (target 1.3x: %s); kernel time %.2fx, user time %.2fx.\n",
      (a + b) / (c + d), ((a + b) / (c + d) <= 1.3 ? "met" : "missed"), b / d, a / c }'
  if [ ${#lines[@]} -gt 2 ]; then
    read -r _ _ _ eu ek _ <<<"${lines[2]}"
    awk -v a="$eu" -v b="$ek" -v c="$ou" -v d="$ok" 'BEGIN {
      printf "CPU per scrape, own tables / one: %.2fx.\n", (a + b) / (c + d) }'
  fi
  if [ ${#lines[@]} -gt 4 ]; then
    read -r _ _ _ vu vk _ <<<"${lines[3]}"
    read -r _ _ _ wu wk _ <<<"${lines[4]}"
    awk -v a="$wu" -v b="$wk" -v c="$vu" -v d="$vk" 'BEGIN {
      printf "CPU per scrape without bound-only sockets, own tables / one: %.2fx (target 1.3x: %s).\n",
        (a + b) / (c + d), ((a + b) / (c + d) <= 1.3 ? "met" : "missed") }'
  fi
} >"$result" || die "writing $result"
cat "$result"

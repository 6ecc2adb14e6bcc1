#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Regression guard for the exporter's weight: measures, each in a private
# network namespace with the default config,
#   idle_rss_kb              RSS after 200 sequential scrapes of an idle host
#   rss_kb_per_1000_sockets  RSS added by holding CONNECTIONS loopback
#                            connections (2 sockets each), per 1,000 sockets
#   ir_per_1000_sockets      user-space instructions (callgrind) of one
#                            scrape added by those sockets, per 1,000 sockets
# and fails when one is more than 25 % above bench/results/weight-baseline.txt
# (for the RSS per socket, only when the growth also adds more than 1 MB
# to the loaded RSS: the figure is a difference of two RSS readings, which
# moved by up to 0.7 MB between runs of one tree beside a parallel CTest;
# the regression it was made for added 1.9 MB at 6,000 sockets).
# RSS does not depend on the machine's load and callgrind counts
# instructions, so a busy shared machine does not make it flaky.
#
# usage: bench/weight_guard.sh EXPORTER [--record] [--connections N]
#   --record  writes the figures as the new baseline instead of comparing.
# Exit status: 0 ok, 1 a figure grew more than 25 % (or the run broke),
# 77 skipped (not root, no network namespaces or no valgrind).
set -uo pipefail
export LC_ALL=C
EXPORTER=${1:?usage: weight_guard.sh EXPORTER [--record] [--connections N]}
shift
RECORD=false
CONNECTIONS=3000
while [ $# -gt 0 ]; do
  case $1 in
    --record) RECORD=true ;;
    --connections) CONNECTIONS=$2; shift ;;
    *) echo "usage: weight_guard.sh EXPORTER [--record] [--connections N]" >&2; exit 2 ;;
  esac
  shift
done
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
BASELINE=$BENCH_DIR/results/weight-baseline.txt
ALLOWED=1.25
SCRAPES=200
CALLGRIND_SCRAPES=5

fail() { echo "FAIL: $*" >&2; exit 1; }
require_root_and_netns
command -v valgrind >/dev/null || { echo "SKIPPED: valgrind is not installed"; exit 77; }
[ -x "$EXPORTER" ] || fail "exporter binary $EXPORTER not found"

build_loadgen weight-guard || fail "building loadgen.cc"

# phase N MODE: in a fresh namespace, N connections held (0 = none), then the
# exporter: MODE rss prints its RSS (kB) after SCRAPES scrapes; MODE ir prints
# the instructions callgrind counted in CALLGRIND_SCRAPES scrapes after the
# first (start-up, self-test and first collection excluded).
phase() {
  EPX_N=$1 EPX_MODE=$2 EPX_TMP=$BENCH_TMP EPX_EXPORTER=$EXPORTER EPX_SCRAPES=$SCRAPES \
    EPX_CG_SCRAPES=$CALLGRIND_SCRAPES EPX_LIB=$BENCH_DIR/lib.sh unshare -n bash -c '
    set -uo pipefail
    source "$EPX_LIB"
    ip link set lo up
    echo "1024 65535" >/proc/sys/net/ipv4/ip_local_port_range
    load=
    if [ "$EPX_N" -gt 0 ]; then
      start_held_load "$EPX_TMP/epx_bench_load" "$EPX_N" 60 "$EPX_TMP/load.log" ||
        { echo "load-failed"; exit 0; }
      load=$LOAD_PID
    fi
    url=http://127.0.0.1:19170/metrics
    if [ "$EPX_MODE" = rss ]; then
      "$EPX_EXPORTER" --web.listen-address=127.0.0.1:19170 >"$EPX_TMP/exporter.log" 2>&1 &
      exp=$!
      scrapes=$EPX_SCRAPES
    else
      valgrind --tool=callgrind --callgrind-out-file="$EPX_TMP/cg.out" \
        "$EPX_EXPORTER" --web.listen-address=127.0.0.1:19170 \
        --web.max-connections=8 >"$EPX_TMP/exporter.log" 2>&1 &
      exp=$!
      scrapes=$EPX_CG_SCRAPES
    fi
    for _ in $(seq 600); do curl -fs -o /dev/null --max-time 30 "$url" && break; sleep 0.1; done
    # The first answer waits for the start-up self-test; count scrapes only.
    if [ "$EPX_MODE" = ir ]; then callgrind_control -z "$exp" >/dev/null; fi
    for _ in $(seq "$scrapes"); do curl -fs -o /dev/null --max-time 60 "$url"; done
    if [ "$EPX_MODE" = rss ]; then
      awk "/^VmRSS/ {print \$2}" "/proc/$exp/status"
      kill "$exp"; wait "$exp" 2>/dev/null
    else
      kill "$exp"; wait "$exp" 2>/dev/null
      awk "/^(summary|totals):/ {print \$2; exit}" "$EPX_TMP/cg.out"
    fi
    if [ -n "$load" ]; then kill "$load"; wait "$load" 2>/dev/null; fi
  '
}

sockets=$((2 * CONNECTIONS))
idle_rss=$(phase 0 rss) || fail "idle phase"
load_rss=$(phase "$CONNECTIONS" rss) || fail "load phase"
idle_ir=$(phase 0 ir) || fail "idle callgrind phase"
load_ir=$(phase "$CONNECTIONS" ir) || fail "load callgrind phase"
for v in "$idle_rss" "$load_rss" "$idle_ir" "$load_ir"; do
  [[ $v =~ ^[0-9]+$ ]] || fail "a phase gave no number ($v); see the exporter and load logs"
done
rss_per=$(awk -v a="$load_rss" -v b="$idle_rss" -v s="$sockets" 'BEGIN {printf "%.0f", (a - b) * 1000 / s}')
ir_per=$(awk -v a="$load_ir" -v b="$idle_ir" -v s="$sockets" -v n="$CALLGRIND_SCRAPES" \
  'BEGIN {printf "%.0f", (a - b) / n * 1000 / s}')
echo "idle_rss_kb $idle_rss"
echo "rss_kb_per_1000_sockets $rss_per (RSS $load_rss kB with $sockets sockets)"
echo "ir_per_1000_sockets $ir_per (callgrind: $idle_ir idle, $load_ir loaded, in $CALLGRIND_SCRAPES scrapes)"

if [ "$RECORD" = true ]; then
  {
    echo "# Written by bench/weight_guard.sh --record on $(date -u +%Y-%m-%d), $(uname -r)."
    echo "idle_rss_kb $idle_rss"
    echo "rss_kb_per_1000_sockets $rss_per"
    echo "ir_per_1000_sockets $ir_per"
  } >"$BASELINE"
  echo "recorded $BASELINE"
  exit 0
fi
[ -s "$BASELINE" ] || fail "no baseline $BASELINE (run with --record)"
status=0
# check NAME VALUE [FLOOR]: VALUE may not exceed the baseline by more than 25 %
# and by more than FLOOR.
check() {
  local name=$1 value=$2 floor=${3:-0} base
  base=$(awk -v k="$name" '$1 == k {print $2}' "$BASELINE")
  [ -n "$base" ] || fail "baseline has no $name"
  if awk -v v="$value" -v b="$base" -v a="$ALLOWED" -v f="$floor" \
    'BEGIN {exit !(v > b * a && v - b > f)}'; then
    echo "FAIL: $name $value is more than 25 % above the baseline $base" >&2
    status=1
  else
    echo "ok: $name $value (baseline $base)"
  fi
}
check idle_rss_kb "$idle_rss"
check rss_kb_per_1000_sockets "$rss_per" $((1024 * 1000 / sockets))
check ir_per_1000_sockets "$ir_per"
exit $status

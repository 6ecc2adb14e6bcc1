#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The BPF socket source against the netlink source and the bare inet_diag
# dump, in one run: at each point N (established loopback connections in a
# private network namespace, the load of bench/run.sh) two exporters run
# side by side, one with --source=netlink and one with --source=bpf, and the
# rounds interleave a batch of scrapes of each with a batch of bare dumps.
# See bench/README.md ("BPF source").
#
# usage: bench/bpf_source.sh [--points 10000,100000,300000] [--rounds 5] [--batch 5]
#                            [--exporter PATH] [--out DIR] [--tools-dir DIR]
#                            [--exporter-flag FLAG]...   (given to both exporters)
# Needs root and a build with BPF. Writes DIR/bpf-source.md and .json
# (default bench/results). Exit 0 when the harness ran, 2 when it broke.
set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SELF="$BENCH_DIR/bpf_source.sh"

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
log() { echo "bench-bpf: $*" >&2; }
die() { echo "bench-bpf: error: $*" >&2; exit 2; }

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ------------------------------------------------- inside the namespace
inner() {
  local n=$1
  work=$PHASE_WORK out=$PHASE_OUT  # globals: the EXIT trap reads them
  mkdir -p "$work"
  : >"$out"
  emit() { echo "$1=$2" >>"$out"; }
  emit n "$n"
  load_pid="" netlink_pid="" bpf_pid=""
  cleanup() {
    [ -n "$load_pid" ] && stop_pid "$load_pid" 30
    if [ -s "$work/load.pids" ]; then
      local p
      while read -r p; do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == epx[-_]* ]] && kill -KILL "$p" 2>/dev/null
      done <"$work/load.pids"
    fi
    [ -n "$netlink_pid" ] && stop_pid "$netlink_pid"
    [ -n "$bpf_pid" ] && stop_pid "$bpf_pid"
  }
  trap cleanup EXIT
  trap 'exit 3' TERM INT
  ip link set lo up || die "ip link set lo up failed"
  sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
    net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 || die "sysctls failed"

  local load_timeout=$((60 + n / 1000))
  setpriv --pdeathsig KILL -- "$TOOLS/epx_bench_load" --connections="$n" --churn-rate=200 --udp=200 \
    --timeout="$load_timeout" --pidfile="$work/load.pids" >"$work/load.log" 2>&1 &
  load_pid=$!
  local deadline=$((SECONDS + load_timeout + 60))
  while ! grep -qs "^ready" "$work/load.log"; do
    kill -0 "$load_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] || die "load generator failed (see $work/load.log)"
    sleep 0.2
  done
  local want have
  want=$((2 * $(awk '/^established/ { print $2 }' "$work/load.log")))
  deadline=$((SECONDS + 30))
  while have=$(curr_estab); [ "$have" -lt "$want" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  emit curr_estab "$have"

  # First scrape, asked from each exporter's start with the load already up.
  local line
  local -a extra=()
  read -ra extra <<<"${EXPORTER_FLAGS:-}"
  setpriv --pdeathsig KILL -- "$EXPORTER" --web.listen-address=127.0.0.1:19153 --source=netlink "${extra[@]}" >"$work/netlink.log" 2>&1 &
  netlink_pid=$!
  line=$(first_answer http://127.0.0.1:19153/metrics "$netlink_pid" 600 "$work/netlink.prom") ||
    die "netlink exporter did not answer (see $work/netlink.log)"
  emit netlink_first_s "$line"
  setpriv --pdeathsig KILL -- "$EXPORTER" --web.listen-address=127.0.0.1:19154 --source=bpf "${extra[@]}" >"$work/bpf.log" 2>&1 &
  bpf_pid=$!
  line=$(first_answer http://127.0.0.1:19154/metrics "$bpf_pid" 600 "$work/bpf.prom") ||
    die "bpf exporter did not answer (see $work/bpf.log)"
  emit bpf_first_s "$line"
  grep -q '^ephemeral_port_collector_success{collector="bpf_sockets"} 1' "$work/bpf.prom" \
    || die "the BPF source did not run (see $work/bpf.prom and $work/bpf.log)"
  emit sockets_seen "$(awk '/^ephemeral_port_sockets\{/ { s += $2 } END { printf "%d", s }' "$work/bpf.prom")"
  emit sockets_seen_netlink "$(awk '/^ephemeral_port_sockets\{/ { s += $2 } END { printf "%d", s }' "$work/netlink.prom")"

  local clk
  clk=$(getconf CLK_TCK)
  local -a nl_s=() bpf_s=() dump_s=() nl_cpu=() bpf_cpu=() dump_cpu=()
  scrape_batch() {  # port pid -> appends to the arrays named by $3 $4
    local port=$1 pid=$2 t0 t1 i ok=0
    local -n walls=$3 cpus=$4
    t0=$(cpu_ticks "$pid")
    for ((i = 0; i < BATCH; i++)); do
      line=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 600 "http://127.0.0.1:$port/metrics")
      [ "${line%% *}" = 200 ] && walls+=("${line#* }") && ok=$((ok + 1))
    done
    t1=$(cpu_ticks "$pid")
    [ "$ok" -gt 0 ] && cpus+=("$(awk -v d=$((t1 - t0)) -v c="$clk" -v n="$ok" 'BEGIN { printf "%.6f", d / c / n }')")
  }
  dump_batch() {
    local times TIMEFORMAT='%U %S'
    times=$( { time "$TOOLS/epx_bench_dump" "$BATCH" >"$work/dump.out"; } 2>&1 ) || die "bare dump failed"
    local v
    while read -r v; do dump_s+=("$v"); done < <(awk '{ print $4 }' "$work/dump.out")
    dump_cpu+=("$(awk -v n="$BATCH" '{ printf "%.6f", ($1 + $2) / n }' <<<"$times")")
  }
  emit loadavg_before "$(cut -d' ' -f1 /proc/loadavg)"
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    # The order turns each round so no column always follows another.
    case $((r % 3)) in
      0) scrape_batch 19153 "$netlink_pid" nl_s nl_cpu; scrape_batch 19154 "$bpf_pid" bpf_s bpf_cpu; dump_batch ;;
      1) scrape_batch 19154 "$bpf_pid" bpf_s bpf_cpu; dump_batch; scrape_batch 19153 "$netlink_pid" nl_s nl_cpu ;;
      2) dump_batch; scrape_batch 19153 "$netlink_pid" nl_s nl_cpu; scrape_batch 19154 "$bpf_pid" bpf_s bpf_cpu ;;
    esac
    log "N=$n round $r/$ROUNDS: netlink ${nl_s[-1]:-?} s, bpf ${bpf_s[-1]:-?} s, dump ${dump_s[-1]:-?} s"
  done
  emit loadavg_after "$(cut -d' ' -f1 /proc/loadavg)"
  emit netlink_s "$(median "${nl_s[@]}")"
  emit bpf_s "$(median "${bpf_s[@]}")"
  emit dump_s "$(median "${dump_s[@]}")"
  emit netlink_cpu_s "$(median "${nl_cpu[@]}")"
  emit bpf_cpu_s "$(median "${bpf_cpu[@]}")"
  emit dump_cpu_s "$(median "${dump_cpu[@]}")"
  emit netlink_rss_mb "$(awk -v k="$(hwm_kb "$netlink_pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
  emit bpf_rss_mb "$(awk -v k="$(hwm_kb "$bpf_pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
}

if [ "${1:-}" = --inner ]; then
  inner "$2"
  exit 0
fi

# ------------------------------------------------------------ outside
POINTS=10000,100000,300000 ROUNDS=5 BATCH=5 EXPORTER="" OUT="$BENCH_DIR/results" EXPORTER_FLAGS=""
TOOLS="$REPO/build-bench/bench-tools"
while [ $# -gt 0 ]; do
  case $1 in
    --points) POINTS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --batch) BATCH=$2; shift ;;
    --exporter) EXPORTER=$2; shift ;;
    --out) OUT=$2; shift ;;
    --tools-dir) TOOLS=$2; shift ;;
    --exporter-flag) EXPORTER_FLAGS="$EXPORTER_FLAGS $2"; shift ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || die "needs root (network namespace, sysctls, BPF)"
[ -n "$EXPORTER" ] || EXPORTER="$REPO/build/exporter/ephemeral_port_exporter"
[ -x "$EXPORTER" ] || die "exporter binary $EXPORTER not found (--exporter)"
EXPORTER=$(cd "$(dirname "$EXPORTER")" && pwd)/$(basename "$EXPORTER")
mkdir -p "$TOOLS" "$OUT" || die "cannot create $TOOLS or $OUT"
for tool in loadgen:epx_bench_load diag_dump:epx_bench_dump; do
  src="$BENCH_DIR/${tool%%:*}.cc" bin="$TOOLS/${tool#*:}"
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$bin.$$" "$src" && mv -f "$bin.$$" "$bin" \
      || { rm -f "$bin.$$"; die "compiling $src failed"; }
  fi
done
exec 9>"${TMPDIR:-/tmp}/epx-bench.lock"
flock -w 3600 9 || die "another benchmark run held the lock for an hour"
RAW=$(mktemp -d "$TOOLS/raw-bpf.XXXXXX") || die "cannot create a directory in $TOOLS"
export EXPORTER TOOLS ROUNDS BATCH EXPORTER_FLAGS

IFS=, read -r -a points <<<"$POINTS"
for n in "${points[@]}"; do
  log "N=$n"
  PHASE_WORK="$RAW/$n" PHASE_OUT="$RAW/$n.env" \
    timeout --kill-after=60 $((900 + n / 100)) unshare -n -- bash "$SELF" --inner "$n" 9>&-
  grep -q '^bpf_cpu_s=' "$RAW/$n.env" 2>/dev/null || die "N=$n produced no results (logs in $RAW/$n)"
done

{
  echo "# BPF socket source against netlink and the bare dump ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $ROUNDS rounds of $BATCH${EXPORTER_FLAGS:+, exporter flags:$EXPORTER_FLAGS})"
  echo
  echo "| N | sockets seen | first scrape netlink / bpf ms | steady scrape netlink / bpf / bare dump ms | CPU per scrape netlink / bpf / bare dump ms | bpf / bare dump CPU | bpf / netlink CPU | bpf / bare dump wall | first / steady (bpf) | RSS netlink / bpf MB | load average before / after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for n in "${points[@]}"; do
    # The variables come from the sourced results file.
    # shellcheck disable=SC1090,SC2154,SC2128
    ( . "$RAW/$n.env"
      echo "| $n | $sockets_seen | $(ms "$netlink_first_s") / $(ms "$bpf_first_s") | $(ms "$netlink_s") / $(ms "$bpf_s") / $(ms "$dump_s") | $(ms "$netlink_cpu_s") / $(ms "$bpf_cpu_s") / $(ms "$dump_cpu_s") | $(ratio "$bpf_cpu_s" "$dump_cpu_s") | $(ratio "$bpf_cpu_s" "$netlink_cpu_s") | $(ratio "$bpf_s" "$dump_s") | $(ratio "$bpf_first_s" "$bpf_s") | $netlink_rss_mb / $bpf_rss_mb | $loadavg_before / $loadavg_after |" )
  done
} >"$OUT/bpf-source.md"
{
  echo "["
  first=1
  for n in "${points[@]}"; do
    [ $first = 1 ] || echo ","
    first=0
    printf '  {'
    awk -F= 'NR > 1 { printf ", " } { v = $2; if (v !~ /^[0-9.]+$/) v = "\"" v "\""; printf "\"%s\": %s", $1, v }' "$RAW/$n.env"
    printf '}'
  done
  echo
  echo "]"
} >"$OUT/bpf-source.json"
cat "$OUT/bpf-source.md"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Scrape-cost benchmark of the exporter against ss, node_exporter and a bare
# inet_diag dump, at N established loopback connections in a private network
# namespace. See bench/README.md.
#
# usage: bench/run.sh [--smoke] [--points 10000,100000,300000] [--rounds R]
#                     [--exporter PATH] [--out DIR] [--tools-dir DIR] [--profile]
#   --smoke        N = 2000, one round, short idle phase; results go to a
#                  temporary directory unless --out is given
#   --points LIST  connection counts (default 10000,100000,300000)
#   --rounds R     interleaved rounds per point, medians reported (default 5;
#                  ss -tanp runs in at most 3 of them)
#   --exporter P   exporter binary (default: build it into build-bench/)
#   --out DIR      results directory (default bench/results)
#   --tools-dir D  where the load generator and dump tool are compiled
#                  (default build-bench/bench-tools)
#   --profile      also record the exporter with `perf` during each point's
#                  measured scrapes; writes DIR/profile-N.txt
# Needs root (network namespace, sysctls). Exit status: 0 when the harness
# ran (missed targets and unreachable points are reported, not failures),
# 2 when the harness itself broke.
set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SELF="$BENCH_DIR/run.sh"

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 2; }

# ---------------------------------------------------------------- helpers

# Last argument, or "-" when there is none.
last() { if [ $# -gt 0 ]; then echo "${!#}"; else echo -; fi; }

json_num() { if [ -n "${1:-}" ]; then echo "$1"; else echo null; fi; }
json_str() { printf '"%s"' "$(printf '%s' "${1:-}" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# ------------------------------------------------- inside the namespace

# Runs one phase in the private namespace this process lives in and writes
# its results as KEY=VALUE lines to $PHASE_OUT.
#   idle N    : N connections, no churn, IDLE_BATCHES batches of IDLE_SCRAPES
#               scrapes back to back
#   point N   : N connections plus churn, ROUNDS interleaved rounds
inner() {
  local mode=$1 n=$2
  work=$PHASE_WORK out=$PHASE_OUT  # globals: the EXIT trap reads them
  mkdir -p "$work"
  : >"$out"
  emit() { echo "$1=$2" >>"$out"; }
  emit mode "$mode"
  emit n "$n"

  exporter_pid="" node_pid="" load_pid=""  # globals: the EXIT trap reads them
  cleanup() {
    [ -n "$load_pid" ] && stop_pid "$load_pid" 60
    if [ -s "$work/load.pids" ]; then
      local p
      # Only processes that are still load workers (PIDs can be reused).
      while read -r p; do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == epx[-_]* ]] && kill -KILL "$p" 2>/dev/null
      done <"$work/load.pids"
    fi
    [ -n "$exporter_pid" ] && stop_pid "$exporter_pid"
    [ -n "$node_pid" ] && stop_pid "$node_pid"
  }
  trap cleanup EXIT
  trap 'exit 3' TERM INT

  ip link set lo up || die "ip link set lo up failed"
  sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
    net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
    || die "setting sysctls in the namespace failed"

  local ex_url="http://127.0.0.1:19152/metrics" node_url="http://127.0.0.1:9100/metrics"
  setpriv --pdeathsig KILL -- "$EXPORTER" --web.listen-address=127.0.0.1:19152 >"$work/exporter.log" 2>&1 &
  exporter_pid=$!
  wait_http 30 "$ex_url" "$exporter_pid" || die "exporter did not answer on $ex_url (see $work/exporter.log)"

  local have_node=0
  if [ -n "$NODE_EXPORTER" ]; then
    setpriv --pdeathsig KILL -- "$NODE_EXPORTER" --collector.disable-defaults --collector.tcpstat \
      --collector.sockstat --web.listen-address=127.0.0.1:9100 \
      >"$work/node_exporter.log" 2>&1 &
    node_pid=$!
    if wait_http 30 "$node_url" "$node_pid"; then
      have_node=1
    else
      log "node_exporter did not start (see $work/node_exporter.log); its column stays empty"
      stop_pid "$node_pid"
      node_pid=''
    fi
  fi

  # The load.
  local churn=$CHURN_RATE udp=200
  if [ "$mode" = idle ]; then churn=0; udp=20; fi
  local load_timeout=$((60 + n / 1000)) mem0
  mem0=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
  setpriv --pdeathsig KILL -- "$TOOLS/epx_bench_load" --connections="$n" --churn-rate="$churn" --udp="$udp" \
    --timeout="$load_timeout" --pidfile="$work/load.pids" >"$work/load.log" 2>&1 &
  load_pid=$!
  local deadline=$((SECONDS + load_timeout + 60))
  while ! grep -qs "^ready" "$work/load.log"; do
    if ! kill -0 "$load_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      emit reached false
      emit note "$(json_escape_line "load generator failed: $(tail -n 3 "$work/load.log" | tr '\n' ' ')")"
      log "N=$n: load generator failed (see $work/load.log)"
      return 0
    fi
    sleep 0.2
  done
  local established
  established=$(awk '/^established/ { print $2 }' "$work/load.log")
  emit established "${established:-0}"
  if grep -q '^ready partial' "$work/load.log"; then
    emit reached false
    emit note "reached ${established:-0} of $n connections: $(grep -v '^worker\|^progress\|^ready\|^established' "$work/load.log" | head -n 2 | tr '\n' ' ')"
    log "N=$n: only ${established:-0} connections could be made; measuring those"
  else
    emit reached true
  fi
  # Both ends of every connection are established sockets.
  local want=$((2 * ${established:-0})) have
  deadline=$((SECONDS + 30))
  while have=$(curr_estab); [ "$have" -lt "$want" ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.2
  done
  emit curr_estab "$have"
  # Rough: other processes' memory moves MemAvailable too.
  local mem_mb=$(( (mem0 - $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)) / 1024 ))
  [ "$mem_mb" -ge 0 ] && emit load_mem_mb "$mem_mb"

  # Warm-up: every tool once, unmeasured; the exporter's answer tells what
  # it saw.
  curl -s --max-time 600 -o "$work/warmup.prom" "$ex_url" || die "warm-up scrape failed"
  local seen_tcp seen_all
  seen_tcp=$(awk '/^ephemeral_port_sockets\{protocol="tcp"/ { s += $2 } END { printf "%d", s }' "$work/warmup.prom")
  seen_all=$(awk '/^ephemeral_port_sockets\{/ { s += $2 } END { printf "%d", s }' "$work/warmup.prom")
  emit sockets_tcp "$seen_tcp"
  emit sockets_seen "$seen_all"
  [ "$have_node" = 1 ] && curl -s --max-time 600 -o /dev/null "$node_url"
  local dump_line
  dump_line=$("$TOOLS/epx_bench_dump") || die "bare inet_diag dump failed"
  emit dump_sockets "$(awk '{ print $2 }' <<<"$dump_line")"

  local clk
  clk=$(getconf CLK_TCK)
  local ticks0 ticks1 t0 line
  local -a ex=() tan=() tanp=() node=() dump=()

  if [ "$mode" = idle ]; then
    # CPU per scrape varies from batch to batch on a shared machine: the
    # median of IDLE_BATCHES batches is reported, with the lowest and highest.
    local -a batch_cpu=()
    local b ok
    for ((b = 0; b < IDLE_BATCHES; b++)); do
      ok=0
      ticks0=$(cpu_ticks "$exporter_pid")
      for ((i = 0; i < IDLE_SCRAPES; i++)); do
        line=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 60 "$ex_url")
        [ "${line%% *}" = 200 ] && ex+=("${line#* }") && ok=$((ok + 1))
      done
      ticks1=$(cpu_ticks "$exporter_pid")
      [ "$ok" -gt 0 ] && batch_cpu+=("$(awk -v d=$((ticks1 - ticks0)) -v c="$clk" -v n="$ok" 'BEGIN { printf "%.3f", d * 1000 / c / n }')")
    done
    emit scrapes "${#ex[@]}"
    emit batches "${#batch_cpu[@]}"
    emit exporter_s "$(median "${ex[@]}")"
    if [ "${#batch_cpu[@]}" -gt 0 ]; then
      emit cpu_ms_per_scrape "$(median "${batch_cpu[@]}" | awk '{ printf "%.3f", $1 }')"
      emit cpu_ms_min "$(printf '%s\n' "${batch_cpu[@]}" | sort -g | head -n 1)"
      emit cpu_ms_max "$(printf '%s\n' "${batch_cpu[@]}" | sort -g | tail -n 1)"
    fi
    emit rss_mb "$(awk -v k="$(hwm_kb "$exporter_pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
    return 0
  fi

  # Interleaved rounds: exporter, ss -tan, ss -tanp, node_exporter, bare
  # dump, then again. ss -tanp runs at most TANP_MAX_RUNS times, and only
  # once when that run takes over TANP_BUDGET seconds (minutes at large N).
  local tanp_skip=0 tanp_note='' perf_pid='' tanp_now
  # Other work on the machine skews every column; say how busy it was.
  emit loadavg_before "$(cut -d' ' -f1 /proc/loadavg)"
  if [ "$PROFILE" = 1 ]; then
    perf record -g -F 999 -o "$work/perf.data" -p "$exporter_pid" >"$work/perf.log" 2>&1 &
    perf_pid=$!
    sleep 1
  fi
  ticks0=$(cpu_ticks "$exporter_pid")
  for ((r = 1; r <= ROUNDS; r++)); do
    line=$(curl -s -o "$work/last.prom" -w '%{http_code} %{time_total}' --max-time 600 "$ex_url")
    if [ "${line%% *}" = 200 ]; then ex+=("${line#* }"); else log "N=$n: exporter scrape failed ($line)"; fi

    t0=$EPOCHREALTIME
    timeout 900 ss -tan >/dev/null 2>&1 && tan+=("$(since "$t0")")

    [ "${#tanp[@]}" -ge "$TANP_MAX_RUNS" ] && tanp_skip=1
    tanp_now=-
    if [ "$tanp_skip" = 0 ]; then
      t0=$EPOCHREALTIME
      if timeout 900 ss -tanp >/dev/null 2>&1; then
        tanp+=("$(since "$t0")")
        tanp_now=${tanp[-1]}
        if awk -v t="${tanp[-1]}" -v b="$TANP_BUDGET" 'BEGIN { exit !(t > b) }'; then
          tanp_skip=1
          [ "$r" -lt "$ROUNDS" ] && tanp_note="ss -tanp ran once (${tanp[-1]} s > ${TANP_BUDGET} s budget)"
        fi
      else
        tanp_skip=1
        tanp_note="ss -tanp failed or took over 900 s"
      fi
    fi

    if [ "$have_node" = 1 ]; then
      line=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 600 "$node_url")
      [ "${line%% *}" = 200 ] && node+=("${line#* }")
    fi

    dump_line=$("$TOOLS/epx_bench_dump") && dump+=("$(awk '{ print $4 }' <<<"$dump_line")")
    log "N=$n round $r/$ROUNDS: exporter $(last "${ex[@]}") s, ss -tan $(last "${tan[@]}") s, ss -tanp $tanp_now s, node_exporter $(last "${node[@]}") s, bare dump $(last "${dump[@]}") s"
  done
  ticks1=$(cpu_ticks "$exporter_pid")
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null
    wait "$perf_pid" 2>/dev/null
    {
      echo "# perf profile of the exporter over $ROUNDS scrape(s) at N=$n (ss and node_exporter runs in between leave it idle)"
      echo "## by shared object"
      perf report -i "$work/perf.data" --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%'
      echo "## inclusive, syscalls and exporter functions"
      perf report -i "$work/perf.data" --children --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' \
        | grep -E '__x64_sys|\[\.\] (epx::|prometheus::|std::)' | head -n 40
      echo "## self time, top 40"
      perf report -i "$work/perf.data" --no-children --sort dso,sym 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 40
    } >"$work/profile.txt"
  fi

  emit rounds "$ROUNDS"
  emit scrapes "${#ex[@]}"
  emit exporter_s "$(median "${ex[@]}")"
  emit ss_tan_s "$(median "${tan[@]}")"
  emit ss_tanp_s "$(median "${tanp[@]}")"
  emit ss_tanp_runs "${#tanp[@]}"
  emit node_s "$(median "${node[@]}")"
  emit dump_s "$(median "${dump[@]}")"
  emit exporter_runs "$(IFS=,; echo "${ex[*]}")"
  emit dump_runs "$(IFS=,; echo "${dump[*]}")"
  [ -n "$tanp_note" ] && emit note "$tanp_note"
  [ "${#ex[@]}" -gt 0 ] && emit cpu_ms_per_scrape \
    "$(awk -v d=$((ticks1 - ticks0)) -v c="$clk" -v n="${#ex[@]}" 'BEGIN { printf "%.3f", d * 1000 / c / n }')"
  emit rss_mb "$(awk -v k="$(hwm_kb "$exporter_pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
  [ -n "$node_pid" ] && emit node_rss_mb "$(awk -v k="$(hwm_kb "$node_pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
  emit time_wait "$(time_wait_count)"
  emit loadavg_after "$(cut -d' ' -f1 /proc/loadavg)"
  # Where the exporter's time went in the last measured scrape.
  if [ -s "$work/last.prom" ]; then
    emit collector_seconds "$(awk -F'[="} ]+' '/^ephemeral_port_collector_duration_seconds\{/ {
        printf "%s\"%s\": %s", (n++ ? ", " : "{"), $2, $3 } END { if (n) printf "}" }' "$work/last.prom")"
  fi
  return 0
}

json_escape_line() { printf '%s' "$1" | tr -d '\n' | tr "\"\\\\" "''"; }

if [ "${1:-}" = --inner ]; then
  inner "$2" "$3"
  exit 0
fi

# ------------------------------------------------------------- outside

SMOKE=0
POINTS=10000,100000,300000
ROUNDS=5
EXPORTER=''
OUT=''
TOOLS="$REPO/build-bench/bench-tools"
PROFILE=0
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --points) POINTS=${2:?--points needs a list}; shift ;;
    --points=*) POINTS=${1#*=} ;;
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    --rounds=*) ROUNDS=${1#*=} ;;
    --exporter) EXPORTER=${2:?--exporter needs a path}; shift ;;
    --exporter=*) EXPORTER=${1#*=} ;;
    --out) OUT=${2:?--out needs a directory}; shift ;;
    --out=*) OUT=${1#*=} ;;
    --tools-dir) TOOLS=${2:?--tools-dir needs a directory}; shift ;;
    --tools-dir=*) TOOLS=${1#*=} ;;
    --profile) PROFILE=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[[ $POINTS =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--points wants a comma-separated list of numbers"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive number"
IDLE_N=500
IDLE_SCRAPES=100
IDLE_BATCHES=5
TANP_BUDGET=${TANP_BUDGET:-120}
TANP_MAX_RUNS=3
CHURN_RATE=${CHURN_RATE:-200}
if [ "$SMOKE" = 1 ]; then
  POINTS=2000
  ROUNDS=1
  IDLE_SCRAPES=20
  IDLE_BATCHES=1
  CHURN_RATE=50
  [ -n "$OUT" ] || OUT=$(mktemp -d "${TMPDIR:-/tmp}/epx-bench-smoke.XXXXXX")
fi
[ -n "$OUT" ] || OUT="$BENCH_DIR/results"

[ "$(id -u)" = 0 ] || die "run as root: the benchmark needs a private network namespace and sysctls"

# Tools the harness needs; node_exporter is optional (its column stays empty).
NODE_INSTALLED_NOW=0
install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { timeout 600 apt-get update -qq >/dev/null 2>&1 && timeout 600 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
}
need=()
command -v unshare >/dev/null || need+=(util-linux)
command -v ip >/dev/null && command -v ss >/dev/null || need+=(iproute2)
command -v curl >/dev/null || need+=(curl)
command -v g++ >/dev/null || need+=(g++)
command -v sysctl >/dev/null || need+=(procps)
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then need+=(linux-perf); fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  install_packages "${need[@]}" || die "could not install ${need[*]}"
fi
NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
if [ -z "$NODE_EXPORTER" ]; then
  log "installing prometheus-node-exporter"
  if install_packages prometheus-node-exporter; then
    NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
    NODE_INSTALLED_NOW=1
  fi
  [ -n "$NODE_EXPORTER" ] || log "prometheus-node-exporter unavailable; the node_exporter column stays empty"
fi
if [ "$NODE_INSTALLED_NOW" = 1 ] && [ -d /run/systemd/system ]; then
  # The package starts a host-wide service; the benchmark runs its own copy.
  systemctl disable --now prometheus-node-exporter >/dev/null 2>&1 || true
fi

# Load generator and dump tool.
mkdir -p "$TOOLS" || die "cannot create $TOOLS"
build_tool() {
  local src=$1 bin=$2
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    # Into a temporary name first: another run may be using the old binary.
    g++ -O2 -std=c++17 -Wall -Wextra -o "$bin.$$" "$src" && mv -f "$bin.$$" "$bin" \
      || { rm -f "$bin.$$"; die "compiling $src failed"; }
  fi
}
build_tool "$BENCH_DIR/loadgen.cc" "$TOOLS/epx_bench_load"
build_tool "$BENCH_DIR/diag_dump.cc" "$TOOLS/epx_bench_dump"

# The exporter.
if [ -z "$EXPORTER" ]; then
  EXPORTER="$REPO/build-bench/exporter/ephemeral_port_exporter"
  log "building the exporter (Release) into build-bench/"
  bash "$REPO/deploy/deps.sh" >/dev/null || die "installing build dependencies failed"
  cmake -S "$REPO" -B "$REPO/build-bench" -DEPX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null \
    || die "cmake configure failed"
  cmake --build "$REPO/build-bench" -j2 >"$TOOLS/exporter-build.log" 2>&1 \
    || { tail -n 20 "$TOOLS/exporter-build.log" >&2; die "building the exporter failed"; }
fi
[ -x "$EXPORTER" ] || die "exporter binary $EXPORTER not found"
EXPORTER=$(cd "$(dirname "$EXPORTER")" && pwd)/$(basename "$EXPORTER")

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
# Per-phase logs and values of this run; those of runs over a day old go.
find "$TOOLS" -maxdepth 1 -name 'raw.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null
RAW=$(mktemp -d "$TOOLS/raw.XXXXXX") || die "cannot create a directory in $TOOLS"

# Two benchmark runs at once would skew each other's timings: a full run
# waits for any other run to end; a smoke run (numbers not judged) only warns.
exec 9>"${TMPDIR:-/tmp}/epx-bench.lock"
if ! flock -n 9; then
  if [ "$SMOKE" = 1 ]; then
    log "another benchmark run is in progress; smoke numbers will be skewed"
  else
    log "waiting for another benchmark run to finish"
    flock -w 7200 9 || die "another benchmark run held the lock for 2 hours"
  fi
fi
export EXPORTER NODE_EXPORTER TOOLS ROUNDS IDLE_SCRAPES IDLE_BATCHES TANP_BUDGET TANP_MAX_RUNS CHURN_RATE PROFILE

# Runs one phase in a fresh network namespace (so no sockets of an earlier
# phase linger), bounded in time.
run_phase() {
  local mode=$1 n=$2 budget=$((900 + $2 / 100))
  PHASE_WORK="$RAW/$mode-$n" PHASE_OUT="$RAW/$mode-$n.env" \
    timeout --kill-after=60 "$budget" unshare -n -- bash "$SELF" --inner "$mode" "$n" 9>&-
  local rc=$?
  [ "$rc" = 0 ] || log "$mode N=$n: phase ended with status $rc"
  [ -s "$RAW/$mode-$n.env" ] || die "$mode N=$n produced no results (status $rc)"
  grep -q '^reached=' "$RAW/$mode-$n.env" || die "$mode N=$n broke before the load was up (status $rc; logs in $RAW/$mode-$n)"
}

# Kernel memory for a connection is a few kB per end; leave headroom.
mem_ok() {
  local avail_kb
  avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
  [ $(($1 * 16)) -lt $((avail_kb * 8 / 10)) ]
}

started=$SECONDS
log "exporter: $EXPORTER"
log "idle phase: $IDLE_N connections, $IDLE_BATCHES batch(es) of $IDLE_SCRAPES scrapes"
run_phase idle "$IDLE_N"
IFS=, read -r -a point_list <<<"$POINTS"
skipped=()
for n in "${point_list[@]}"; do
  if ! mem_ok "$n"; then
    log "N=$n skipped: not enough memory for the sockets"
    skipped+=("$n")
    continue
  fi
  log "point N=$n: $ROUNDS round(s)"
  run_phase point "$n"
  [ -s "$RAW/point-$n/profile.txt" ] && cp "$RAW/point-$n/profile.txt" "$OUT/profile-$n.txt"
done

# ------------------------------------------------------------- results

get() { awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); print; exit }' "$1"; }
# Every value of a key, joined with "; ".
get_all() { awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); printf "%s%s", (n++ ? "; " : ""), $0 }' "$1"; }
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) exit; printf "%.3f", a / b }'; }
# shellcheck disable=SC2059  # the format is the caller's
fmt() { if [ -n "${1:-}" ]; then printf "$2" "$1"; else printf '—'; fi; }

idle_env="$RAW/idle-$IDLE_N.env"
idle_cpu=$(get "$idle_env" cpu_ms_per_scrape)
idle_s=$(get "$idle_env" exporter_s)
idle_sockets=$(get "$idle_env" sockets_seen)

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
machine="$(nproc) cores, ${cpu_model:-unknown CPU}, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)

md="$OUT/results.md"
json="$OUT/results.json"
{
  echo "# Scrape benchmark results"
  echo
  echo "- Date: $date_utc; mode: $([ "$SMOKE" = 1 ] && echo smoke || echo full); rounds per point: $ROUNDS (medians)"
  echo "- Machine: $machine"
  echo "- Exporter: \`$EXPORTER\`"
  echo "- Idle host ($idle_sockets sockets): scrape $(fmt "$idle_s" %s) s, CPU $(fmt "$idle_cpu" %s) ms per scrape (median of $(get "$idle_env" batches) batch(es) of $IDLE_SCRAPES scrapes; lowest $(fmt "$(get "$idle_env" cpu_ms_min)" %s), highest $(fmt "$(get "$idle_env" cpu_ms_max)" %s))"
  echo
  echo "| N | sockets seen | exporter scrape s | ss -tan s | ss -tanp s | node_exporter s | bare dump s | exporter / node_exporter | exporter / ss -tanp | exporter / bare dump | µs per socket | exporter RSS MB | CPU ms per scrape |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$md"

points_json=''
loads=''
notes=()
declare -A per_socket rss_at ratio_node ratio_tanp ratio_dump
for n in "${point_list[@]}"; do
  env="$RAW/point-$n.env"
  [ -s "$env" ] || continue
  reached=$(get "$env" reached)
  note=$(get_all "$env" note)
  [ -n "$note" ] && notes+=("N=$n: $note")
  ex_s=$(get "$env" exporter_s); tan_s=$(get "$env" ss_tan_s); tanp_s=$(get "$env" ss_tanp_s)
  node_s=$(get "$env" node_s); dump_s=$(get "$env" dump_s)
  seen=$(get "$env" sockets_seen); rss=$(get "$env" rss_mb); cpu=$(get "$env" cpu_ms_per_scrape)
  rn=$(ratio "$ex_s" "$node_s"); rt=$(ratio "$ex_s" "$tanp_s"); rd=$(ratio "$ex_s" "$dump_s")
  us=$(awk -v s="$ex_s" -v n="$seen" 'BEGIN { if (s != "" && n > 0) printf "%.3f", s * 1e6 / n }')
  per_socket[$n]=$us; rss_at[$n]=$rss; ratio_node[$n]=$rn; ratio_tanp[$n]=$rt; ratio_dump[$n]=$rd
  label=$n
  loads+="${loads:+, }N=$n: $(get "$env" loadavg_before) → $(get "$env" loadavg_after)"
  [ "$reached" = true ] || label="$n (not reached: $(get "$env" established))"
  echo "| $label | $(fmt "$seen" %s) | $(fmt "$ex_s" %.4f) | $(fmt "$tan_s" %.4f) | $(fmt "$tanp_s" %.3f) | $(fmt "$node_s" %.4f) | $(fmt "$dump_s" %.4f) | $(fmt "$rn" %s) | $(fmt "$rt" %s) | $(fmt "$rd" %s) | $(fmt "$us" %s) | $(fmt "$rss" %s) | $(fmt "$cpu" %s) |" >>"$md"
  pj="{\"n\": $n, \"reached\": $(json_num "$reached"), \"established\": $(json_num "$(get "$env" established)")"
  pj+=", \"sockets_seen\": $(json_num "$seen"), \"sockets_tcp\": $(json_num "$(get "$env" sockets_tcp)")"
  pj+=", \"dump_sockets\": $(json_num "$(get "$env" dump_sockets)"), \"time_wait\": $(json_num "$(get "$env" time_wait)")"
  pj+=", \"exporter_s\": $(json_num "$ex_s"), \"ss_tan_s\": $(json_num "$tan_s"), \"ss_tanp_s\": $(json_num "$tanp_s")"
  pj+=", \"ss_tanp_runs\": $(json_num "$(get "$env" ss_tanp_runs)"), \"node_exporter_s\": $(json_num "$node_s"), \"bare_dump_s\": $(json_num "$dump_s")"
  pj+=", \"exporter_over_node_exporter\": $(json_num "$rn"), \"exporter_over_ss_tanp\": $(json_num "$rt"), \"exporter_over_bare_dump\": $(json_num "$rd")"
  pj+=", \"us_per_socket\": $(json_num "$us"), \"exporter_rss_mb\": $(json_num "$rss"), \"cpu_ms_per_scrape\": $(json_num "$cpu")"
  pj+=", \"host_loadavg_before\": $(json_num "$(get "$env" loadavg_before)"), \"host_loadavg_after\": $(json_num "$(get "$env" loadavg_after)")"
  pj+=", \"node_exporter_rss_mb\": $(json_num "$(get "$env" node_rss_mb)"), \"load_kernel_mem_mb\": $(json_num "$(get "$env" load_mem_mb)")"
  pj+=", \"exporter_runs_s\": [$(get "$env" exporter_runs)], \"bare_dump_runs_s\": [$(get "$env" dump_runs)]"
  pj+=", \"collector_seconds\": $(json_num "$(get "$env" collector_seconds)"), \"note\": $(json_str "$note")}"
  points_json+="${points_json:+, }$pj"
done
for n in "${skipped[@]}"; do
  echo "| $n (skipped: not enough memory) | — | — | — | — | — | — | — | — | — | — | — | — |" >>"$md"
  notes+=("N=$n: skipped, not enough memory")
  points_json+="${points_json:+, }{\"n\": $n, \"reached\": false, \"note\": \"skipped: not enough memory\"}"
done

# Targets. "n/a" when the run has no data for one (smoke mode has no 100k).
targets=()   # name|verdict|detail
verdict() { if [ -z "$1" ]; then echo n/a; elif awk "BEGIN { exit !($1) }"; then echo holds; else echo misses; fi; }
target_point=100000
rn=${ratio_node[$target_point]:-}; rt=${ratio_tanp[$target_point]:-}
targets+=("exporter <= 0.5x node_exporter at 100k|$(verdict "${rn:+$rn <= 0.5}")|ratio ${rn:-n/a}")
targets+=("exporter <= 0.05x ss -tanp at 100k|$(verdict "${rt:+$rt <= 0.05}")|ratio ${rt:-n/a}")
worst_dump=''; dump_detail=''
for n in "${point_list[@]}"; do
  v=${ratio_dump[$n]:-}; [ -n "$v" ] || continue
  dump_detail+="${dump_detail:+, }N=$n: $v"
  if [ -z "$worst_dump" ] || awk -v a="$v" -v b="$worst_dump" 'BEGIN { exit !(a > b) }'; then worst_dump=$v; fi
done
targets+=("steady-state scrape <= 1.5x bare dump (every point)|$(verdict "${worst_dump:+$worst_dump <= 1.5}")|${dump_detail:-n/a}")
first_us=''; flat_detail=''; flat_expr=''
for n in "${point_list[@]}"; do
  v=${per_socket[$n]:-}; [ -n "$v" ] || continue
  flat_detail+="${flat_detail:+, }N=$n: $v µs"
  if [ -z "$first_us" ]; then first_us=$v; else flat_expr+="${flat_expr:+ && }$v <= 1.25 * $first_us"; fi
done
targets+=("per-socket cost flat (no point above 1.25x the smallest point's)|$(verdict "$flat_expr")|${flat_detail:-n/a}")
rss=${rss_at[$target_point]:-}
targets+=("exporter RSS < 40 MB at 100k|$(verdict "${rss:+$rss < 40}")|${rss:-n/a} MB")
targets+=("idle scrape < 5 ms CPU|$(verdict "${idle_cpu:+$idle_cpu < 5}")|${idle_cpu:-n/a} ms at $idle_sockets sockets")

{
  echo
  echo "## Targets"
  echo
  echo "| Target | Verdict | Measured |"
  echo "|---|---|---|"
  for t in "${targets[@]}"; do
    IFS='|' read -r name v detail <<<"$t"
    echo "| $name | $v | $detail |"
  done
  echo
  echo "Host 1-minute load average before → after each point's rounds (the harness itself"
  echo "keeps about 1 busy; more means other work competed for the $(nproc) cores): ${loads:-n/a}."
  if [ ${#notes[@]} -gt 0 ]; then
    echo
    echo "## Notes"
    echo
    for x in "${notes[@]}"; do echo "- $x"; done
  fi
} >>"$md"

targets_json=''
for t in "${targets[@]}"; do
  IFS='|' read -r name v detail <<<"$t"
  case $v in holds) b=true ;; misses) b=false ;; *) b=null ;; esac
  targets_json+="${targets_json:+, }{\"target\": $(json_str "$name"), \"holds\": $b, \"measured\": $(json_str "$detail")}"
done
{
  echo "{"
  echo "  \"date\": \"$date_utc\","
  echo "  \"mode\": \"$([ "$SMOKE" = 1 ] && echo smoke || echo full)\","
  echo "  \"machine\": $(json_str "$machine"),"
  echo "  \"exporter\": $(json_str "$EXPORTER"),"
  echo "  \"rounds\": $ROUNDS,"
  echo "  \"idle\": {\"sockets_seen\": $(json_num "$idle_sockets"), \"scrapes\": $(json_num "$(get "$idle_env" scrapes)"), \"exporter_s\": $(json_num "$idle_s"), \"cpu_ms_per_scrape\": $(json_num "$idle_cpu"), \"cpu_ms_min\": $(json_num "$(get "$idle_env" cpu_ms_min)"), \"cpu_ms_max\": $(json_num "$(get "$idle_env" cpu_ms_max)"), \"batches\": $(json_num "$(get "$idle_env" batches)"), \"exporter_rss_mb\": $(json_num "$(get "$idle_env" rss_mb)")},"
  echo "  \"points\": [$points_json],"
  echo "  \"targets\": [$targets_json]"
  echo "}"
} >"$json"

cat "$md"
echo
echo "bench: results in $md and $json ($((SECONDS - started)) s; raw logs in $RAW)"
exit 0

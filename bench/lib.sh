# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers the bench scripts share (sourced: bench/run.sh, bpf_source.sh,
# explicit_port_dump.sh, socket_walks.sh, start_and_peak.sh,
# weight_guard.sh). Measurements read /proc of this namespace.

# Seconds elapsed since $1 (an $EPOCHREALTIME value).
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }'; }

# Median of the numbers given as arguments (empty when none).
median() {
  [ $# -gt 0 ] || return 0
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) printf "%.6f", v[(NR + 1) / 2];
          else printf "%.6f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# utime + stime of a process, in clock ticks.
cpu_ticks() {
  local line rest
  read -r line <"/proc/$1/stat" || return 1
  rest=${line##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo $((${12} + ${13}))
}

# Peak resident set of a process, in kB.
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Established TCP sockets in this namespace (both ends of a connection).
curr_estab() {
  awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "CurrEstab") c = i; h = 1 }
                 else print $c }' /proc/net/snmp
}

# TIME_WAIT sockets in this namespace.
time_wait_count() { awk '/^TCP:/ { for (i = 1; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat; }

# Stops one process by PID: SIGTERM, at most $2 seconds (default 10), then
# SIGKILL.
stop_pid() {
  local pid=$1 grace=${2:-10} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Waits up to $1 seconds for URL $2 to answer 200, while process $3 lives.
wait_http() {
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ] && kill -0 "$3" 2>/dev/null; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$2")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# Asks URL $1 every 50 ms while process $2 lives, for at most $3 seconds
# (default 60), saving the first answer to file $4 (default none). Prints
# that answer's time_total: sent from the exporter's start, it includes what
# the first scrape waits for (the start-up self-test). False when none came.
first_answer() {
  local deadline=$((SECONDS + ${3:-60})) t
  while [ $SECONDS -lt $deadline ] && kill -0 "$2" 2>/dev/null; do
    if t=$(curl -fs -o "${4:-/dev/null}" --max-time 600 -w '%{time_total}' "$1"); then
      echo "$t"
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# Starts the load generator $1 (bench/loadgen.cc) holding $2 loopback
# connections in this namespace, without churn or UDP, for at most $3
# seconds, logging to $4; waits at most $3 seconds for it to be ready.
# Sets LOAD_PID. False, with the load stopped, when it never got ready.
start_held_load() {
  local deadline=$((SECONDS + $3))
  setpriv --pdeathsig KILL -- "$1" --connections="$2" --churn-rate=0 --udp=0 \
    --timeout="$3" >"$4" 2>&1 &
  LOAD_PID=$!
  until grep -qs "^ready" "$4"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$LOAD_PID" 2>/dev/null; then
      stop_pid "$LOAD_PID"
      return 1
    fi
    sleep 0.1
  done
}

# Exits 77 (CTest: skipped), saying so, unless this is root and can make
# network namespaces.
require_root_and_netns() {
  if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
    echo "SKIPPED: needs root and network namespaces"
    exit 77
  fi
}

# Compiles bench/loadgen.cc into a new directory named after $1, removed when
# the script exits. Sets BENCH_TMP (the directory) and LOADGEN (the binary);
# false when the compile fails.
build_loadgen() {
  BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/epx-$1.XXXXXX") || return 1
  # shellcheck disable=SC2064 # the directory is known now
  trap "rm -rf '$BENCH_TMP'" EXIT
  LOADGEN=$BENCH_TMP/epx_bench_load
  g++ -O2 -std=c++17 -o "$LOADGEN" "$(dirname "${BASH_SOURCE[0]}")/loadgen.cc"
}

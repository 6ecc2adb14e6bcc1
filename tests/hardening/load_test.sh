#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test: wrk against /metrics on loopback with many connections for a
# bounded time while sockets churn (a helper opens and closes TCP
# connections and leaves TIME_WAIT sockets behind). Fails on any HTTP error,
# socket error, exporter crash, or RSS growth between two equal rounds
# beyond a bound. Prints latency percentiles and RSS figures.
#
#   bash tests/hardening/load_test.sh build/exporter/ephemeral_port_exporter
#   LOAD_SECONDS=60 LOAD_CONNECTIONS=256 bash tests/hardening/load_test.sh ...
#   LOAD_ARGS="--web.config.file=web.yml" ... (extra exporter flags)
#   LOAD_NETNS=0 ...: stay in the host network namespace (default: as root,
#   run in a private one so other sockets on the host do not skew figures;
#   the processes collector still scans every process of the host)
set -euo pipefail

if [ "${LOAD_NETNS:-1}" = 1 ] && [ -z "${EPX_IN_NETNS:-}" ] &&
  [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec env EPX_IN_NETNS=1 unshare -n bash "$0" "$@"
fi
if [ -n "${EPX_IN_NETNS:-}" ]; then
  ip link set lo up
  echo "(private network namespace)"
fi

EXPORTER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../e2e/lib.sh"   # TMP_DIR, cleanup trap killing STARTED_PIDS

SECONDS_PER_ROUND=${LOAD_SECONDS:-20}
CONNECTIONS=${LOAD_CONNECTIONS:-64}
THREADS=${LOAD_THREADS:-2}
CHURN_SOCKETS=${LOAD_CHURN_SOCKETS:-2000}
CHURN_RATE=${LOAD_CHURN_RATE:-500}   # new connections per second
# 1: close normally, so TIME_WAIT sockets pile up (up to rate x 60 s); the
# socket count then keeps growing and the RSS check compares unequal rounds.
CHURN_TIME_WAIT=${LOAD_TIME_WAIT:-0}
# Bound on RSS growth from the end of round 1 to the end of round 2.
MAX_GROWTH_KB=${LOAD_MAX_GROWTH_KB:-8192}

if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# --- socket churn: a listener plus clients that connect and close in a loop
# --- (client closes first, so TIME_WAIT piles up on the client side).
cat >"$TMP_DIR/churn.py" <<'PY'
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[1])
keep = int(sys.argv[2])
rate = float(sys.argv[3])
time_wait = sys.argv[4] == "1"
import struct
start = time.monotonic()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(4096)
srv.setblocking(False)
port = srv.getsockname()[1]
held = []
opened = 0
while time.monotonic() < deadline:
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    opened += 1
    held.append(c)
    try:
        while True:
            a, _ = srv.accept()
            a.close()
    except BlockingIOError:
        pass
    if len(held) > keep:
        for s in held[: keep // 2]:
            if not time_wait:  # reset: no TIME_WAIT, a steady socket count
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            s.close()
        del held[: keep // 2]
    ahead = opened / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
print(f"churn: opened {opened} connections", flush=True)
PY

read -ra load_args <<<"${LOAD_ARGS:-}"
start_exporter "$TMP_DIR/exporter.log" "${load_args[@]}"
PID=$EXPORTER_PID
URL=http://127.0.0.1:$EXPORTER_PORT/metrics
CHURN_TIME=$((2 * SECONDS_PER_ROUND + 20))
timeout $((CHURN_TIME + 10)) python3 "$TMP_DIR/churn.py" "$CHURN_TIME" \
  "$CHURN_SOCKETS" "$CHURN_RATE" "$CHURN_TIME_WAIT" >"$TMP_DIR/churn.log" 2>&1 &
STARTED_PIDS+=("$!")
CHURN_PID=$!
sleep 2
curl -sf --max-time 60 "$URL" -o "$TMP_DIR/first.prom" || fail "first scrape failed"
grep -q '^ephemeral_port_in_use' "$TMP_DIR/first.prom" || fail "no metrics"
RSS_START=$(rss_kb "$PID")

round() {
  local n=$1 out=$TMP_DIR/wrk$1.txt
  timeout $((SECONDS_PER_ROUND + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" \
    -d"${SECONDS_PER_ROUND}s" --timeout 30s --latency "$URL" >"$out" 2>&1 ||
    fail "wrk round $n failed: $(cat "$out")"
  kill -0 "$PID" 2>/dev/null || fail "exporter died during round $n: $(tail "$TMP_DIR/exporter.log")"
  local done_requests
  done_requests=$(awk '/requests in/ {print $1}' "$out")
  [ "${done_requests:-0}" -gt 0 ] || { cat "$out"; fail "no request completed in round $n"; }
  if grep -qE 'Non-2xx|Socket errors' "$out"; then
    cat "$out"
    fail "errors in round $n"
  fi
  echo "round $n: $(grep -E 'Requests/sec' "$out" | tr -s ' ')," \
    "latency p50 $(awk '$1=="50%"{print $2}' "$out")" \
    "p90 $(awk '$1=="90%"{print $2}' "$out")" \
    "p99 $(awk '$1=="99%"{print $2}' "$out")," \
    "$(grep -E 'requests in' "$out" | tr -s ' ' | sed 's/^ //'), RSS $(rss_kb "$PID") kB"
}

SECONDS_MAIN=$SECONDS_PER_ROUND
SECONDS_PER_ROUND=5 round 0   # warm-up: thread stacks, malloc arenas
SECONDS_PER_ROUND=$SECONDS_MAIN
RSS_WARM=$(rss_kb "$PID")
round 1
RSS_AFTER1=$(rss_kb "$PID")
round 2
RSS_AFTER2=$(rss_kb "$PID")
curl -sf --max-time 30 "$URL" -o "$TMP_DIR/last.prom" || fail "scrape after load failed"
echo "sockets seen by the exporter: $(grep '^ephemeral_port_sockets{' "$TMP_DIR/first.prom" | awk '{s+=$2} END {print s}') at start," \
  "$(grep '^ephemeral_port_sockets{' "$TMP_DIR/last.prom" | awk '{s+=$2} END {print s}') at end;" \
  "$(tail -1 "$TMP_DIR/churn.log" 2>/dev/null)"
grep 'collector_duration_seconds{' "$TMP_DIR/last.prom" | sed 's/^ephemeral_port_//'

echo "RSS kB: before load $RSS_START, after warm-up $RSS_WARM, after round 1 $RSS_AFTER1, after round 2 $RSS_AFTER2, peak $(hwm_kb "$PID")"
grep -q 'level=error' "$TMP_DIR/exporter.log" && { grep 'level=error' "$TMP_DIR/exporter.log" | head -5; fail "errors logged"; }
[ $((RSS_AFTER2 - RSS_AFTER1)) -le "$MAX_GROWTH_KB" ] ||
  fail "RSS grew by $((RSS_AFTER2 - RSS_AFTER1)) kB between equal rounds (bound $MAX_GROWTH_KB kB)"
kill "$CHURN_PID" 2>/dev/null || true
echo "PASS: load test"

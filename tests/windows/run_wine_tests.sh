#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Windows backend, built and tested from Linux:
#   1. cross-builds the mingw dependencies (cached) and the exporter .exe
#      plus the Windows test programs into <src>/build-win (-j2);
#   2. under Wine: the pure-parser tests, the Win32 wrapper tests, then the
#      real exporter .exe serving /metrics with sockets this script opened,
#      a fake WAPCSvc registered with the service control manager, the
#      collectors that Wine cannot serve (range, events) failing honestly,
#      the report command, and the exporter running as a Windows service.
#
# Usage: tests/windows/run_wine_tests.sh [EXPORTER_SOURCE_DIR]
# Exit status: 0 passed, 1 failed, 77 skipped (mingw/Wine not installable).
set -euo pipefail

SRC=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
HERE=$SRC/tests/windows
BUILD=$SRC/build-win
RUN=$BUILD/wine-run
WINE=/usr/lib/wine/wine64
T0=$SECONDS
N_CONNECTIONS=25

say() { printf '[wine-tests %3ss] %s\n' $((SECONDS - T0)) "$*"; }
fail() {
  say "FAIL: $*"
  exit 1
}

mkdir -p "$BUILD" "$RUN"

# --- 1. toolchain, dependencies, build ---------------------------------------
say "mingw dependencies (cmake/mingw/build-deps.sh)"
if ! bash "$SRC/cmake/mingw/build-deps.sh" >"$RUN/deps.log" 2>&1; then
  if ! command -v x86_64-w64-mingw32-g++-posix >/dev/null || [[ ! -x $WINE ]]; then
    tail -n 20 "$RUN/deps.log"
    echo "SKIPPED: mingw-w64 or Wine could not be installed"
    exit 77
  fi
  tail -n 40 "$RUN/deps.log"
  fail "building the mingw dependencies failed"
fi
[[ -x $WINE ]] || { echo "SKIPPED: $WINE missing"; exit 77; }

say "cross build into $BUILD"
if ! cmake -S "$SRC" -B "$BUILD" \
  -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/mingw/toolchain-x86_64-w64-mingw32.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DEPX_WERROR=ON >"$RUN/configure.log" 2>&1; then
  tail -n 40 "$RUN/configure.log"
  fail "cmake configure"
fi
if ! cmake --build "$BUILD" -j2 >"$RUN/build.log" 2>&1; then
  grep -E 'error|Error' "$RUN/build.log" | head -n 40
  fail "cross build"
fi
EXE=$BUILD/exporter/ephemeral_port_exporter.exe
TESTS=$BUILD/tests/windows

# --- 2. Wine session ------------------------------------------------------------
export WINEPREFIX=$BUILD/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
PIDS=()
SERVICES=()
cleanup() {
  local rc=$?
  set +e
  for svc in "${SERVICES[@]}"; do
    timeout 30 "$WINE" "$TESTS/service_tool.exe" stop "$svc" >/dev/null 2>&1 </dev/null
    timeout 30 "$WINE" "$TESTS/service_tool.exe" delete "$svc" >/dev/null 2>&1 </dev/null
  done
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  timeout 30 wineserver -k >/dev/null 2>&1 </dev/null
  say "done (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
# Every Wine process gets /dev/null or a file, never this script's pipes:
# a lingering wineserver would keep CTest waiting otherwise.
# A session left by an aborted run of this prefix is ours to end.
timeout 30 wineserver -k >/dev/null 2>&1 </dev/null || true
wineserver -p </dev/null >/dev/null 2>&1
# The first process boots the prefix (services.exe etc.) and waits for it;
# an explicit `wineboot -i` next to that implicit boot starts a second
# services.exe, and service calls then fail at random with error 1060.
say "wine prefix boot"
timeout 180 "$WINE" cmd.exe /c exit 0 </dev/null >"$RUN/wineboot.log" 2>&1 ||
  { cat "$RUN/wineboot.log"; fail "booting the Wine prefix"; }

# shellcheck source=tests/windows/wine_lib.sh
source "$HERE/wine_lib.sh"

# --- 3. unit tests under Wine ----------------------------------------------------
say "parser tests (the native pure tests, built for Windows)"
winrun 120 "$RUN/parsers_test.log" "$TESTS/epx_windows_parsers_test.exe" ||
  { tail -n 40 "$RUN/parsers_test.log"; fail "epx_windows_parsers_test.exe"; }
grep -E '^\[  PASSED  \]' "$RUN/parsers_test.log"

say "wrapper tests (Win32 APIs as Wine provides them)"
winrun 300 "$RUN/wrappers_test.log" "$TESTS/epx_windows_wrappers_test.exe" \
  --gtest_filter=-WrappersTest.FakeWapcsvcResolvesToItsPid ||
  { tail -n 60 "$RUN/wrappers_test.log"; fail "epx_windows_wrappers_test.exe"; }
grep -E '^\[  PASSED  \]' "$RUN/wrappers_test.log"

# --- 4. fake WAPCSvc through the service control manager ------------------------
SVC_PORT=$(free_port 61000 64000)
PID_FILE=$RUN/wapcsvc.pid
rm -f "$PID_FILE"
say "fake WAPCSvc (fake_wapcsvc.exe, port $SVC_PORT)"
SERVICES+=(WAPCSvc)
# Leftovers of an aborted run would make CreateService fail.
for svc in WAPCSvc ephemeral_port_exporter; do
  winrun 30 /dev/null "$TESTS/service_tool.exe" stop "$svc" || true
  winrun 30 /dev/null "$TESTS/service_tool.exe" delete "$svc" || true
done
winrun 60 "$RUN/svc_create.log" "$TESTS/service_tool.exe" create WAPCSvc \
  "$(winpath "$TESTS/fake_wapcsvc.exe") $(winpath "$PID_FILE") $SVC_PORT" ||
  { cat "$RUN/svc_create.log"; fail "CreateService WAPCSvc"; }
winrun 60 "$RUN/svc_start.log" "$TESTS/service_tool.exe" start WAPCSvc ||
  { cat "$RUN/svc_start.log"; fail "StartService WAPCSvc"; }
SVC_PID=$(tr -d '\r\n' <"$RUN/svc_start.log")
[[ -s $PID_FILE ]] || fail "fake WAPCSvc did not write $PID_FILE"
SELF_PID=$(tr -d '\r\n' <"$PID_FILE")
[[ $SVC_PID == "$SELF_PID" ]] ||
  fail "SCM pid $SVC_PID != pid the service wrote ($SELF_PID)"
say "WAPCSvc runs as pid $SVC_PID"
EPX_FAKE_SERVICE_PIDFILE=$(winpath "$PID_FILE") winrun 120 "$RUN/wrappers_service.log" \
  "$TESTS/epx_windows_wrappers_test.exe" --gtest_filter=WrappersTest.FakeWapcsvcResolvesToItsPid ||
  { tail -n 40 "$RUN/wrappers_service.log"; fail "FakeWapcsvcResolvesToItsPid"; }
grep -q '^\[  PASSED  \] 1 test' "$RUN/wrappers_service.log" ||
  fail "FakeWapcsvcResolvesToItsPid did not run"

# --- 5. the exporter .exe with real sockets -----------------------------------
READY=$RUN/connections.ready
rm -f "$READY"
python3 "$HERE/hold_connections.py" "$N_CONNECTIONS" "$READY" </dev/null >"$RUN/holder.log" 2>&1 &
HOLDER=$!
PIDS+=("$HOLDER")
for _ in $(seq 100); do [[ -s $READY ]] && break; sleep 0.1; done
[[ -s $READY ]] || fail "hold_connections.py not ready"
read -r LISTEN_PORT _ <"$READY"
say "Linux holds $N_CONNECTIONS connections to 127.0.0.1:$LISTEN_PORT from ports inside 49152-65535"

PORT=$(free_port 20000 30000)
"$WINE" "$EXE" --web.listen-address="127.0.0.1:$PORT" --top.destinations=1000 \
  --top.local-addresses=1000 --collector.connect_events --selftest.timeout-seconds=150 \
  </dev/null >"$RUN/exporter.log" 2>&1 &
EXPORTER=$!
PIDS+=("$EXPORTER")
URL=http://127.0.0.1:$PORT
for _ in $(seq 120); do
  curl -fsS -m 2 "$URL/-/healthy" >/dev/null 2>&1 && break
  kill -0 "$EXPORTER" 2>/dev/null || { cat "$RUN/exporter.log"; fail "exporter exited"; }
  sleep 0.5
done
curl -fsS -m 2 "$URL/-/healthy" >/dev/null || fail "exporter not healthy on $URL"
# The start-up self-test makes two collections first; a fresh Wine prefix on
# a loaded machine takes seconds for each: wait for its verdict (bounded).
for _ in $(seq 300); do
  grep -q 'msg="selftest" check=' "$RUN/exporter.log" && break
  sleep 0.5
done
grep -q 'msg="selftest" check=sockets' "$RUN/exporter.log" ||
  { cat "$RUN/exporter.log"; fail "the start-up self-test did not finish within 150 s"; }
say "exporter.exe serves $URL; start-up self-test done; scraping"
M=$RUN/metrics.prom
# The ranges are read on a thread of their own and no scrape waits for the
# first reading (port_range fails with "not read yet" until it arrives).
for _ in $(seq 60); do
  curl -fsS -m 300 -H "X-Prometheus-Scrape-Timeout-Seconds: 240" "$URL/metrics" -o "$M" ||
    fail "scrape failed"
  grep -q '^ephemeral_port_range_info{' "$M" && break
  sleep 1
done
grep -q '^ephemeral_port_range_info{' "$M" || fail "the port ranges were not read within 60 s"

value() { python3 "$HERE/metric.py" "$M" "$1"; }
expect() { # expect SERIES OP NUMBER
  local v
  v=$(value "$1")
  [[ $v != absent ]] || fail "$1 is absent"
  python3 -c "import sys; sys.exit(0 if float('$v') $2 float('$3') else 1)" ||
    fail "$1 = $v, expected $2 $3"
  say "ok: $1 = $v ($2 $3)"
}
expect_absent() {
  [[ $(value "$1") == absent ]] || fail "$1 should be absent"
  say "ok: $1 absent"
}
expect_log() {
  grep -q -- "$1" "$RUN/exporter.log" || { cat "$RUN/exporter.log"; fail "no log line matching '$1'"; }
  say "ok: log has '$1'"
}

grep -Eq '^ephemeral_port_build_info\{.*os="windows",source="iphlpapi"\} 1$' "$M" ||
  fail "build_info does not say os=windows source=iphlpapi"
say "ok: build_info os=windows source=iphlpapi"
expect 'ephemeral_port_collector_success{collector="sockets"}' == 1
expect 'ephemeral_port_collector_success{collector="processes"}' == 1
expect 'ephemeral_port_collector_success{collector="tcp_stats"}' == 1
# Wine's ETW has the controller calls as stubs and refuses OpenTrace: the
# connect_events collector must fail visibly, the rest still answer.
expect 'ephemeral_port_collector_success{collector="connect_events"}' == 0
expect_log 'collector=connect_events.*OpenTrace: Access denied'
expect 'ephemeral_port_destination_in_use{protocol="tcp",remote_address="127.0.0.1",remote_port="'"$LISTEN_PORT"'"}' == "$N_CONNECTIONS"
expect 'ephemeral_port_in_use{protocol="tcp",family="ipv4"}' '>=' "$N_CONNECTIONS"
expect 'ephemeral_port_sockets{protocol="tcp",family="ipv4",state="established"}' '>=' $((2 * N_CONNECTIONS))
expect 'ephemeral_port_sockets{protocol="tcp",family="ipv4",state="listen"}' '>=' 2
expect 'ephemeral_port_exhaustion_in_use{protocol="tcp"}' '>=' "$N_CONNECTIONS"
expect 'ephemeral_port_tcp_active_opens_total{family="ipv4"}' '>=' "$N_CONNECTIONS"
expect 'ephemeral_port_service_up{service="WAPCSvc"}' == 1
expect 'ephemeral_port_service_processes{service="WAPCSvc"}' == 1
expect 'ephemeral_port_processes_scanned' '>=' 2

# Range: WMI ROOT\StandardCimv2 and netsh are stubs in Wine 8; on a system
# where either works the collector must succeed with a real range.
if [[ $(value 'ephemeral_port_collector_success{collector="port_range"}') == 0 ]]; then
  expect_log 'collector=port_range msg="WMI: '
  expect_log 'assuming the Windows default range 49152-65535'
  expect 'ephemeral_port_range_start{protocol="tcp",family="ipv4"}' == 49152
  expect 'ephemeral_port_range_size{protocol="tcp",family="ipv4"}' == 16384
  expect 'ephemeral_port_range_info{source="default"}' == 1
else
  expect 'ephemeral_port_collector_success{collector="port_range"}' == 1
  expect 'ephemeral_port_range_size{protocol="tcp",family="ipv4"}' '>' 0
fi
# Events: the Wine event log has no System channel to query.
if [[ $(value 'ephemeral_port_collector_success{collector="events"}') == 0 ]]; then
  expect_log 'collector=events msg="EvtQuery(System, Tcpip 4227/4231/4266): '
  expect_absent 'ephemeral_port_windows_events_total{event_id="4231"}'
else
  expect 'ephemeral_port_collector_success{collector="events"}' == 1
  expect 'ephemeral_port_windows_events_total{event_id="4231"}' '>=' 0
  expect 'ephemeral_port_windows_events_total{event_id="4227"}' '>=' 0
  expect 'ephemeral_port_windows_events_total{event_id="4266"}' '>=' 0
fi
expect_log 'bound TCP sockets are not visible'

# Closing: the clients close first, so their ports sit in TIME_WAIT and
# still count.
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null || true
# The closes finish their handshakes within moments: wait (bounded) until
# the kernel shows every TIME_WAIT socket of the port, or stops changing.
tw_left() { ss -Htan state time-wait "( sport = :$LISTEN_PORT or dport = :$LISTEN_PORT )" | wc -l; }
for _ in $(seq 50); do
  (($(tw_left) >= N_CONNECTIONS)) && break
  sleep 0.1
done
# The kernel may have reset a few (a late pure ACK met by the closed
# listener's RST; this host's tcp_rfc1337 is not the test's to change).
left=$(tw_left)
((left >= 1)) || fail "no TIME_WAIT socket of port $LISTEN_PORT after the close"
((left >= N_CONNECTIONS)) || say "note: the kernel reset $((N_CONNECTIONS - left)) of the $N_CONNECTIONS TIME_WAIT sockets"
# A collection still running at the scrape deadline is answered from the
# last complete one with sockets at 0, which a loaded Wine can make happen
# while the start-up self-test still runs; and a scrape joins a collection
# already running (the incident recorder's, seconds long under Wine), which
# may have read the table while the closes were under way (seen: 4 of 25).
# Scrape until a complete collection that began after the closes is served,
# at most 20 times.
tw_series='ephemeral_port_sockets{protocol="tcp",family="ipv4",state="time_wait"}'
for _ in $(seq 20); do
  curl -fsS -m 300 -H "X-Prometheus-Scrape-Timeout-Seconds: 240" "$URL/metrics" -o "$M" ||
    fail "second scrape failed"
  if [[ $(value 'ephemeral_port_collector_success{collector="sockets"}') == 1 ]] &&
    python3 -c "import sys; sys.exit(0 if float('$(value "$tw_series" | sed 's/absent/0/')') >= $left else 1)"; then
    break
  fi
  sleep 1
done
expect "$tw_series" '>=' "$left"
expect 'ephemeral_port_destination_in_use{protocol="tcp",remote_address="127.0.0.1",remote_port="'"$LISTEN_PORT"'"}' == "$N_CONNECTIONS"
expect 'ephemeral_port_collector_success{collector="sockets"}' == 1

# Server threads on demand (cmake/civetweb/on-demand-workers.patch, applied
# to the Windows build's civetweb too): Wine runs each thread of the .exe as
# a thread of its Linux process. Unpatched, all 512 start at once.
threads() { find "/proc/$EXPORTER/task" -mindepth 1 -maxdepth 1 | wc -l; }
IDLE_THREADS=$(threads)
((IDLE_THREADS > 1 && IDLE_THREADS < 100)) ||
  fail "exporter.exe runs $IDLE_THREADS threads before any connection waits (want 2..99)"
say "ok: exporter.exe runs $IDLE_THREADS threads before any connection waits"
HELD=60
python3 -c '
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(int(sys.argv[2]))]
time.sleep(float(sys.argv[3]))
' "$PORT" "$HELD" 15 </dev/null >"$RUN/idle_holder.log" 2>&1 &
IDLE_HOLDER=$!
PIDS+=("$IDLE_HOLDER")
# Two of them find a kept thread waiting; each other one starts a thread.
want=$((IDLE_THREADS + HELD - 2))
peak=0
for _ in $(seq 100); do
  t=$(threads)
  ((t > peak)) && peak=$t
  ((peak >= want)) && break
  sleep 0.1
done
curl -fsS -m 10 "$URL/-/healthy" >/dev/null || fail "/-/healthy not answered while $HELD idle connections are held"
((peak >= want)) ||
  fail "$HELD idle connections held, threads rose to $peak only (from $IDLE_THREADS, want $want)"
say "ok: $HELD idle connections held: $peak threads, /-/healthy answered"
wait "$IDLE_HOLDER" 2>/dev/null || true
# The server drops a silent connection after web.read_timeout_seconds (10 s);
# its thread ends after 30 s without work and is joined within 2 s.
for _ in $(seq 90); do
  (($(threads) <= IDLE_THREADS + 5)) && break
  sleep 1
done
(($(threads) <= IDLE_THREADS + 5)) ||
  fail "$(threads) threads 90 s after the idle connections ended (from $IDLE_THREADS)"
say "ok: back to $(threads) threads after the idle connections ended"

kill "$EXPORTER"
wait "$EXPORTER" 2>/dev/null || true

# --- 6. report command, console misuse of "service" ---------------------------
say "report command"
winrun 300 "$RUN/report.txt" "$EXE" report || { cat "$RUN/report.txt"; fail "report exited non-zero"; }
grep -q 'Ephemeral port report for' "$RUN/report.txt" || { cat "$RUN/report.txt"; fail "report output"; }
grep -q 'WAPCSvc' "$RUN/report.txt" || { cat "$RUN/report.txt"; fail "report lacks WAPCSvc"; }
# The report collects once, so it waits for the first range reading.
grep -q 'not been read yet' "$RUN/report.txt" && { cat "$RUN/report.txt"; fail "report did not wait for the ranges"; }
say "ok: report printed ($(wc -l <"$RUN/report.txt") lines)"
rc=0
winrun 60 "$RUN/service_console.log" "$EXE" service || rc=$?
[[ $rc == 2 ]] && grep -q "for the Windows service control manager" "$RUN/service_console.log" ||
  { cat "$RUN/service_console.log"; fail "'service' at a console: exit $rc"; }
say "ok: 'service' at a console exits 2 with a message"

# --- 6b. selftest: what Wine can and cannot prove ---------------------------------
# Wine keeps sockets in wineserver and reports no owning process, has no
# System log and no ETW consumer: the self-test must find its sockets and
# FAIL the owners, events and connect_events checks, exit 1. A change that
# hid one of these failures breaks this.
say "selftest under Wine"
rc=0
winrun 120 "$RUN/selftest.txt" "$EXE" selftest --collector.connect_events || rc=$?
cat "$RUN/selftest.txt"
row() { awk -v c="$1" '$1 == c { print $2; exit }' "$RUN/selftest.txt"; }
[[ $rc == 1 ]] || fail "selftest under Wine exited $rc, want 1"
[[ $(row sockets) == PASS ]] || fail "selftest: sockets not PASS"
[[ $(row owners) == FAIL ]] || fail "selftest: owners not FAIL (Wine reports no owner)"
[[ $(row events) == FAIL ]] || fail "selftest: events not FAIL (Wine has no System log)"
[[ $(row connect_events) == FAIL ]] && grep -q 'the ETW session did not start: OpenTrace' "$RUN/selftest.txt" ||
  fail "selftest: connect_events not FAIL on Wine's OpenTrace"
[[ $(row services) == PASS ]] && grep -q "WAPCSvc: running, pid $SVC_PID" "$RUN/selftest.txt" ||
  fail "selftest: the running fake WAPCSvc not resolved to pid $SVC_PID"
grep -q '^selftest: FAILED: ' "$RUN/selftest.txt" || fail "selftest: no FAILED verdict"
say "ok: selftest finds its sockets, fails owners, events and connect_events, exit 1"

# --- 7. the exporter as a Windows service ----------------------------------------
SPORT=$(free_port 20000 30000)
say "exporter as the service ephemeral_port_exporter on 127.0.0.1:$SPORT"
SERVICES+=(ephemeral_port_exporter)
winrun 60 "$RUN/exp_create.log" "$TESTS/service_tool.exe" create ephemeral_port_exporter \
  "$(winpath "$EXE") service --web.listen-address=127.0.0.1:$SPORT" ||
  { cat "$RUN/exp_create.log"; fail "CreateService ephemeral_port_exporter"; }
winrun 60 "$RUN/exp_start.log" "$TESTS/service_tool.exe" start ephemeral_port_exporter ||
  { cat "$RUN/exp_start.log"; fail "StartService ephemeral_port_exporter"; }
for _ in $(seq 120); do
  curl -fsS -m 2 "http://127.0.0.1:$SPORT/-/healthy" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -m 2 "http://127.0.0.1:$SPORT/-/healthy" >/dev/null || fail "service not serving"
say "ok: the service serves /-/healthy"
winrun 60 "$RUN/exp_stop.log" "$TESTS/service_tool.exe" stop ephemeral_port_exporter ||
  { cat "$RUN/exp_stop.log"; fail "service did not stop cleanly"; }
if curl -fsS -m 2 "http://127.0.0.1:$SPORT/-/healthy" >/dev/null 2>&1; then
  fail "service still serving after Stop"
fi
say "ok: Stop ended the service (STOPPED, port closed)"
winrun 60 "$RUN/exp_delete.log" "$TESTS/service_tool.exe" delete ephemeral_port_exporter ||
  { cat "$RUN/exp_delete.log"; fail "DeleteService ephemeral_port_exporter"; }

# --- 8. MSI (wixl) installed and removed with Wine's msiexec ---------------------
if MSI=$(bash "$SRC/deploy/windows/build_msi.sh" "$EXE" "$BUILD" 2>"$RUN/msi_build.log" | tail -n 1) &&
  [[ -f $MSI ]]; then
  say "MSI $(basename "$MSI"): msiexec /i"
  SERVICES+=(ephemeral_port_exporter)
  winrun 180 "$RUN/msi_install.log" msiexec /i "$(winpath "$MSI")" /qn ||
    { cat "$RUN/msi_install.log"; fail "msiexec /i"; }
  [[ -f "$WINEPREFIX/drive_c/Program Files/ephemeral_port_exporter/ephemeral_port_exporter.exe" &&
     -f "$WINEPREFIX/drive_c/Program Files/ephemeral_port_exporter/config.default.yml" ]] ||
    fail "MSI did not install the exe and config.default.yml"
  # The service creates config.yml from config.default.yml at its first start.
  for _ in $(seq 120); do
    [[ -f "$WINEPREFIX/drive_c/ProgramData/ephemeral_port_exporter/config.yml" ]] && break
    sleep 0.5
  done
  [[ -f "$WINEPREFIX/drive_c/ProgramData/ephemeral_port_exporter/config.yml" ]] ||
    fail "the MSI's service did not create config.yml"
  winrun 60 "$RUN/msi_stop.log" "$TESTS/service_tool.exe" stop ephemeral_port_exporter ||
    { cat "$RUN/msi_stop.log"; fail "the MSI's service was not running"; }
  winrun 180 "$RUN/msi_remove.log" msiexec /x "$(winpath "$MSI")" /qn ||
    { cat "$RUN/msi_remove.log"; fail "msiexec /x"; }
  if winrun 30 /dev/null "$TESTS/service_tool.exe" stop ephemeral_port_exporter; then
    fail "service still registered after msiexec /x"
  fi
  say "ok: MSI installs exe, default config and a running service that creates config.yml; uninstall removes it"
else
  say "MSI not built (wixl unavailable?): $(tail -n 1 "$RUN/msi_build.log")"
fi

say "PASSED"

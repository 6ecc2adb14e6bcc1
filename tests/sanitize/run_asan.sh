#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 1. Builds the whole project and test suite with -fsanitize=address,undefined
#    (gcc by default, CC/CXX to change) in its own build directory and runs
#    CTest: any sanitizer report fails the test that produced it.
# 2. Runs the sanitized exporter through startup, scrapes over HTTP and
#    HTTPS with basic auth, and shutdown by SIGTERM with LeakSanitizer on;
#    fails on any ASan/UBSan/LSan report or a non-zero exit.
#
#   bash tests/sanitize/run_asan.sh              # build + ctest + leak run
#   SKIP_CTEST=1 bash tests/sanitize/run_asan.sh # only the leak run
#   CTEST_ARGS="-R unit" ...                     # a subset of the suite
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${ASAN_BUILD_DIR:-$ROOT/build-asan}
FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_C_FLAGS="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
# The build's log is printed only when it fails, and the suite prints only
# what failed, so a failure's own output leads this test's output.
if ! cmake --build "$BUILD" -j2 >"$BUILD/build.log" 2>&1; then
  tail -60 "$BUILD/build.log" >&2
  echo "FAIL: sanitized build (log: $BUILD/build.log)" >&2
  exit 1
fi

if [ -z "${SKIP_CTEST:-}" ]; then
  # shellcheck disable=SC2086
  (cd "$BUILD" && ctest -j2 --output-on-failure ${CTEST_ARGS:-}) \
    | grep -v -E '^ +Start +[0-9]+: |Passed +[0-9.]+ sec$'
fi

# ---- LeakSanitizer run of the real exporter.
EXPORTER=$BUILD/exporter/ephemeral_port_exporter
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs the exporter with ARGS, scrapes it with CURL_ARGS over SCHEME a few
# times, stops it with SIGTERM and checks its exit and its log.
leak_run() {
  local name=$1 scheme=$2
  shift 2
  local log=$TMP/$name.log port="" pid rc=0
  "$EXPORTER" --web.listen-address=127.0.0.1:0 "$@" 2>"$log" &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 300); do  # sanitized startup is slow: up to 30 s
    port=$(grep -o ' port=[0-9]*' "$log" | head -1 | cut -d= -f2 || true)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "$name: exporter exited: $(cat "$log")"
    sleep 0.1
  done
  [ -n "$port" ] || fail "$name: no port within 30 s"
  for path in /metrics /metrics / /-/healthy /nope /metrics; do
    curl -sS --max-time 30 -o /dev/null "${CURL_ARGS[@]}" \
      "$scheme://127.0.0.1:$port$path" || fail "$name: scrape of $path failed"
  done
  # A wrong password and a client that hangs up mid-handshake too.
  curl -sS --max-time 30 -o /dev/null "${CURL_ARGS[@]}" -u nobody:wrong \
    "$scheme://127.0.0.1:$port/metrics" || true
  (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '\x16\x03\x01' >&3) 2>/dev/null || true
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then fail "$name: still running 30 s after SIGTERM"; fi
  wait "$pid" || rc=$?
  if grep -qE 'LeakSanitizer|AddressSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$log"; then
    grep -m40 -E -A12 'ERROR|runtime error' "$log" >&2 || true
    fail "$name: sanitizer report (full log above)"
  fi
  [ "$rc" = 0 ] || fail "$name: exit status $rc: $(tail -5 "$log")"
  echo "ok: leak run '$name' clean (startup, 8 requests, SIGTERM, exit 0)"
}

CURL_ARGS=()
leak_run plain_netlink http
leak_run plain_procfs http --source=procfs --path.procfs="$ROOT/tests/fixtures/procfs"

# HTTPS + basic auth: exercises the web config, bcrypt and OpenSSL paths.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/k.pem" -out "$TMP/c.pem" \
  >/dev/null 2>&1
HASH=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))')
printf 'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\nbasic_auth_users:\n  u: %s\n' \
  "$HASH" >"$TMP/web.yml"
CURL_ARGS=(--cacert "$TMP/c.pem" -u u:pw)
leak_run tls_auth https --web.config.file="$TMP/web.yml"
echo "PASS: sanitizers clean"

# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers for the end-to-end shell tests. Source it; it sets
# TMP_DIR, kills started processes by PID on exit, and provides waits that
# are bounded in time.
set -euo pipefail

TMP_DIR=$(mktemp -d)
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_exporter LOG ARGS... : starts the exporter on 127.0.0.1:0 and sets
# EXPORTER_PID and EXPORTER_PORT (waits at most 10 s for the port).
start_exporter() {
  local log=$1
  shift
  "$EXPORTER" --web.listen-address=127.0.0.1:0 "$@" 2>"$log" &
  EXPORTER_PID=$!
  STARTED_PIDS+=("$EXPORTER_PID")
  EXPORTER_PORT=""
  for _ in $(seq 1 100); do
    EXPORTER_PORT=$(grep -o ' port=[0-9]*' "$log" | head -1 | cut -d= -f2 || true)
    [ -n "$EXPORTER_PORT" ] && return 0
    kill -0 "$EXPORTER_PID" 2>/dev/null || fail "exporter exited: $(cat "$log")"
    sleep 0.1
  done
  fail "exporter did not report its port within 10 s: $(cat "$log")"
}

# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers of the deploy tests (sourced, not run).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DEBIAN_FRONTEND=noninteractive

step() { echo "== $*"; }
ok() { echo "   ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIPPED: $*"; exit 77; }

# apt_install PKG...: installs the missing ones (no recommends). Returns
# non-zero when apt cannot install them.
apt_updated=
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || { echo "missing packages ${missing[*]} and not root" >&2; return 1; }
  echo "   apt: installing ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true
    apt_updated=1
  fi
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# free_port: prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: polls until URL answers 2xx, or fails.
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL; reaps it if a child.
stop_pid() {
  local pid=$1 _
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# build_exporter DIR [cmake args]: a test-free Release build of the exporter
# in DIR with cmake/packaging.cmake included (also before the top
# CMakeLists.txt includes it itself).
build_exporter() {
  local dir=$1; shift
  local extra=()
  mkdir -p "$dir"
  if grep -q 'cmake/packaging.cmake' "$repo/CMakeLists.txt"; then
    extra+=("-UCMAKE_PROJECT_INCLUDE")
  else
    extra+=("-DCMAKE_PROJECT_INCLUDE=$repo/cmake/packaging.cmake")
  fi
  cmake -S "$repo" -B "$dir" -DEPX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
    "${extra[@]}" "$@" >"$dir/epx-configure.log" 2>&1 \
    || { cat "$dir/epx-configure.log" >&2; return 1; }
  cmake --build "$dir" -j2 >"$dir/epx-build.log" 2>&1 \
    || { tail -50 "$dir/epx-build.log" >&2; return 1; }
}

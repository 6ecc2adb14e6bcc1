#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the static civetweb the Linux exporter links: Debian 12's own
# civetweb source package (apt-get source), with IPv6 and linked against
# OpenSSL 3 directly (Debian's libcivetweb1 is built for the OpenSSL 1.1
# API, loads libssl with dlopen and has no IPv6), and with
# on-demand-workers.patch: worker threads start when connections need them
# and end when idle, instead of all num_threads at start.
#
# Usage: cmake/civetweb/build-civetweb.sh [PREFIX]
#   PREFIX defaults to <repo>/build-civetweb/prefix; sources and logs go to
#   <repo>/build-civetweb/{src,build,logs}.
#
# Cached: PREFIX/.civetweb.stamp holds a hash of this script; when it
# matches, the script exits at once. The top CMakeLists.txt runs it when the
# stamp is missing or stale, so every build entry point gets the same
# library. Concurrent runs wait on one lock.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")
HELPER=$SCRIPT_DIR/../debian-source.sh
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
BUILD_DIR=$REPO/build-civetweb
PREFIX=${1:-$BUILD_DIR/prefix}
case $PREFIX in /*) ;; *) PREFIX=$PWD/$PREFIX ;; esac
STAMP=$PREFIX/.civetweb.stamp
PATCH=$SCRIPT_DIR/on-demand-workers.patch
HASH=$(cat "$SCRIPT" "$HELPER" "$PATCH" | sha256sum)
HASH=${HASH%% *}

stamp_ok() { [[ -f $STAMP && $(head -n1 "$STAMP") == "$HASH" ]]; }
if stamp_ok; then
  echo "civetweb: up to date in $PREFIX"
  exit 0
fi

mkdir -p "$BUILD_DIR"
exec 9>"$BUILD_DIR/.lock"
flock 9
if stamp_ok; then
  echo "civetweb: up to date in $PREFIX (built by a concurrent run)"
  exit 0
fi

# shellcheck source=../debian-source.sh
. "$HELPER"
T_START=$SECONDS
LOG_DIR=$BUILD_DIR/logs
SRC_DIR=$BUILD_DIR/src
OBJ_DIR=$BUILD_DIR/build
mkdir -p "$LOG_DIR"

run() { # run <step> <command...>: output to $LOG_DIR/<step>.log
  local name=$1 t0=$SECONDS
  shift
  if ! "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null; then
    echo "civetweb: step '$name' failed; last lines of $LOG_DIR/$name.log:" >&2
    tail -n 40 "$LOG_DIR/$name.log" >&2
    exit 1
  fi
  printf '  %-20s %4ss\n' "$name" $((SECONDS - t0))
}

echo "civetweb: building into $PREFIX (logs: $LOG_DIR)"
for tool in cmake cc dpkg-source patch; do
  command -v "$tool" >/dev/null ||
    { echo "civetweb: $tool missing (bash deploy/deps.sh installs it)" >&2; exit 1; }
done
[[ -f /usr/include/openssl/ssl.h ]] ||
  { echo "civetweb: libssl-dev missing (bash deploy/deps.sh installs it)" >&2; exit 1; }
run apt-deb-src setup_deb_src
if ! apt-cache showsrc civetweb >/dev/null 2>&1; then
  run apt-update apt-get -q update
fi
run fetch-source fetch_debian_sources "$SRC_DIR" civetweb
SRC=$(debian_srcdir "$SRC_DIR" civetweb)
run patch patch -d "$SRC" -p1 -i "$PATCH"

rm -rf "$OBJ_DIR" "$PREFIX"
# No file serving, CGI, Lua or websockets: the exporter only answers its own
# request handlers. 1 MiB worker stacks (reserved, not resident): glibc
# caches the stacks of ended threads up to 40 MB, so after a burst of
# connections it keeps about 40 of them instead of every 100 kB one. OPENSSL_API_3_0 with NO_SSL_DL: OpenSSL 3 linked, not
# loaded at run time.
run configure cmake -S "$SRC" -B "$OBJ_DIR" -G "Unix Makefiles" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_C_FLAGS="-DOPENSSL_API_3_0" \
  -DCIVETWEB_ENABLE_IPV6=ON -DCIVETWEB_THREAD_STACK_SIZE=1048576 \
  -DCIVETWEB_ENABLE_SSL=ON -DCIVETWEB_ENABLE_SSL_DYNAMIC_LOADING=OFF \
  -DCIVETWEB_SSL_OPENSSL_API_1_1=OFF \
  -DCIVETWEB_SERVE_NO_FILES=ON -DCIVETWEB_DISABLE_CGI=ON \
  -DCIVETWEB_ENABLE_WEBSOCKETS=OFF -DCIVETWEB_ENABLE_CXX=OFF \
  -DCIVETWEB_BUILD_TESTING=OFF -DCIVETWEB_ENABLE_SERVER_EXECUTABLE=OFF \
  -DCIVETWEB_INSTALL_EXECUTABLE=OFF -DCIVETWEB_ENABLE_ASAN=OFF \
  -DCIVETWEB_ENABLE_LTO=OFF
run build cmake --build "$OBJ_DIR" -j 2
run install cmake --install "$OBJ_DIR"
for f in lib/libcivetweb.a lib/cmake/civetweb/civetweb-config.cmake include/civetweb.h; do
  [[ -f $PREFIX/$f ]] || { echo "civetweb: $PREFIX/$f missing after install" >&2; exit 1; }
done
{
  echo "$HASH"
  basename "$(find "$SRC_DIR" -maxdepth 1 -name '*.dsc' | head -n1)" .dsc
} >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
echo "civetweb: done in $((SECONDS - T_START))s -> $PREFIX"

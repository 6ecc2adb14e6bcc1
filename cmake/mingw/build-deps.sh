#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-build static Windows x86_64 libraries of the exporter's dependencies
# with Debian 12's mingw-w64 (posix threads):
#
#   prometheus-cpp (core only), civetweb (C + C++ API, IPv6, TLS),
#   OpenSSL 3 (libssl, libcrypto), libxcrypt (bcrypt only), yaml-cpp,
#   googletest (gtest + gmock)
#
# Sources are Debian's own source packages (apt-get source), googletest comes
# from /usr/src/googletest (package "googletest"), zlib is Debian's
# libz-mingw-w64-dev.
#
# Usage: cmake/mingw/build-deps.sh [PREFIX]
#   PREFIX defaults to <repo>/build-mingw-deps/prefix.  Work tree and logs go
#   to <repo>/build-mingw-deps/{src,build,logs}.
#
# Must run as root (or with sudo available) on Debian 12: it installs the
# cross toolchain, cmake, dpkg-dev, googletest and wine with apt.
#
# Idempotent: PREFIX/.mingw-deps.stamp records a hash of this script, of
# the toolchain file, of cmake/debian-source.sh and of the civetweb patch;
# if it matches (and the toolchain is installed) the script exits
# immediately.
#
# Consume with cmake/mingw/toolchain-x86_64-w64-mingw32.cmake:
#   find_package(prometheus-cpp CONFIG REQUIRED)  -> prometheus-cpp::core
#   find_package(civetweb CONFIG REQUIRED)        -> civetweb::civetweb (C),
#                                                    civetweb::civetweb-cpp
#   find_package(OpenSSL 3 REQUIRED)              -> OpenSSL::SSL, OpenSSL::Crypto
#   find_library(... crypt)                       -> libcrypt.a (crypt.h)
#   find_package(yaml-cpp CONFIG REQUIRED)        -> yaml-cpp
#   find_package(GTest REQUIRED)                  -> GTest::gtest, GTest::gtest_main,
#                                                    GTest::gmock, GTest::gmock_main
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
TOOLCHAIN=$SCRIPT_DIR/toolchain-x86_64-w64-mingw32.cmake
BUILD_DIR=$REPO/build-mingw-deps
DEFAULT_PREFIX=$BUILD_DIR/prefix
PREFIX=${1:-$DEFAULT_PREFIX}
case $PREFIX in /*) ;; *) PREFIX=$PWD/$PREFIX ;; esac
STAMP=$PREFIX/.mingw-deps.stamp
TRIPLE=x86_64-w64-mingw32
JOBS=2

CIVETWEB_PATCH=$SCRIPT_DIR/../civetweb/on-demand-workers.patch
HASH=$(cat "$SCRIPT" "$TOOLCHAIN" "$SCRIPT_DIR/../debian-source.sh" "$CIVETWEB_PATCH" | sha256sum)
HASH=${HASH%% *}

# Commands the consumer side needs besides the prefix (cheap to check).
tools_present() {
  command -v "$TRIPLE-g++-posix" >/dev/null && command -v cmake >/dev/null &&
    command -v wine >/dev/null && [[ -d /usr/src/googletest ]] &&
    [[ -f /usr/$TRIPLE/lib/libz.a ]]
}

# --- fast path --------------------------------------------------------------
stamp_ok=0
if [[ -f $STAMP ]]; then
  read -r stamp_hash <"$STAMP" || true
  [[ ${stamp_hash:-} == "$HASH" ]] && stamp_ok=1
fi
if ((stamp_ok)) && tools_present; then
  echo "mingw deps: up to date in $PREFIX"
  exit 0
fi

# --- helpers ----------------------------------------------------------------
T_START=$SECONDS
LOG_DIR=$BUILD_DIR/logs
SRC_DIR=$BUILD_DIR/src
OBJ_DIR=$BUILD_DIR/build
mkdir -p "$LOG_DIR"

trap 'echo "build-deps.sh: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR

# run <step-name> <command...>: output goes to $LOG_DIR/<step-name>.log
run() {
  local name=$1 t0=$SECONDS rc=0
  shift
  # Run as an async job so that `set -e` stays in force inside shell
  # functions (it is ignored in `cmd || ...` contexts); also isolates `cd`.
  "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  wait $! || rc=$?
  if ((rc != 0)); then
    trap - ERR
    {
      echo
      echo "!!! step '$name' failed (exit $rc): $*"
      echo "!!! last 50 lines of $LOG_DIR/$name.log:"
      tail -n 50 "$LOG_DIR/$name.log"
    } >&2
    exit "$rc"
  fi
  printf '  %-26s %4ss\n' "$name" $((SECONDS - t0))
}

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "build-deps.sh: must run as root (or have sudo)" >&2; exit 1; }
  SUDO=(sudo)
fi
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0)

PACKAGES=(
  g++-mingw-w64-x86-64-posix # x86_64-w64-mingw32-{gcc,g++}-posix + binutils + mingw-w64 headers/libs
  cmake make
  dpkg-dev    # dpkg-source for apt-get source
  googletest  # /usr/src/googletest
  wine64 wine # run the .exe files (wine provides the wine/wineserver commands)
  libz-mingw-w64-dev # zlib for gzip answers
  autoconf automake libtool # libxcrypt's autogen.sh
  patch                     # the civetweb patch
)

# shellcheck source=../debian-source.sh
. "$SCRIPT_DIR/../debian-source.sh"

fetch_sources() {
  fetch_debian_sources "$SRC_DIR" prometheus-cpp civetweb yaml-cpp libxcrypt
  fetch_debian_source_available "$SRC_DIR" openssl
}
srcdir_of() { debian_srcdir "$SRC_DIR" "$1"; }

# Small, verified source fixes for the Windows cross build.
patch_sources() {
  local prom civet
  prom=$(srcdir_of prometheus-cpp)
  civet=$(srcdir_of civetweb)

  # prometheus-cpp: "$<BOOL:UNIX>" tests the literal string "UNIX" (always
  # true), so core exports a link dependency on librt, which mingw lacks.
  # shellcheck disable=SC2016 # literal CMake generator expressions
  sed -i 's/\$<BOOL:UNIX>/$<BOOL:${UNIX}>/; s/\$<BOOL:APPLE>/$<BOOL:${APPLE}>/' "$prom/core/CMakeLists.txt"
  # shellcheck disable=SC2016
  grep -qF '$<BOOL:${UNIX}>' "$prom/core/CMakeLists.txt" ||
    { echo "prometheus-cpp rt patch did not apply" >&2; return 1; }

  # civetweb: its FindWinSock cannot locate ws2_32 when cross compiling, so
  # the library would be exported without it.  Link ws2_32 directly so it
  # ends up in civetweb::civetweb's INTERFACE_LINK_LIBRARIES (and the
  # installed config does not need FindWinSock).
  sed -i -e 's/^find_package(WinSock)$/# find_package(WinSock)  -- patched by build-deps.sh/' \
    -e 's/^if (WINSOCK_FOUND)$/if (WIN32)/' \
    -e 's/target_link_libraries(civetweb-c-library WINSOCK::WINSOCK)/target_link_libraries(civetweb-c-library ws2_32)/' \
    "$civet/src/CMakeLists.txt"
  if ! grep -q 'target_link_libraries(civetweb-c-library ws2_32)' "$civet/src/CMakeLists.txt" ||
    ! grep -q '^# find_package(WinSock)' "$civet/src/CMakeLists.txt"; then
    echo "civetweb ws2_32 patch did not apply" >&2
    return 1
  fi
  # Server threads start when connections need them and end when idle, as
  # in the Linux build (cmake/civetweb/build-civetweb.sh).
  patch -d "$civet" -p1 -i "$CIVETWEB_PATCH"
}

CMAKE_COMMON=(
  -G "Unix Makefiles"
  -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN"
  -DMINGW_DEPS_PREFIX="$PREFIX"
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_PREFIX="$PREFIX"
  -DCMAKE_INSTALL_LIBDIR=lib
  -DBUILD_SHARED_LIBS=OFF
  -DBUILD_TESTING=OFF
)

# OpenSSL builds in its tree: a copy of it. Libraries and headers only.
build_openssl() {
  local obj=$OBJ_DIR/openssl
  rm -rf "$obj"
  cp -a "$1" "$obj"
  cd "$obj"
  ./Configure mingw64 no-shared no-tests no-module no-legacy no-dso no-engine \
    no-async no-comp no-ui-console no-capieng \
    --prefix="$PREFIX" --libdir=lib CC="$TRIPLE-gcc-posix" AR="$TRIPLE-ar" \
    RANLIB="$TRIPLE-ranlib" RC="$TRIPLE-windres"
  make -j "$JOBS" build_libs
  make install_dev
}

# libxcrypt with bcrypt only: the crypt_r(3) the Linux build gets from
# Debian's libcrypt1, same source.
build_libxcrypt() {
  local obj=$OBJ_DIR/libxcrypt
  rm -rf "$obj"
  cp -a "$1" "$obj"
  cd "$obj"
  ./autogen.sh
  ./configure --host="$TRIPLE" CC="$TRIPLE-gcc-posix" --enable-hashes=bcrypt \
    --enable-obsolete-api=no --disable-shared --enable-static \
    --disable-failure-tokens --disable-xcrypt-compat-files --disable-werror \
    --prefix="$PREFIX" --libdir="$PREFIX/lib"
  make -j "$JOBS" libcrypt.la
  make install-libLTLIBRARIES install-nodist_includeHEADERS
}

cmake_build() { # cmake_build <name> <srcdir> <extra cmake args...>
  local name=$1 src=$2
  shift 2
  rm -rf "${OBJ_DIR:?}/$name"
  run "$name-configure" cmake -S "$src" -B "$OBJ_DIR/$name" "${CMAKE_COMMON[@]}" "$@"
  run "$name-build" cmake --build "$OBJ_DIR/$name" -j "$JOBS"
  run "$name-install" cmake --install "$OBJ_DIR/$name"
}

check_prefix() {
  local f missing=0
  for f in \
    lib/libprometheus-cpp-core.a lib/cmake/prometheus-cpp/prometheus-cpp-config.cmake \
    lib/libcivetweb.a lib/libcivetweb-cpp.a lib/cmake/civetweb/civetweb-config.cmake \
    lib/libyaml-cpp.a lib/cmake/yaml-cpp/yaml-cpp-config.cmake \
    lib/libssl.a lib/libcrypto.a include/openssl/ssl.h \
    lib/libcrypt.a include/crypt.h \
    lib/libgtest.a lib/libgtest_main.a lib/libgmock.a lib/libgmock_main.a \
    lib/cmake/GTest/GTestConfig.cmake; do
    [[ -f $PREFIX/$f ]] || { echo "missing: $PREFIX/$f" >&2; missing=1; }
  done
  grep -q 'ws2_32' "$PREFIX/lib/cmake/civetweb/civetweb-targets.cmake" ||
    { echo "civetweb target lacks ws2_32" >&2; missing=1; }
  if grep -qE 'LINK_ONLY:rt>|[";]rt[";]' "$PREFIX/lib/cmake/prometheus-cpp/prometheus-cpp-targets.cmake"; then
    echo "prometheus-cpp target still links librt" >&2
    missing=1
  fi
  return "$missing"
}

# --- main -------------------------------------------------------------------
if ((stamp_ok)); then
  # Cached prefix on a fresh machine: only the packages are missing.
  echo "mingw deps: prefix $PREFIX is current, installing packages only (logs: $LOG_DIR)"
  run apt-update "${APT[@]}" update
  run apt-install "${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}"
  echo "mingw deps: done in $((SECONDS - T_START))s"
  exit 0
fi

echo "mingw deps: building into $PREFIX (logs: $LOG_DIR)"
rm -f "$STAMP"

run apt-deb-src setup_deb_src
run apt-update "${APT[@]}" update
run apt-install "${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}"
run fetch-sources fetch_sources
run patch-sources patch_sources
YAML_SRC=$(srcdir_of yaml-cpp)
OPENSSL_SRC=$(srcdir_of openssl)
XCRYPT_SRC=$(srcdir_of libxcrypt)
CIVETWEB_SRC=$(srcdir_of civetweb)
PROMETHEUS_SRC=$(srcdir_of prometheus-cpp)

# A prefix inside our build dir is ours: start clean.  A custom prefix is
# only installed over.
if [[ $PREFIX == "$DEFAULT_PREFIX" ]]; then rm -rf "$PREFIX"; fi
mkdir -p "$PREFIX" "$OBJ_DIR"

cmake_build googletest /usr/src/googletest \
  -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON

cmake_build yaml-cpp "$YAML_SRC" \
  -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_BUILD_TESTS=OFF \
  -DYAML_CPP_BUILD_TOOLS=OFF -DYAML_CPP_BUILD_CONTRIB=ON -DYAML_CPP_INSTALL=ON

run openssl-build build_openssl "$OPENSSL_SRC"
run libxcrypt-build build_libxcrypt "$XCRYPT_SRC"

# GCC_AR/GCC_RANLIB: civetweb would otherwise pick the *host* gcc-ar.
# OpenSSL 3 linked (OPENSSL_API_3_0, no dynamic loading).
cmake_build civetweb "$CIVETWEB_SRC" \
  -DCIVETWEB_ENABLE_SSL=ON -DCIVETWEB_ENABLE_SSL_DYNAMIC_LOADING=OFF \
  -DCIVETWEB_SSL_OPENSSL_API_1_1=OFF -DCMAKE_C_FLAGS=-DOPENSSL_API_3_0 \
  -DOPENSSL_ROOT_DIR="$PREFIX" -DOPENSSL_USE_STATIC_LIBS=ON \
  -DCIVETWEB_ENABLE_IPV6=ON -DCIVETWEB_BUILD_TESTING=OFF \
  -DCIVETWEB_ENABLE_SERVER_EXECUTABLE=OFF -DCIVETWEB_INSTALL_EXECUTABLE=OFF \
  -DCIVETWEB_ENABLE_CXX=ON -DCIVETWEB_ENABLE_WEBSOCKETS=ON \
  -DCIVETWEB_ENABLE_LTO=OFF -DCIVETWEB_CXX_ENABLE_LTO=OFF -DCIVETWEB_ENABLE_ASAN=OFF \
  -DGCC_AR="$(command -v $TRIPLE-gcc-ar-posix)" \
  -DGCC_RANLIB="$(command -v $TRIPLE-gcc-ranlib-posix)"

cmake_build prometheus-cpp "$PROMETHEUS_SRC" \
  -DENABLE_PULL=OFF -DENABLE_PUSH=OFF -DENABLE_COMPRESSION=OFF \
  -DENABLE_TESTING=OFF -DUSE_THIRDPARTY_LIBRARIES=OFF \
  -DGENERATE_PKGCONFIG=OFF -DRUN_IWYU=OFF

run check-prefix check_prefix

# --- summary + stamp --------------------------------------------------------
{
  echo "# built $(date -u +%Y-%m-%dT%H:%M:%SZ) by cmake/mingw/build-deps.sh"
  echo "compiler $($TRIPLE-g++-posix -dumpfullversion) ($(dpkg-query -W -f='${Version}' g++-mingw-w64-x86-64-posix))"
  for dsc in "$SRC_DIR"/*.dsc; do
    b=$(basename "$dsc" .dsc)
    echo "${b%%_*} ${b#*_}"
  done
  echo "googletest $(dpkg-query -W -f='${Version}' googletest)"
} >"$PREFIX/mingw-deps-versions.txt"

echo "mingw deps: done in $((SECONDS - T_START))s -> $PREFIX"
sed 's/^/  /' "$PREFIX/mingw-deps-versions.txt" | grep -v '^  #'
find "$PREFIX/lib" -maxdepth 1 -name '*.a' -printf '  %f (%kK)\n' | sort

echo "$HASH" >"$STAMP"

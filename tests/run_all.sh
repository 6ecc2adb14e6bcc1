#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One command from a fresh Debian 12 machine (as root) to the whole test
# suite: installs dependencies (Linux and the Windows cross build), builds
# warning-free, runs every test with CTest and ends with its summary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/deploy/deps.sh" --test
# Windows cross-build dependencies (mingw builds of prometheus-cpp, civetweb,
# yaml-cpp, googletest; cached in build-mingw-deps/), before tests run in
# parallel so that only one step at a time uses apt.
bash "$repo/cmake/mingw/build-deps.sh"
bash "$repo/deploy/build.sh" -DEPX_BUILD_TESTS=ON
cd "$repo/build"
ctest --output-on-failure -j2 --timeout 600

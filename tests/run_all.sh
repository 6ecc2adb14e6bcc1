#!/bin/bash
# One command from a fresh Debian 12 machine (as root) to the whole test
# suite: installs dependencies, builds warning-free, runs every test with
# CTest and ends with its summary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/deploy/deps.sh" --test
bash "$repo/deploy/build.sh" -DEPX_BUILD_TESTS=ON
cd "$repo/build"
ctest --output-on-failure -j2 --timeout 600

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds the exporter (and its tests) into build/.
# usage: deploy/build.sh [extra cmake arguments]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$repo" -B "$repo/build" -DEPX_WERROR=ON "$@" >/dev/null
cmake --build "$repo/build" -j2

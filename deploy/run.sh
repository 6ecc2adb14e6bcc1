#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One command from a fresh Debian 12 machine (as root) to a running
# exporter: installs dependencies, builds, and serves on the default config
# (http://localhost:19152/metrics). Extra arguments go to the exporter.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/deploy/deps.sh"
bash "$repo/deploy/build.sh" -DEPX_BUILD_TESTS=OFF
exec "$repo/build/exporter/ephemeral_port_exporter" \
  --config.file="$repo/deploy/config/ephemeral-port-exporter.yml" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds ephemeral_port_exporter-<version>-x64.msi with wixl (Debian package
# "wixl", installed here if missing) from the cross-built exe.
#
# Usage: deploy/windows/build_msi.sh [EXE] [OUT_DIR]
#   EXE      defaults to build-win/exporter/ephemeral_port_exporter.exe
#            (tests/windows/run_wine_tests.sh builds it)
#   OUT_DIR  defaults to build-win
# EPX_MSI_VERSION overrides the product version (default: the project's).
# OUT_DIR then holds what the fleet share needs: the MSI and version.txt
# (deploy/fleet/windows/Install-EphemeralPortExporter.Startup.ps1 looks for
# ephemeral_port_exporter-<version.txt>-x64.msi).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
EXE=${1:-$REPO/build-win/exporter/ephemeral_port_exporter.exe}
OUT=${2:-$REPO/build-win}
[[ -f $EXE ]] || { echo "build_msi.sh: $EXE not found (run tests/windows/run_wine_tests.sh)" >&2; exit 1; }
if ! command -v wixl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wixl >/dev/null
fi
VERSION=${EPX_MSI_VERSION:-$(sed -nE 's/^project\(ephemeral_port_exporter VERSION ([0-9.]+).*/\1/p' "$REPO/CMakeLists.txt")}
MSI=$OUT/ephemeral_port_exporter-$VERSION-x64.msi
mkdir -p "$OUT"
# wixl resolves File/@Source relative to the .wxs: stage everything together.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp "$EXE" "$STAGE/ephemeral_port_exporter.exe"
cp "$HERE/config.default.yml" "$HERE/ephemeral_port_exporter.wxs" "$STAGE/"
cp "$REPO/LICENSE" "$STAGE/LICENSE.txt"
(cd "$STAGE" && wixl --arch x64 -D Version="$VERSION" \
  -D ExePath=ephemeral_port_exporter.exe -D ConfigPath=config.default.yml -D LicensePath=LICENSE.txt \
  -o "$STAGE/out.msi" ephemeral_port_exporter.wxs)
mv "$STAGE/out.msi" "$MSI"
echo "$VERSION" >"$OUT/version.txt"
echo "$MSI"

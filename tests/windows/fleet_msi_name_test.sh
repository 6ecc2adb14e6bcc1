#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet startup script finds the MSI that build_msi.sh writes: build_msi.sh
# (with a stand-in exe: only the file name matters here) writes the MSI and
# version.txt into a folder laid out like the fleet share; the MSI path
# expression of Install-EphemeralPortExporter.Startup.ps1 is expanded as
# PowerShell expands a double-quoted string ($wanted = the first line of
# version.txt) and must name that MSI. No PowerShell runs here: the line is
# read as text, so a rename of the variable or of the line fails this test.
# Exit status: 0 passed, 1 failed, 77 skipped (wixl not installable).
set -euo pipefail
SRC=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
FLEET=$SRC/deploy/fleet/windows/Install-EphemeralPortExporter.Startup.ps1
fail() { echo "FAIL: $*"; exit 1; }
if ! command -v wixl >/dev/null || ! command -v msiinfo >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wixl msitools \
    >/dev/null 2>&1 || { echo "SKIPPED: wixl/msitools not installable"; exit 77; }
fi
SHARE=$(mktemp -d)
trap 'rm -rf "$SHARE"' EXIT
head -c 4096 /dev/urandom >"$SHARE/stand-in.exe"
MSI=$(bash "$SRC/deploy/windows/build_msi.sh" "$SHARE/stand-in.exe" "$SHARE" | tail -n 1)
rm "$SHARE/stand-in.exe"
[[ -f $MSI ]] || fail "build_msi.sh did not write $MSI"
[[ -f $SHARE/version.txt ]] || fail "build_msi.sh did not write version.txt"
wanted=$(head -n 1 "$SHARE/version.txt" | tr -d '\r')
# $msi = Join-Path $Share "<name with $wanted>"
mapfile -t lines < <(grep -E '^\s*\$msi = Join-Path \$Share "[^"]+"\s*$' "$FLEET")
((${#lines[@]} == 1)) || fail "expected one '\$msi = Join-Path \$Share \"...\"' line in $FLEET, found ${#lines[@]}"
template=$(sed -E 's/^.*"([^"]+)".*$/\1/' <<<"${lines[0]}")
name=${template//\$wanted/$wanted}
[[ $name != *'$'* ]] || fail "unexpanded variable in '$template'"
[[ -f $SHARE/$name ]] ||
  fail "the fleet script looks for $name; build_msi.sh wrote $(basename "$MSI") ($(cd "$SHARE" && echo *))"
echo "ok: the fleet script's \"$template\" with version.txt ($wanted) names $(basename "$MSI")"
# Whole tables into variables: `msiinfo | grep -q` under pipefail fails when
# grep exits at its match before msiinfo has written the rest (SIGPIPE).
files=$(msiinfo export "$MSI" File) || fail "msiinfo export File"
properties=$(msiinfo export "$MSI" Property) || fail "msiinfo export Property"
grep -q 'LICENSE.txt' <<<"$files" || fail "the MSI installs no LICENSE.txt"
version=$(awk -F'\t' '$1 == "ProductVersion" { sub(/\r$/, "", $2); print $2 }' <<<"$properties")
[[ $version == "$wanted" ]] || fail "the MSI's ProductVersion is '$version', not $wanted"
echo "ok: the MSI installs LICENSE.txt (Apache-2.0) and has ProductVersion $wanted (CMakeLists.txt)"
# The GPO rollout document shows the same share layout: the MSI name the
# script wants (with the version it shows for version.txt) and no
# install.ps1 fallback, which the script does not have.
DOC=$SRC/deploy/fleet/windows-gpo-rollout.md
layout=$(awk '/^\\\\fileserver/ { inside = 1 } inside && /^```/ { exit } inside' "$DOC")
[[ -n $layout ]] || fail "no share layout block in $DOC"
doc_version=$(sed -nE 's/^ *version\.txt .*e\.g\. ([0-9.]+).*/\1/p' <<<"$layout")
[[ -n $doc_version ]] || fail "the layout in $DOC shows no example version for version.txt"
doc_msi=${template//\$wanted/$doc_version}
grep -qF "$doc_msi" <<<"$layout" || fail "the layout in $DOC does not show $doc_msi:
$layout"
grep -q 'install\.ps1' <<<"$layout" && fail "the layout in $DOC lists install.ps1, which the fleet script never uses"
echo "ok: $(basename "$DOC") shows $doc_msi and no install.ps1 fallback"
echo "2 passed, 0 failed"

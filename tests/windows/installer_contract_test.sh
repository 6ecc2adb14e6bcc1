#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installers against the documented Windows Installer and SCM contracts,
# read as text and as MSI tables (wixl + msiinfo; nothing runs on Windows):
#   - RemoveExistingProducts between InstallInitialize and ProcessComponents,
#     so a failed upgrade rolls back to the old product ("the installer
#     removes the old applications entirely before installing the new
#     applications" only when scheduled before InstallInitialize:
#     MicrosoftDocs/win32 desktop-src/Msi/removeexistingproducts-action.md);
#   - SetScExe is a plain type 51 action (custom-action-type-51.md: the
#     in-script options, NoImpersonate 0x800 among them, do not apply);
#   - SERVICEACCOUNT is remembered (a RegistrySearch reads what a
#     RegistryValue wrote at the last install: AppSearch/RegLocator/Registry);
#   - one failure-action string in the MSI, install.ps1 and the fleet script,
#     with growing delays and a last delay of at least 5 minutes (the last
#     action repeats for every later failure: sdk-api
#     winsvc/ns-winsvc-service_failure_actionsw.md, Remarks);
#   - install.ps1 gives LocalService an explicit empty password and names it
#     to icacls by SID (changeserviceconfigw.md lpPassword;
#     desktop-src/Services/localservice-account.md);
#   - the product version is above the last released one (the Upgrade row's
#     maximum is exclusive: a same-version rebuild is not an upgrade);
#   - install.ps1 and the fleet script run the self-test after installing,
#     keep its output (console, rollout.log) and do not fail on its exit code.
# Exit status: 0 passed, 1 failed, 77 skipped (wixl not installable).
set -euo pipefail
SRC=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
WXS=$SRC/deploy/windows/ephemeral_port_exporter.wxs
PS1=$SRC/deploy/windows/install.ps1
FLEET=$SRC/deploy/fleet/windows/Install-EphemeralPortExporter.Startup.ps1
# The newest dated release in the changelog ("## [0.1.0] - 2026-11-22").
LAST_RELEASED=$(sed -nE 's/^## \[([0-9.]+)\] - [0-9]{4}-[0-9]{2}-[0-9]{2}.*/\1/p' "$SRC/CHANGELOG.md" | head -n 1)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
if ! command -v wixl >/dev/null || ! command -v msiinfo >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wixl msitools \
    >/dev/null 2>&1 || { echo "SKIPPED: wixl/msitools not installable"; exit 77; }
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
head -c 4096 /dev/urandom >"$OUT/stand-in.exe"
MSI=$(bash "$SRC/deploy/windows/build_msi.sh" "$OUT/stand-in.exe" "$OUT" | tail -n 1)
# Whole tables into variables (msiinfo | grep -q under pipefail: SIGPIPE).
sequence=$(msiinfo export "$MSI" InstallExecuteSequence)
actions=$(msiinfo export "$MSI" CustomAction)
properties=$(msiinfo export "$MSI" Property)
seq_of() { awk -F'\t' -v a="$1" '$1 == a { sub(/\r$/, "", $3); print $3 }' <<<"$sequence"; }

# --- RemoveExistingProducts inside the install transaction --------------
init=$(seq_of InstallInitialize)
rep=$(seq_of RemoveExistingProducts)
proc=$(seq_of ProcessComponents)
if [[ -n $rep && -n $init && -n $proc ]] && ((init < rep && rep < proc)); then
  ok "RemoveExistingProducts $rep is between InstallInitialize $init and ProcessComponents $proc"
else
  fail "RemoveExistingProducts '$rep' not between InstallInitialize '$init' and ProcessComponents '$proc'"
fi

# --- SetScExe is type 51 ---------------------------------------------------
type=$(awk -F'\t' '$1 == "SetScExe" { print $2 }' <<<"$actions")
[[ $type == 51 ]] && ok "SetScExe has type 51" || fail "SetScExe has type '$type', not 51"

# --- SERVICEACCOUNT remembered -------------------------------------------
appsearch=$(msiinfo export "$MSI" AppSearch 2>/dev/null || true)
registry=$(msiinfo export "$MSI" Registry 2>/dev/null || true)
locator=$(msiinfo export "$MSI" RegLocator 2>/dev/null || true)
remembered=$(awk -F'\t' 'NR > 3 { print $1 }' <<<"$appsearch" | while read -r prop; do
  grep -qP "^\\w+\t51\tSERVICEACCOUNT\t\\[$prop\\]" <<<"$actions" && echo "$prop"
done)
# RegLocator type 18 = raw value (2) + 64-bit view (16), where a Win64
# component's RegistryValue writes.
if [[ -n $remembered ]] && grep -q $'\t\[SERVICEACCOUNT\]\t' <<<"$registry" &&
  grep -qE $'\t18\r?$' <<<"$locator"; then
  ok "SERVICEACCOUNT is written to the registry and read back ($remembered, 64-bit view) when not given"
else
  fail "SERVICEACCOUNT is not remembered (AppSearch property setting it: '$remembered'; Registry rows with it: $(grep -c SERVICEACCOUNT <<<"$registry" || true))"
fi

# --- one failure-action string, growing, last >= 5 min -------------------
recovery() { grep -oE 'reset= [0-9]+ actions= [a-z0-9/]+' "$1" | sort -u; }
w=$(recovery "$WXS")
p=$(recovery "$PS1")
f=$(recovery "$FLEET")
for pair in "wxs:$w" "install.ps1:$p" "fleet:$f"; do
  [[ $(wc -l <<<"${pair#*:}") == 1 && -n ${pair#*:} ]] ||
    fail "${pair%%:*}: expected one 'reset= N actions= ...' string, found '${pair#*:}'"
done
if [[ $w == "$p" && $p == "$f" ]]; then
  ok "one failure-action string everywhere: $w"
else
  fail "failure actions differ: wxs '$w', install.ps1 '$p', fleet '$f'"
fi
mapfile -t delays < <(sed -E 's/.*actions= //' <<<"$w" | tr '/' '\n' | grep -E '^[0-9]+$')
prev=0
grows=1
for d in "${delays[@]}"; do ((d > prev)) || grows=0; prev=$d; done
((${#delays[@]} >= 2 && grows)) && ok "delays grow: ${delays[*]} ms" ||
  fail "delays do not grow: ${delays[*]}"
((prev >= 300000)) && ok "the last delay, repeated for every later failure, is $prev ms" ||
  fail "the last delay, repeated for every later failure, is $prev ms (< 300000)"

# --- LocalService in install.ps1 ------------------------------------------
grep -qE "icacls\.exe .*\\\$AccountSid|\*S-1-5-19" "$PS1" && ! grep -qE 'icacls.*"\$\{Account\}' "$PS1" &&
  ok "install.ps1 grants by SID (LocalService: *S-1-5-19)" ||
  fail "install.ps1 names the account to icacls by its SCM name"
grep -qE "StartPassword *= *''" "$PS1" &&
  ok "install.ps1 passes an explicit empty password when it changes the account" ||
  fail "install.ps1 passes no empty password for LocalService"

# --- version above the last release -------------------------------------
[[ -n $LAST_RELEASED ]] || fail "no dated release section in CHANGELOG.md"
version=$(awk -F'\t' '$1 == "ProductVersion" { sub(/\r$/, "", $2); print $2 }' <<<"$properties")
if [[ $(printf '%s\n%s\n' "$LAST_RELEASED" "$version" | sort -V | tail -n 1) == "$version" &&
  $version != "$LAST_RELEASED" ]]; then
  ok "ProductVersion $version is above the last release $LAST_RELEASED"
else
  fail "ProductVersion $version is not above the last release $LAST_RELEASED"
fi
grep -q "^## \[\?$version\]\?" "$SRC/CHANGELOG.md" && ok "CHANGELOG has a $version section" ||
  fail "CHANGELOG.md has no section for $version"

# --- the self-test after installing ------------------------------------
grep -qE '& \$Exe selftest .*\| ForEach-Object \{ Write-Host' "$PS1" &&
  ! grep -qE 'selftest.*(throw|exit 1)' "$PS1" &&
  ok "install.ps1 prints the self-test and does not fail on it" ||
  fail "install.ps1 does not print the self-test, or fails on it"
fleet_selftest=$(awk '/^function Invoke-SelfTest/,/^}/' "$FLEET")
grep -q 'selftest --config.file' <<<"$fleet_selftest" &&
  grep -q 'Write-Log "selftest: $line"' <<<"$fleet_selftest" &&
  grep -q '} catch {' <<<"$fleet_selftest" &&
  grep -qE '^ +Invoke-SelfTest$' "$FLEET" &&
  ok "the fleet script runs the self-test after an install and keeps it in rollout.log" ||
  fail "the fleet script does not keep a self-test in rollout.log"

((failures == 0)) && { echo "passed"; exit 0; }
echo "$failures failed"
exit 1

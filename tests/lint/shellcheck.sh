#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every shell script of the repository (*.sh and the scripts without a
# suffix that start with a shell's #!) passes shellcheck with .shellcheckrc.
# usage: shellcheck.sh SOURCE_DIR
source "$(dirname "$0")/lib.sh"
src=$1
need shellcheck
cd "$src"
mapfile -t files < <(
  tracked_files . '*.sh'
  tracked_files . '.ci/run' 'deploy/linux/*' |
    while read -r f; do head -n1 "$f" | grep -qE '^#!.*/(ba)?sh' && echo "$f"; done)
if ! shellcheck -f gcc "${files[@]}" >"${TMPDIR:-/tmp}/epx-shellcheck.$$"; then
  head -40 "${TMPDIR:-/tmp}/epx-shellcheck.$$"
  echo "FAIL: $(wc -l <"${TMPDIR:-/tmp}/epx-shellcheck.$$") shellcheck findings"
  rm -f "${TMPDIR:-/tmp}/epx-shellcheck.$$"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/epx-shellcheck.$$"
echo "ok: ${#files[@]} shell scripts pass shellcheck"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every C and C++ file of the repository is formatted as .clang-format says
# (clang-format 14 from Debian); prints the first differences otherwise.
# usage: clang_format.sh SOURCE_DIR
source "$(dirname "$0")/lib.sh"
src=$1
need clang-format-14
mapfile -t files < <(tracked_files "$src" '*.cc' '*.h' '*.c' '*.h.in')
cd "$src"
if ! clang-format-14 --dry-run -Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/epx-clang-format.$$"; then
  grep -E '^[^ ].*: error:' "${TMPDIR:-/tmp}/epx-clang-format.$$" | head -20
  echo "FAIL: $(grep -c ': error:' "${TMPDIR:-/tmp}/epx-clang-format.$$") places need clang-format-14 -i"
  rm -f "${TMPDIR:-/tmp}/epx-clang-format.$$"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/epx-clang-format.$$"
echo "ok: ${#files[@]} files formatted as .clang-format says"

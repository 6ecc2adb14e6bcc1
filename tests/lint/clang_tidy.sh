#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# clang-tidy 14 with the repository's .clang-tidy over the exporter's
# sources compiled in this build (compile_commands.json); any finding fails.
# The Windows-only sources are compiled by mingw and not checked here.
# usage: clang_tidy.sh SOURCE_DIR BUILD_DIR
source "$(dirname "$0")/lib.sh"
src=$1
build=$2
need clang-tidy-14
need run-clang-tidy-14
[ -f "$build/compile_commands.json" ] || { echo "FAIL: no $build/compile_commands.json"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
run-clang-tidy-14 -p "$build" -j 2 -quiet "^$src/exporter/" 2>&1 |
  sed 's/\x1b\[[0-9;]*m//g' >"$log" || rc=$?
count=$(python3 -c 'import json, sys; print(sum(1 for e in json.load(open(sys.argv[1])) if sys.argv[2] in e["file"]))' \
  "$build/compile_commands.json" "$src/exporter/")
findings=$(grep -E '^/.*: (warning|error): ' "$log" | sort -u || true)
if [ -n "$findings" ]; then
  head -40 <<<"$findings"
  echo "FAIL: $(wc -l <<<"$findings") clang-tidy findings in $count files"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  tail -20 "$log"
  echo "FAIL: run-clang-tidy-14 exited $rc"
  exit 1
fi
echo "ok: clang-tidy: no findings in $count exporter files"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every Python script of the repository compiles (python3 -m py_compile) and
# passes pyflakes (unused imports and variables, undefined names).
# usage: python.sh SOURCE_DIR
source "$(dirname "$0")/lib.sh"
src=$1
need pyflakes3
cd "$src"
mapfile -t files < <(tracked_files . '*.py')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in "${files[@]}"; do
  python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
    "$f" "$out/x.pyc" || { echo "FAIL: $f does not compile"; exit 1; }
done
pyflakes3 "${files[@]}" || { echo "FAIL: pyflakes3 findings"; exit 1; }
echo "ok: ${#files[@]} Python scripts compile and pass pyflakes"

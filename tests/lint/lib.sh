# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared by the lint tests: the repository's files of a kind, from git when
# the tree is a checkout (so build trees and caches are never linted), else
# from find. Exit 77 (CTest: skipped) when a tool is missing.
set -euo pipefail

# tracked_files SRC PATTERN...: files under SRC matching the git pathspecs.
tracked_files() {
  local src=$1
  shift
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -- "$@"
  else
    local args=() p
    for p in "$@"; do args+=(-o -name "${p#\*}"); done
    (cd "$src" && find . -path ./build\* -prune -o -type f \( -false "${args[@]}" \) -print |
      sed 's|^\./||' | sort)
  fi
}

# need TOOL: skip visibly when TOOL is not installed.
need() {
  command -v "$1" >/dev/null || { echo "SKIPPED: $1 is not installed (deploy/deps.sh --test)"; exit 77; }
}

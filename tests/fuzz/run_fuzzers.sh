#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds every fuzz target with clang-14 -fsanitize=fuzzer,address,undefined
# into its own build directory and runs each for a fixed time; fails on any
# crash, sanitizer report, leak, timeout or invariant violation.
#
#   bash tests/fuzz/run_fuzzers.sh                 # 20 s per target (CI)
#   FUZZ_SECONDS=3600 bash tests/fuzz/run_fuzzers.sh   # longer
#   FUZZ_TARGETS="web_config exposition" bash tests/fuzz/run_fuzzers.sh
#   FUZZ_JOBS=2 ...: run two targets at a time (default 1; 2 cores here)
#
# New inputs that reach new coverage are kept in $BUILD/corpus/<target>
# (not in the repository); copy small interesting ones into
# tests/fuzz/corpus/<target>/ to make them seeds and regression tests
# (ctest replays every seed as fuzz.replay_<target>). A crash leaves
# $BUILD/artifacts/<target>/crash-*; reproduce with
#   $BUILD/<target>_fuzzer $BUILD/artifacts/<target>/crash-...
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
JOBS=${FUZZ_JOBS:-1}

need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] ||
  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

TARGETS=${FUZZ_TARGETS:-$(sed -n '/^set(EPX_FUZZ_TARGETS/,/^)/p' "$HERE/fuzz_targets.cmake" |
  grep -v '^set\|^)' | tr -d ' ')}

mkdir -p "$BUILD"
cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >"$BUILD/configure.log" 2>&1 ||
  { cat "$BUILD/configure.log"; exit 1; }
build_targets=()
for t in $TARGETS; do build_targets+=("${t}_fuzzer"); done
cmake --build "$BUILD" -j2 --target "${build_targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Known open bug (see exposition_fuzzer.cc): non-UTF-8 process names.


run_one() {
  local t=$1
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds
  # memory; max_len allows the huge-line seeds.
  if "$BUILD/${t}_fuzzer" "$BUILD/corpus/$t" "$HERE/corpus/$t" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -max_len=262144 -print_final_stats=1 \
      -artifact_prefix="$BUILD/artifacts/$t/" >"$BUILD/$t.log" 2>&1; then
    echo "ok: $t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD/$t.log" | awk '{print $2}') runs)"
  else
    echo "FAIL: $t (log: $BUILD/$t.log)"
    grep -m5 -E 'ERROR|runtime error|invariant|Test unit written' "$BUILD/$t.log" || tail -20 "$BUILD/$t.log"
    return 1
  fi
}

failed=0
running=0
for t in $TARGETS; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" = 0 ] && echo "PASS: all fuzz targets clean for ${SECONDS_PER_TARGET}s each" || {
  echo "FAIL: see above"
  exit 1
}

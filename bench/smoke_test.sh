#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# CI guard for the benchmark harness: runs `bench/run.sh --smoke` against a
# given exporter binary and checks that both result files were written with
# sane numbers. Missed performance targets do not fail it; a broken harness
# does.
# usage: bench/smoke_test.sh EXPORTER_BINARY
# Exit status: 0 ok, 1 failed, 77 skipped (not root or no network namespaces).
set -uo pipefail
export LC_ALL=C
EXPORTER=${1:?usage: smoke_test.sh EXPORTER_BINARY}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
  echo "SKIPPED: needs root and network namespaces"
  exit 77
fi
[ -x "$EXPORTER" ] || fail "exporter binary $EXPORTER not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/epx-bench-smoke-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
timeout --kill-after=10 110 bash "$BENCH_DIR/run.sh" --smoke --exporter "$EXPORTER" \
  --out "$tmp/results" --tools-dir "$tmp/tools" >"$tmp/run.log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then
  tail -n 30 "$tmp/run.log" >&2
  fail "bench/run.sh --smoke exited with status $rc"
fi
echo "ok: bench/run.sh --smoke finished in $((SECONDS - start)) s"

md="$tmp/results/results.md"
json="$tmp/results/results.json"
[ -s "$md" ] || fail "results.md missing"
[ -s "$json" ] || fail "results.json missing"
grep -q "^| 2000 | [0-9]" "$md" || fail "results.md has no row for N=2000"
grep -q '^## Targets' "$md" || fail "results.md has no targets section"

# The JSON: valid, one reached point with positive timings, six targets.
python3 - "$json" <<'PY' || fail "results.json is not sane"
import json, sys

with open(sys.argv[1]) as f:
    r = json.load(f)
problems = []

def positive(where, key, limit=1e18):
    v = where.get(key)
    if not isinstance(v, (int, float)) or not 0 < v < limit:
        problems.append(f"{key} is {v!r}, expected a number in (0, {limit:g})")
    else:
        print(f"ok: {key} = {v}")

if r.get("mode") != "smoke":
    problems.append(f"mode is {r.get('mode')!r}")
idle = r.get("idle", {})
positive(idle, "sockets_seen")
positive(idle, "exporter_s", 60)
if not isinstance(idle.get("cpu_ms_per_scrape"), (int, float)):
    problems.append("idle cpu_ms_per_scrape missing")
points = r.get("points", [])
if len(points) != 1 or points[0].get("n") != 2000:
    problems.append(f"expected one point N=2000, got {[p.get('n') for p in points]}")
else:
    p = points[0]
    if p.get("reached") is not True or p.get("established") != 2000:
        problems.append(f"load not reached: {p.get('established')} of 2000 ({p.get('note')})")
    # Both ends of 2000 connections, plus listeners, churn and UDP.
    if not isinstance(p.get("sockets_seen"), int) or not 4000 <= p["sockets_seen"] < 100000:
        problems.append(f"sockets_seen {p.get('sockets_seen')!r}, expected >= 4000")
    for key in ("exporter_s", "ss_tan_s", "ss_tanp_s", "bare_dump_s"):
        positive(p, key, 60)
    for key in ("exporter_over_ss_tanp", "exporter_over_bare_dump", "us_per_socket", "exporter_rss_mb"):
        positive(p, key)
    if not isinstance(p.get("cpu_ms_per_scrape"), (int, float)) or p["cpu_ms_per_scrape"] < 0:
        problems.append(f"cpu_ms_per_scrape is {p.get('cpu_ms_per_scrape')!r}")
    if p.get("node_exporter_s") is None:
        print("note: node_exporter column empty (package unavailable)")
    else:
        positive(p, "node_exporter_s", 60)
        positive(p, "exporter_over_node_exporter")
targets = r.get("targets", [])
if len(targets) != 6 or any(t.get("holds") not in (True, False, None) for t in targets):
    problems.append(f"expected 6 targets with holds true/false/null, got {targets!r}")
for msg in problems:
    print("FAIL:", msg, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "ok: results.md and results.json written with sane numbers"

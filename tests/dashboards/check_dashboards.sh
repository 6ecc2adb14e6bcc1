#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Validates the Grafana dashboards in dashboards/ without a Grafana or a
# Prometheus. Run from anywhere: bash tests/dashboards/check_dashboards.sh
#
#   1. structure and conventions (tests/dashboards/check_dashboards.py)
#   2. the JSON matches what dashboards/build_dashboards.py generates
#   3. every panel, variable and annotation query is extracted with its
#      variables substituted (tests/dashboards/extract_queries.py) and parsed
#      as PromQL by promtool (skipped with a note if promtool is missing)
#   4. the process names the panels build from ephemeral_port_process_info
#      ("svchost.exe (Dnscache)") on synthetic series
#      (tests/dashboards/named_join_test.py, promtool test rules)
#
# Set DASHBOARD_QUERIES_OUT=FILE to keep the extracted queries; the
# end-to-end test evaluates them against a live Prometheus.
# Needs python3 (standard library only). Exits non-zero on any failure.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()

echo "=== structure and conventions"
if python3 tests/dashboards/check_dashboards.py "$root" dashboards; then
  echo "--- ok"
else
  failed+=("structure")
fi

echo
echo "=== generated JSON is up to date"
if [[ -f dashboards/build_dashboards.py ]]; then
  mkdir "$work/generated"
  python3 dashboards/build_dashboards.py "$work/generated" >/dev/null
  stale=0
  for f in "$work"/generated/*.json; do
    if ! diff -u "dashboards/$(basename "$f")" "$f" >"$work/diff"; then
      echo "FAIL: dashboards/$(basename "$f") differs from dashboards/build_dashboards.py output:"
      head -40 "$work/diff"
      stale=1
    fi
  done
  if ((stale)); then
    echo "      run: python3 dashboards/build_dashboards.py"
    failed+=("generated JSON")
  else
    generated=("$work"/generated/*.json)
    echo "--- ok: ${#generated[@]} files match"
  fi
else
  echo "--- skipped: no dashboards/build_dashboards.py"
fi

echo
echo "=== extract queries"
out=${DASHBOARD_QUERIES_OUT:-$work/dashboard-queries.txt}
if python3 tests/dashboards/extract_queries.py dashboards/ >"$out"; then
  if [[ -n "${DASHBOARD_QUERIES_OUT:-}" ]]; then
    echo "--- ok: $(wc -l <"$out") queries written to $out"
  else
    echo "--- ok: $(wc -l <"$out") queries (set DASHBOARD_QUERIES_OUT=FILE to keep them)"
  fi
else
  failed+=("extract queries")
fi

echo
echo "=== every extracted query parses as PromQL (promtool check rules)"
if command -v promtool >/dev/null 2>&1; then
  # Each query becomes a recording rule of a throw-away rules file, which
  # promtool parses offline.
  python3 - "$out" "$work/queries-as-rules.yml" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f, open(dst, "w") as o:
    o.write("groups:\n  - name: dashboard-queries\n    rules:\n")
    for i, line in enumerate(f):
        expr = line.rstrip("\n").split("\t")[4]
        o.write("      - record: dashboard_query_%d\n" % i)
        o.write("        expr: '%s'\n" % expr.replace("'", "''"))
PY
  if promtool check rules "$work/queries-as-rules.yml" >"$work/promtool.out" 2>&1; then
    echo "--- ok: $(grep -o '[0-9]* rules found' "$work/promtool.out")"
  else
    cat "$work/promtool.out"
    echo "(rule dashboard_query_N is line N+1 of the extracted queries:)"
    nl -v0 "$out" | cut -c1-220
    failed+=("PromQL syntax")
  fi
else
  echo "--- skipped: promtool not on PATH"
fi

echo
echo "=== process names of the panels (promtool test rules on synthetic series)"
python3 tests/dashboards/named_join_test.py "$root"
case $? in
  0) echo "--- ok" ;;
  77) echo "--- skipped: promtool not on PATH" ;;
  *) failed+=("process names") ;;
esac

echo
if ((${#failed[@]} > 0)); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "PASSED: dashboards valid"

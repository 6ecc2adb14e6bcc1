#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the exporter on a recorded procfs tree, fetches /metrics over HTTP
# and compares it with the expected exposition; promtool lints it.
# usage: golden_test.sh EXPORTER FIXTURE_PROCFS GOLDEN_FILE
# UPDATE_GOLDEN=1 rewrites the golden file instead of comparing.
EXPORTER=$1
FIXTURE=$2
GOLDEN=$3
source "$(dirname "$0")/lib.sh"

start_exporter "$TMP_DIR/log" --source=procfs --path.procfs="$FIXTURE" \
  --service=porthog.service --service=absent.service \
  --storage.path="$TMP_DIR/incidents"
base="http://127.0.0.1:$EXPORTER_PORT"

curl -fsS "$base/metrics" >"$TMP_DIR/metrics" || fail "GET /metrics"
# Durations vary from run to run, the revision and build date from commit to
# commit (version_test.sh checks those), the self-test's outcomes with the
# host it runs on (selftest_test.sh checks those: here only which checks
# report); everything else is deterministic.
grep -v '^ephemeral_port_collector_duration_seconds{' "$TMP_DIR/metrics" |
  sed -E 's/revision="[^"]*"/revision="REVISION"/; s/build_date="[^"]*"/build_date="DATE"/' |
  sed -E 's/^(ephemeral_port_selftest_[a-z_]+(\{[^}]*\})?) .*/\1 VALUE/' \
    >"$TMP_DIR/actual"

if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  cp "$TMP_DIR/actual" "$GOLDEN"
  echo "updated $GOLDEN"
else
  diff -u "$GOLDEN" "$TMP_DIR/actual" || fail "exposition differs from $GOLDEN (UPDATE_GOLDEN=1 to accept)"
  echo "ok: exposition matches $(basename "$GOLDEN") ($(grep -vc '^#' "$TMP_DIR/actual") samples)"
fi

promtool check metrics <"$TMP_DIR/metrics" || fail "promtool check metrics"
echo "ok: promtool check metrics"

grep -q '^ephemeral_port_collector_duration_seconds{collector="sockets"}' \
  "$TMP_DIR/metrics" || fail "collector duration missing"

curl -fsS "$base/-/healthy" | grep -qx 'Healthy' || fail "/-/healthy"
landing=$(curl -fsS "$base/")
grep -q 'href="/metrics"' <<<"$landing" || fail "landing page lacks the metrics link"
grep -q "procfs_root: $FIXTURE" <<<"$landing" || fail "landing page lacks the active config"
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/nope")
[ "$status" = 404 ] || fail "unknown path answered $status"
echo "ok: /, /-/healthy and 404"

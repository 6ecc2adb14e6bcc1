#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks deploy/alertmanager/alertmanager.yml and that alerts reach the
# intended receiver. Needs amtool on PATH. Exits non-zero on any mismatch.
# Usage: bash deploy/alertmanager/test-routes.sh [alertmanager.yml]
set -u
here=$(cd "$(dirname "$0")" && pwd)
config=${1:-$here/alertmanager.yml}

if ! command -v amtool >/dev/null 2>&1; then
  echo "FAIL: amtool not found on PATH (Debian: apt-get install prometheus-alertmanager)" >&2
  exit 1
fi

failures=0

echo "== amtool check-config $config"
if ! amtool check-config "$config"; then
  echo "FAIL: amtool check-config"
  failures=$((failures + 1))
fi

# expect_route RECEIVER LABEL=VALUE...
expect_route() {
  local want=$1
  shift
  local got rc
  # stderr only carries amtool's notice that --config.file wins over
  # --alertmanager.url; the receiver list is on stdout.
  got=$(amtool config routes test --config.file="$config" \
        --verify.receivers="$want" "$@" 2>/dev/null)
  rc=$?
  if ((rc == 0)) && [[ "$got" == "$want" ]]; then
    echo "ok   $* -> $got"
  else
    echo "FAIL $* -> got '$got' (amtool exit $rc), want '$want'"
    failures=$((failures + 1))
  fi
}

echo "== routes"
expect_route pager  severity=critical
expect_route pager  severity=critical alertname=EphemeralPortExhaustionImminent instance=connector-01:19152 protocol=tcp
expect_route pager  severity=critical alertname=EphemeralPortExhaustionEventLogged instance=connector-01:19152 event_id=4231
expect_route ticket severity=warning
expect_route ticket severity=warning alertname=EphemeralPortProcessHoldingMostPorts instance=web-01:19152 process=java
expect_route ticket severity=warning alertname=EphemeralPortExporterDown instance=web-01:19152
expect_route ticket severity=info
expect_route ticket alertname=SomethingWithoutSeverity

if ((failures > 0)); then
  echo "FAILED: $failures route check(s)"
  exit 1
fi
echo "PASSED: alertmanager config valid, all routes as expected"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The incident page (/) in a real headless browser, in a private network
# namespace with real sockets: see incident_page_browser.py. Needs root
# (unshare -n), chromium, chromium-driver and python3-selenium (deploy/deps.sh
# --test installs them); exits 77 (skipped) when one is missing.
# Usage: incident_page_test.sh EXPORTER PORT_HOLDER SCREENSHOT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
skip() {
  echo "SKIP: $*"
  exit 77
}

if [[ -z ${EPX_IN_NETNS:-} ]]; then
  [[ $(id -u) == 0 ]] || skip "needs root for a private network namespace (unshare -n)"
  for tool in unshare ip /usr/bin/chromium /usr/bin/chromedriver; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not found (deploy/deps.sh --test)"
  done
  /usr/bin/python3 -c 'import selenium' 2>/dev/null ||
    skip "python3-selenium not installed (deploy/deps.sh --test)"
  unshare -n true 2>/dev/null || skip "unshare -n is not permitted here"
  EPX_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi

ip link set lo up
ip addr add 10.77.0.2/32 dev lo
echo "40000 40999" >/proc/sys/net/ipv4/ip_local_port_range
exec /usr/bin/python3 -W ignore::DeprecationWarning "$here/incident_page_browser.py" \
  "$1" "$2" "$repo" "$3"

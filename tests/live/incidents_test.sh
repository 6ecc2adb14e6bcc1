#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# In a private network namespace with a 100-port range, a client fills the
# pool toward one destination for 20 s while nothing scrapes, then lets go;
# the exporter's own timer, at its default cadence, must have recorded the
# incident with the client as top process, and the incident must still be
# listed after a restart.
# usage: incidents_test.sh EXPORTER PORT_HOLDER   (root; exit 77 = skipped)
EXPORTER=$1
HOLDER=$2
if [ "${EPX_IN_NETNS:-0}" != 1 ]; then
  unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace (needs root)"; exit 77; }
  exec unshare -n env EPX_IN_NETNS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/../e2e/lib.sh"

ip link set lo up
echo "40000 40099" >/proc/sys/net/ipv4/ip_local_port_range
STATE=$TMP_DIR/state

coproc HOLD { exec "$HOLDER" --name chatty; }
STARTED_PIDS+=("$HOLD_PID")
ask() { echo "$1" >&"${HOLD[1]}"; read -r -t 30 answer <&"${HOLD[0]}" || fail "port_holder: no answer to '$1'"; echo "$answer"; }
ask "listen 127.0.0.1 5000" >/dev/null

start_exporter "$TMP_DIR/log1" --no-selftest.at-start --storage.path="$STATE"
first=$EXPORTER_PID
filled=$(ask "fill 127.0.0.1 5000")
filled_at=$SECONDS
echo "client: $filled"

# The pool stays full for 20 s; the timer (every 15 s) must write the
# incident in that time, with no scrape meanwhile.
file=""
while ((SECONDS - filled_at < 20)); do
  [ -z "$file" ] && file=$(find "$STATE" -name '*.json' 2>/dev/null | head -1 || true)
  sleep 0.2
done
ask "release" >/dev/null
[ -n "$file" ] || fail "no incident recorded while the pool was full for 20 s: $(cat "$TMP_DIR/log1")"
id=$(basename "$file" .json)
grep -q 'incident opened' "$TMP_DIR/log1" || fail "no 'incident opened' log line"

python3 - "$file" <<'PY' || fail "recorded incident is wrong: $(cat "$file")"
import json, sys
doc = json.load(open(sys.argv[1]))
peak = doc["peak"]
assert peak["headline"] == "tcp" and peak["ratio"] >= 0.9, peak
top = doc["worst"]["processes"][0]
assert top["name"] == "chatty", top
assert top["tcp_in_use"] >= 90, top
dest = doc["worst"]["destinations"][0]
assert dest["address"] == "127.0.0.1" and dest["port"] == 5000, dest
print("ok: peak %.2f, top process %s (pid %d) with %d ports, destination %s:%d"
      % (peak["ratio"], top["name"], top["pid"], top["tcp_in_use"],
         dest["address"], dest["port"]))
PY

kill "$first"
for _ in $(seq 1 50); do kill -0 "$first" 2>/dev/null || break; sleep 0.1; done
start_exporter "$TMP_DIR/log2" --no-selftest.at-start --storage.path="$STATE"
base="http://127.0.0.1:$EXPORTER_PORT"
list=$(curl -fsS "$base/incidents.json") || fail "GET /incidents.json"
grep -q "\"id\": \"$id\"" <<<"$list" || fail "incident $id not listed after restart: $list"
page=$(curl -fsS "$base/incidents/$id") || fail "GET /incidents/$id"
grep -q 'chatty' <<<"$page" || fail "incident page of $id lacks the top process"
grep -q 'exporter stopped' <<<"$page" || fail "incident $id left open by the stop is not closed"
echo "ok: incident $id listed and shown after a restart"

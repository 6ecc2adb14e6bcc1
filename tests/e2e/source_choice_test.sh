#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The default socket source (auto): bpf when the iterators load, netlink
# otherwise, said in one log line and in build_info; an unprivileged
# exporter falls back cleanly (no failing collector). An explicit
# --source=netlink stays netlink.
# usage: source_choice_test.sh EXPORTER
EXPORTER=$1
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || [ ! -e /sys/kernel/btf/vmlinux ]; then
  echo "SKIPPED: needs root and kernel BTF"
  exit 77
fi
if ! "$EXPORTER" --help | grep -q 'auto (bpf when it loads'; then
  echo "SKIPPED: this build has no auto source"
  exit 77
fi
# The unprivileged run needs a binary path nobody can reach.
install -m 0755 "$EXPORTER" "$TMP_DIR/exporter"
chmod 0755 "$TMP_DIR"

# scrape_until NAME PATTERN : fetches /metrics until PATTERN shows, 10 s
# at most.
scrape_until() {
  local name=$1 pattern=$2
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$EXPORTER_PORT/metrics" >"$TMP_DIR/metrics" 2>/dev/null &&
      grep -qE "$pattern" "$TMP_DIR/metrics" && return 0
    sleep 0.1
  done
  fail "$name: no '$pattern' in /metrics within 10 s: $(grep -E 'build_info|collector_success' "$TMP_DIR/metrics" || true)"
}

stop_exporter() {
  kill "$EXPORTER_PID"
  wait "$EXPORTER_PID" 2>/dev/null || true
}

start_exporter "$TMP_DIR/root.log"
scrape_until "root, auto" 'build_info\{.*source="bpf"'
grep -q 'collector_success{collector="bpf_sockets"} 1' "$TMP_DIR/metrics" ||
  fail "root, auto: bpf_sockets collector not 1"
[ "$(grep -c 'msg="socket source chosen"' "$TMP_DIR/root.log")" = 1 ] ||
  fail "root, auto: expected one choice line: $(cat "$TMP_DIR/root.log")"
grep -q 'msg="socket source chosen" source=bpf reason="the socket iterators loaded"' \
  "$TMP_DIR/root.log" || fail "root, auto: $(cat "$TMP_DIR/root.log")"
grep -q 'source=bpf$' "$TMP_DIR/root.log" || fail "root, auto: listening line"
stop_exporter
echo "ok: root picks bpf"

cat >"$TMP_DIR/nobody" <<EOF
#!/bin/sh
exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$TMP_DIR/exporter" "\$@"
EOF
chmod 0755 "$TMP_DIR/nobody"
EXPORTER="$TMP_DIR/nobody"
start_exporter "$TMP_DIR/nobody.log"
scrape_until "unprivileged, auto" 'build_info\{.*source="netlink"'
grep -q 'collector_success{collector="sockets"} 1' "$TMP_DIR/metrics" ||
  fail "unprivileged, auto: sockets collector not 1"
if grep -q 'collector="bpf_sockets"' "$TMP_DIR/metrics"; then
  fail "unprivileged, auto: a bpf_sockets collector was reported"
fi
grep -q 'msg="socket source chosen" source=netlink reason="socket iterators not loaded: missing CAP_BPF and CAP_PERFMON (or root)"' \
  "$TMP_DIR/nobody.log" || fail "unprivileged, auto: $(cat "$TMP_DIR/nobody.log")"
if grep -q 'level=warn collector=bpf_sockets\|level=error' "$TMP_DIR/nobody.log"; then
  fail "unprivileged, auto: a warning or error was logged: $(cat "$TMP_DIR/nobody.log")"
fi
stop_exporter
echo "ok: unprivileged falls back to netlink: $(grep -o 'reason="[^"]*"' "$TMP_DIR/nobody.log")"

EXPORTER="$TMP_DIR/exporter"
start_exporter "$TMP_DIR/netlink.log" --source=netlink
scrape_until "root, netlink" 'build_info\{.*source="netlink"'
if grep -q 'socket source chosen' "$TMP_DIR/netlink.log" ||
  grep -q 'collector="bpf_sockets"' "$TMP_DIR/metrics"; then
  fail "root, --source=netlink: BPF was tried"
fi
stop_exporter
echo "ok: --source=netlink stays netlink"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The exporter over IPv6 and with gzip, scraped by a real Prometheus:
# two private network namespaces joined by a veth pair with IPv6 addresses.
# The exporter listens on ":PORT" (dual stack) in namespace A; Prometheus in
# namespace B scrapes [2001:db8:12::1]:PORT over the veth, Prometheus in A
# scrapes [::1] through a relay that records the encodings on the wire.
# A second exporter checks the [v6addr]:port and 0.0.0.0:port forms.
# Usage: ipv6_gzip_test.sh EXPORTER [PROCFS_FIXTURE]
set -euo pipefail

EXPORTER=$(realpath -e "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PROCFS=$(realpath -e "${2:-$HERE/../fixtures/procfs}")
PROMETHEUS=${PROMETHEUS:-prometheus}
skip() { echo "SKIP: $*"; exit 77; }
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do echo "--- $f"; tail -n 12 "$f"; done >&2
  exit 1
}

[[ $(id -u) == 0 ]] || skip "needs root for network namespaces"
for tool in ip curl python3 "$PROMETHEUS"; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
A=epx-v6a-$$
B=epx-v6b-$$
ip netns add "$A" 2>/dev/null || skip "cannot create network namespaces"
WORK=$(mktemp -d /tmp/epx-ipv6.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$B"
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
ip link add "epx6a$$" type veth peer name "epx6b$$"
ip link set "epx6a$$" netns "$A"
ip link set "epx6b$$" netns "$B"
inA ip link set lo up
inB ip link set lo up
inA ip addr add 2001:db8:12::1/64 dev "epx6a$$" nodad
inB ip addr add 2001:db8:12::2/64 dev "epx6b$$" nodad
inA ip addr add 10.12.0.1/24 dev "epx6a$$"
inB ip addr add 10.12.0.2/24 dev "epx6b$$"
inA ip link set "epx6a$$" up
inB ip link set "epx6b$$" up

# poll SECONDS DESCRIPTION COMMAND...: retries every 0.2 s, bounded.
poll() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "$what (waited ${limit}s)"
}
start() { # start NAME NS COMMAND...
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}

PORT=19152
start exporter "$A" "$EXPORTER" --web.listen-address=":$PORT" \
  --source=procfs --path.procfs="$PROCFS"
poll 10 "exporter listening" grep -q 'msg="listening"' "$WORK/exporter.log"
inA ss -ltn | grep -q "\*:$PORT " || fail ":$PORT is not one dual-stack socket: $(inA ss -ltn)"

# Dual stack: IPv4 and IPv6, loopback and the veth, all on the one socket.
for url in "http://127.0.0.1:$PORT" "http://[::1]:$PORT"; do
  inA curl -sf -o /dev/null "$url/metrics" || fail "no answer on $url"
done
for url in "http://10.12.0.1:$PORT" "http://[2001:db8:12::1]:$PORT"; do
  inB curl -sf -o /dev/null "$url/metrics" || fail "no answer on $url from namespace B"
done
echo "ok: :$PORT answers on 127.0.0.1, [::1], 10.12.0.1 and [2001:db8:12::1]"

# gzip with curl: Content-Encoding and Vary, and identity when not asked.
inB curl -sf -D "$WORK/gz.headers" -H 'Accept-Encoding: gzip' -o "$WORK/body.gz" \
  "http://[2001:db8:12::1]:$PORT/metrics" || fail "gzip scrape"
grep -qi '^Content-Encoding: gzip' "$WORK/gz.headers" || fail "no Content-Encoding: gzip: $(cat "$WORK/gz.headers")"
grep -qi '^Vary: Accept-Encoding' "$WORK/gz.headers" || fail "no Vary: Accept-Encoding"
inB curl -sf -D "$WORK/id.headers" -o "$WORK/body.txt" "http://[2001:db8:12::1]:$PORT/metrics"
grep -qi '^Content-Encoding' "$WORK/id.headers" && fail "Content-Encoding without Accept-Encoding"
grep -qi '^Vary: Accept-Encoding' "$WORK/id.headers" || fail "identity answer lacks Vary"
gzip -dc "$WORK/body.gz" >"$WORK/unzipped.txt" || fail "body is not gzip"
grep -c '^ephemeral_port_' "$WORK/unzipped.txt" >/dev/null || fail "gunzipped body has no metrics"
[[ $(grep -c '^ephemeral_port_' "$WORK/unzipped.txt") == $(grep -c '^ephemeral_port_' "$WORK/body.txt") ]] ||
  fail "gzip and identity bodies differ in series"
inB curl -sf -D "$WORK/q0.headers" -H 'Accept-Encoding: gzip;q=0, identity' -o /dev/null \
  "http://[2001:db8:12::1]:$PORT/metrics"
grep -qi '^Content-Encoding' "$WORK/q0.headers" && fail "gzip;q=0 was answered with gzip"
echo "ok: gzip $(stat -c %s "$WORK/body.gz") bytes, identity $(stat -c %s "$WORK/body.txt") bytes"

# A relay on [::1] in namespace A that records the scraper's Accept-Encoding
# and the answer's Content-Encoding.
cat >"$WORK/relay.py" <<'PY'
import socket, sys, threading
listen_port, target_port, record = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def pipe(src, dst, tag):
    first = True
    while True:
        data = src.recv(65536)
        if not data:
            break
        if first:
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            for line in head.split("\r\n"):
                name = line.split(":", 1)[0].lower()
                if name in ("accept-encoding", "content-encoding"):
                    with open(record, "a") as f:
                        f.write(tag + " " + line + "\n")
            first = False
        dst.sendall(data)
    dst.shutdown(socket.SHUT_WR)
server = socket.socket(socket.AF_INET6)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("::1", listen_port))
server.listen(16)
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("::1", target_port))
    threading.Thread(target=pipe, args=(client, upstream, "request"), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, "response"), daemon=True).start()
PY
RELAY=19153
start relay "$A" python3 "$WORK/relay.py" "$RELAY" "$PORT" "$WORK/wire.txt"
poll 10 "relay listening" inA bash -c "ss -ltn | grep -q '\[::1\]:$RELAY '"

prom_config() { # prom_config FILE TARGET
  cat >"$1" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: epx
    static_configs:
      - targets: ['$2']
YAML
}
prom_config "$WORK/prom-a.yml" "[::1]:$RELAY"
prom_config "$WORK/prom-b.yml" "[2001:db8:12::1]:$PORT"
for ns in a b; do
  nsname=$A
  [[ $ns == b ]] && nsname=$B
  start "prometheus-$ns" "$nsname" "$PROMETHEUS" --config.file="$WORK/prom-$ns.yml" \
    --storage.tsdb.path="$WORK/data-$ns" --web.listen-address=127.0.0.1:9090
done
# up == 1 and the exporter's own series, as Prometheus stored them.
scraped() { # scraped NS
  ip netns exec "$1" curl -sf "http://127.0.0.1:9090/api/v1/query" \
    --data-urlencode 'query=up{job="epx"} == 1 and on() count(ephemeral_port_range_start) > 0' |
    python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)'
}
poll 40 "Prometheus in namespace B scraping [2001:db8:12::1]:$PORT" scraped "$B"
echo "ok: Prometheus scraped [2001:db8:12::1]:$PORT over the veth pair"
poll 40 "Prometheus in namespace A scraping [::1]:$RELAY" scraped "$A"
echo "ok: Prometheus scraped [::1]"
grep -qi '^request Accept-Encoding: .*gzip' "$WORK/wire.txt" || fail "Prometheus sent no Accept-Encoding: gzip: $(cat "$WORK/wire.txt")"
grep -qi '^response Content-Encoding: gzip' "$WORK/wire.txt" || fail "Prometheus got no gzip answer: $(cat "$WORK/wire.txt")"
echo "ok: Prometheus asked for gzip, got gzip and stored the samples"

# [v6addr]:port and 0.0.0.0:port, side by side in one exporter.
start exporter2 "$A" "$EXPORTER" --web.listen-address="[2001:db8:12::1]:19154" \
  --web.listen-address=0.0.0.0:19155 --source=procfs --path.procfs="$PROCFS"
poll 10 "second exporter listening" grep -q 'msg="listening"' "$WORK/exporter2.log"
inB curl -sf -o /dev/null "http://[2001:db8:12::1]:19154/metrics" || fail "[v6addr]:port"
inB curl -sf -o /dev/null "http://10.12.0.1:19155/metrics" || fail "0.0.0.0:port"
inA curl -s -o /dev/null --max-time 3 "http://[::1]:19154/metrics" && fail "[2001:db8:12::1]:19154 also answers on [::1]"
inB curl -s -o /dev/null --max-time 3 "http://[2001:db8:12::1]:19155/metrics" && fail "0.0.0.0:19155 also answers on IPv6"
echo "ok: [2001:db8:12::1]:19154 and 0.0.0.0:19155 listen only where asked"
echo "PASS"

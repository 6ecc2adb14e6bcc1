#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Not blinded by idle connections: 300 silent connections and 100 that sent
# half a request, each reopened as soon as the exporter drops it, while
# another client scrapes every 0.5 s for IDLE_SECONDS (default 60): every
# scrape must answer within 2 s. Plain HTTP and TLS + basic auth side by
# side; memory and threads must stay bounded, and the threads the load
# started must end once it is gone.
# Usage: idle_connections_test.sh EXPORTER [PROCFS_FIXTURE]
set -euo pipefail

EXPORTER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PROCFS=$(cd "${2:-$HERE/../fixtures/procfs}" && pwd)
SECONDS_TO_HOLD=${IDLE_SECONDS:-60}
source "$HERE/../e2e/lib.sh"   # TMP_DIR, cleanup trap, fail, start_exporter
for tool in openssl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

cd "$TMP_DIR"
# P-256 keys: the 100 half-request holders redo their handshakes together
# every read timeout, and RSA-2048 would make that burst the test's load.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt >/dev/null 2>&1 || fail "openssl ca"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj /CN=127.0.0.1 -keyout server.key -out server.csr >/dev/null 2>&1 || fail "openssl csr"
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days 2 -extfile server.ext -out server.crt >/dev/null 2>&1 || fail "openssl x509"
HASH=$(python3 -W ignore -c 'import crypt
print(crypt.crypt("scrape secret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))')
cat >web.yml <<YAML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $HASH
YAML

ARGS=(--source=procfs --path.procfs="$PROCFS")
start_exporter plain.log "${ARGS[@]}"
PLAIN_PID=$EXPORTER_PID PLAIN_PORT=$EXPORTER_PORT
start_exporter tls.log "${ARGS[@]}" --web.config.file="$TMP_DIR/web.yml"
TLS_PID=$EXPORTER_PID TLS_PORT=$EXPORTER_PORT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$1/status"; }
PLAIN_RSS0=$(rss_kb "$PLAIN_PID") TLS_RSS0=$(rss_kb "$TLS_PID")

HOLD=(python3 "$HERE/hold_and_scrape.py")
"${HOLD[@]}" "http://127.0.0.1:$PLAIN_PORT/metrics" 300 100 "$SECONDS_TO_HOLD" \
  >plain.json 2>plain.err &
PLAIN_LOAD=$!
STARTED_PIDS+=("$PLAIN_LOAD")
"${HOLD[@]}" "https://127.0.0.1:$TLS_PORT/metrics" 300 100 "$SECONDS_TO_HOLD" \
  --cafile ca.crt --user "prometheus:scrape secret" >tls.json 2>tls.err &
TLS_LOAD=$!
STARTED_PIDS+=("$TLS_LOAD")
# Peak memory and threads while the connections are held.
peak_plain=0 peak_tls=0 peak_threads=0
while kill -0 "$PLAIN_LOAD" 2>/dev/null || kill -0 "$TLS_LOAD" 2>/dev/null; do
  r=$(rss_kb "$PLAIN_PID"); ((r > peak_plain)) && peak_plain=$r
  r=$(rss_kb "$TLS_PID"); ((r > peak_tls)) && peak_tls=$r
  t=$(threads "$TLS_PID"); ((t > peak_threads)) && peak_threads=$t
  sleep 1
done
plain_rc=0 tls_rc=0
wait "$PLAIN_LOAD" || plain_rc=$?
wait "$TLS_LOAD" || tls_rc=$?
echo "plain HTTP:       $(cat plain.json) rss ${PLAIN_RSS0} -> peak ${peak_plain} kB"
echo "TLS + basic auth: $(cat tls.json) rss ${TLS_RSS0} -> peak ${peak_tls} kB"
[[ $plain_rc == 0 ]] || fail "plain HTTP scrapes were blinded: $(cat plain.json plain.err)"
[[ $tls_rc == 0 ]] || fail "TLS scrapes were blinded: $(cat tls.json tls.err)"
# At most 512 server threads and a few of the exporter's own: no thread per
# connection beyond the configured cap, and memory that does not follow the
# 400 connections (each held connection costs a thread's stack pages only).
((peak_threads <= 512 + 8)) || fail "threads grew to $peak_threads"
((peak_plain - PLAIN_RSS0 < 64 * 1024)) || fail "plain RSS grew by $((peak_plain - PLAIN_RSS0)) kB"
((peak_tls - TLS_RSS0 < 96 * 1024)) || fail "TLS RSS grew by $((peak_tls - TLS_RSS0)) kB"
kill -0 "$PLAIN_PID" && kill -0 "$TLS_PID" || fail "an exporter died"
# Server threads start on demand and end after 30 s without work: once the
# held connections are gone, both exporters go back to a handful of threads.
settled=false
for _ in $(seq 60); do
  if (($(threads "$PLAIN_PID") <= 16 && $(threads "$TLS_PID") <= 16)); then
    settled=true
    break
  fi
  sleep 1
done
curl -sf -o /dev/null "http://127.0.0.1:$PLAIN_PORT/metrics" || fail "plain scrape after the load"
curl -sf -o /dev/null --cacert ca.crt -u "prometheus:scrape secret" \
  "https://127.0.0.1:$TLS_PORT/metrics" || fail "TLS scrape after the load"
echo "after the load: threads $(threads "$PLAIN_PID") / $(threads "$TLS_PID")," \
  "rss $(rss_kb "$PLAIN_PID") / $(rss_kb "$TLS_PID") kB (plain / TLS)"
$settled || fail "server threads did not end within 60 s of the load's end"
echo "PASS"

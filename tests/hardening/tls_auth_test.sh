#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --web.config.file end to end with real clients: TLS, mutual TLS, basic
# auth with bcrypt, reload on change, plain HTTP to the TLS port.
# Usage: tls_auth_test.sh EXPORTER [PROCFS_FIXTURE]
set -euo pipefail

EXPORTER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PROCFS=$(cd "${2:-$HERE/../fixtures/procfs}" && pwd)
source "$HERE/../e2e/lib.sh"   # TMP_DIR, cleanup trap, fail, start_exporter

for tool in openssl curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# bcrypt HASH of PASSWORD through the system's crypt(3) (libxcrypt).
bcrypt() {
  python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' "$1"
}

cd "$TMP_DIR"
# --- a CA, a server certificate for 127.0.0.1, a client certificate, and a
# --- client certificate from a CA the server does not trust.
openssl_quiet() { openssl "$@" >/dev/null 2>&1 || fail "openssl $*"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.crt
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rogue-ca \
  -keyout rogue.key -out rogue.crt
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
printf 'extendedKeyUsage=clientAuth\n' >client.ext
openssl_quiet req -newkey rsa:2048 -nodes -subj /CN=localhost \
  -keyout server.key -out server.csr
openssl_quiet x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
  -CAcreateserial -days 2 -extfile server.ext -out server.crt
openssl_quiet req -newkey rsa:2048 -nodes -subj /CN=prometheus \
  -keyout client.key -out client.csr
openssl_quiet x509 -req -in client.csr -CA ca.crt -CAkey ca.key \
  -CAcreateserial -days 2 -extfile client.ext -out client.crt
openssl_quiet x509 -req -in client.csr -CA rogue.crt -CAkey rogue.key \
  -CAcreateserial -days 2 -extfile client.ext -out rogue-client.crt

ALICE_HASH=$(bcrypt 'alice secret')
BOB_HASH=$(bcrypt 'bob secret')
[[ $ALICE_HASH == \$2* ]] || fail "no bcrypt from crypt(3): $ALICE_HASH"

cat >auth.yml <<YAML
tls_server_config:
  cert_file: server.crt   # relative to this file, as in exporter-toolkit
  key_file: $TMP_DIR/server.key
basic_auth_users:
  alice: $ALICE_HASH
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
YAML

CURL=(curl -sS --max-time 10 --cacert "$TMP_DIR/ca.crt")
# status URL ARGS...: prints the HTTP status (000 when no HTTP answer).
status() {
  local url=$1
  shift
  "${CURL[@]}" -o "$TMP_DIR/body" -D "$TMP_DIR/headers" -w '%{http_code}' \
    "$@" "$url" 2>"$TMP_DIR/curl.err" || true
}
expect_status() {
  local want=$1 what=$2 got
  shift 2
  got=$(status "$@")
  [ "$got" = "$want" ] || fail "$what: want HTTP $want, got $got ($(cat "$TMP_DIR/curl.err" 2>/dev/null))"
  echo "ok: $what -> $got"
}
alive() { kill -0 "$EXPORTER_PID" 2>/dev/null || fail "exporter died: $(cat "$1")"; }

start_exporter "$TMP_DIR/auth.log" --web.config.file="$TMP_DIR/auth.yml" \
  --source=procfs --path.procfs="$PROCFS"
BASE=https://127.0.0.1:$EXPORTER_PORT

expect_status 200 "https, right password" "$BASE/metrics" -u 'alice:alice secret'
grep -q '^ephemeral_port_in_use' body || fail "no metrics in the 200 answer"
grep -qi '^X-Content-Type-Options: nosniff' headers || fail "configured header missing"
expect_status 401 "https, wrong password" "$BASE/metrics" -u 'alice:wrong'
grep -qi '^WWW-Authenticate: Basic' headers || fail "401 without WWW-Authenticate"
if grep -q ephemeral_port body; then fail "401 answer leaks metrics"; fi
expect_status 401 "https, unknown user" "$BASE/metrics" -u 'mallory:alice secret'
expect_status 401 "https, no credentials" "$BASE/metrics"
expect_status 401 "https, malformed Authorization" "$BASE/metrics" -H 'Authorization: Basic !!!'
expect_status 401 "landing page needs auth too" "$BASE/"
expect_status 401 "/-/healthy needs auth too (as in exporter-toolkit)" "$BASE/-/healthy"
expect_status 200 "/-/healthy with auth" "$BASE/-/healthy" -u 'alice:alice secret'
expect_status 000 "server certificate not trusted without the CA" "$BASE/metrics" \
  -u 'alice:alice secret' --cacert /dev/null --capath /nonexistent
expect_status 000 "TLS 1.1 refused (min_version TLS12)" "$BASE/metrics" \
  -u 'alice:alice secret' --tlsv1.0 --tls-max 1.1

# Plain HTTP to the TLS port: no HTTP answer, no crash.
got=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$EXPORTER_PORT/metrics" 2>"$TMP_DIR/plain.err" || true)
[ "$got" = 000 ] || fail "plain HTTP to the TLS port answered $got"
echo "ok: plain HTTP to the TLS port refused ($(tr -d '\n' <"$TMP_DIR/plain.err"))"
# Raw garbage instead of a ClientHello.
(
  trap '' PIPE  # the server may close first; a failed write is fine
  exec 3<>"/dev/tcp/127.0.0.1/$EXPORTER_PORT"
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  timeout 10 cat <&3 >/dev/null
) 2>/dev/null || true
alive "$TMP_DIR/auth.log"
expect_status 200 "still serving after plain HTTP" "$BASE/metrics" -u 'alice:alice secret'

# Reload: the file is re-read when it changes.
sleep 1.1  # mtime granularity on some file systems
sed -i "s|alice: .*|bob: $BOB_HASH|" auth.yml
expect_status 401 "after reload, removed user refused" "$BASE/metrics" -u 'alice:alice secret'
expect_status 200 "after reload, new user accepted" "$BASE/metrics" -u 'bob:bob secret'
printf 'basic_auth_users: [\n' >>auth.yml
# As in exporter-toolkit, the TLS handshake consults the file too.
expect_status 000 "broken web config refuses handshakes" "$BASE/metrics" -u 'bob:bob secret'
grep -q 'web config reload failed' "$TMP_DIR/auth.log" || fail "reload failure not logged"
sed -i '$d' auth.yml
expect_status 200 "fixed web config serves again" "$BASE/metrics" -u 'bob:bob secret'
alive "$TMP_DIR/auth.log"

# Certificate rotation: new files are used from the next handshake on.
served_serial() {
  timeout 10 openssl s_client -connect "127.0.0.1:$EXPORTER_PORT" \
    -CAfile "$TMP_DIR/ca.crt" </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null || true
}
OLD_SERIAL=$(served_serial)
[ "$OLD_SERIAL" = "$(openssl x509 -noout -serial -in server.crt)" ] ||
  fail "served certificate '$OLD_SERIAL' is not server.crt"
openssl_quiet req -newkey rsa:2048 -nodes -subj /CN=localhost \
  -keyout server2.key -out server2.csr
openssl_quiet x509 -req -in server2.csr -CA ca.crt -CAkey ca.key \
  -CAcreateserial -days 2 -extfile server.ext -out server2.crt
cp server2.key server.key
cp server2.crt server.crt
NEW_SERIAL=$(served_serial)
[ -n "$NEW_SERIAL" ] && [ "$NEW_SERIAL" != "$OLD_SERIAL" ] ||
  fail "certificate not reloaded: before $OLD_SERIAL, after $NEW_SERIAL"
echo "ok: rotated certificate served without restart ($OLD_SERIAL -> $NEW_SERIAL)"
expect_status 200 "scrape after certificate rotation" "$BASE/metrics" -u 'bob:bob secret'

# --- basic auth over plain HTTP (no tls_server_config).
printf 'basic_auth_users:\n  carol: %s\n' "$ALICE_HASH" >plain.yml
start_exporter "$TMP_DIR/plain.log" --web.config.file="$TMP_DIR/plain.yml" \
  --source=procfs --path.procfs="$PROCFS"
PBASE=http://127.0.0.1:$EXPORTER_PORT
expect_status 200 "http basic auth, right password" "$PBASE/metrics" -u 'carol:alice secret'
expect_status 401 "http basic auth, wrong password" "$PBASE/metrics" -u 'carol:nope'
sleep 1.1
printf 'basic_auth_users: [\n' >>plain.yml
expect_status 500 "broken web config refuses requests" "$PBASE/metrics" -u 'carol:alice secret'
if grep -q ephemeral_port body; then fail "500 answer leaks metrics"; fi
sed -i '$d' plain.yml
expect_status 200 "fixed web config serves again" "$PBASE/metrics" -u 'carol:alice secret'

# --- mutual TLS: RequireAndVerifyClientCert.
cat >mtls.yml <<YAML
tls_server_config:
  cert_file: $TMP_DIR/server.crt
  key_file: $TMP_DIR/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $TMP_DIR/ca.crt
  min_version: TLS13
YAML
start_exporter "$TMP_DIR/mtls.log" --web.config.file="$TMP_DIR/mtls.yml" \
  --source=procfs --path.procfs="$PROCFS"
MBASE=https://127.0.0.1:$EXPORTER_PORT
expect_status 200 "mTLS with client certificate" "$MBASE/metrics" \
  --cert "$TMP_DIR/client.crt" --key "$TMP_DIR/client.key"
grep -q '^ephemeral_port_in_use' body || fail "no metrics over mTLS"
expect_status 000 "mTLS without client certificate" "$MBASE/metrics"
expect_status 000 "mTLS with a certificate from an untrusted CA" "$MBASE/metrics" \
  --cert "$TMP_DIR/rogue-client.crt" --key "$TMP_DIR/client.key"
expect_status 000 "TLS 1.2 refused (min_version TLS13)" "$MBASE/metrics" \
  --cert "$TMP_DIR/client.crt" --key "$TMP_DIR/client.key" --tls-max 1.2
alive "$TMP_DIR/mtls.log"
expect_status 200 "mTLS still serving" "$MBASE/metrics" \
  --cert "$TMP_DIR/client.crt" --key "$TMP_DIR/client.key"

# --- startup errors: one line naming file, line and key; exit status 2.
expect_startup_error() {
  local what=$1 pattern=$2 yml=$3 rc=0
  printf '%s\n' "$yml" >bad.yml
  timeout 10 "$EXPORTER" --web.listen-address=127.0.0.1:0 \
    --web.config.file="$TMP_DIR/bad.yml" --source=procfs \
    --path.procfs="$PROCFS" >/dev/null 2>bad.err || rc=$?
  [ "$rc" = 2 ] || fail "$what: want exit 2, got $rc: $(cat bad.err)"
  grep -q -- "$pattern" bad.err || fail "$what: message '$(cat bad.err)' lacks '$pattern'"
  echo "ok: $what -> $(cat bad.err)"
}
expect_startup_error "missing key_file" 'bad.yml:2: tls_server_config.key_file: missing' \
  "tls_server_config:
  cert_file: $TMP_DIR/server.crt"
expect_startup_error "unknown key" 'bad.yml:3: tls_server_config.certfile: unknown key' \
  "tls_server_config:
  cert_file: $TMP_DIR/server.crt
  certfile: x"
expect_startup_error "plain password instead of bcrypt" 'bad.yml:2: basic_auth_users.alice: expected a bcrypt hash' \
  "basic_auth_users:
  alice: secret"
expect_startup_error "mTLS without CA" 'client_ca_file: missing' \
  "tls_server_config:
  cert_file: $TMP_DIR/server.crt
  key_file: $TMP_DIR/server.key
  client_auth_type: RequireAndVerifyClientCert"
expect_startup_error "key does not match certificate" 'does not match' \
  "tls_server_config:
  cert_file: $TMP_DIR/server.crt
  key_file: $TMP_DIR/client.key"
expect_startup_error "missing certificate file" 'nonexistent.crt' \
  "tls_server_config:
  cert_file: $TMP_DIR/nonexistent.crt
  key_file: $TMP_DIR/server.key"

echo "PASS: tls_auth_test"

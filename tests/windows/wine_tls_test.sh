#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Web security of the Windows exe under Wine, with Linux's curl as client:
# the same exporter-toolkit web config as on Linux (TLS 1.2+, client
# certificates required, bcrypt basic auth, reload on change). Runs after
# windows.wine, which builds <src>/build-win and boots its Wine prefix.
# Usage: tests/windows/wine_tls_test.sh [EXPORTER_SOURCE_DIR]
# Exit status: 0 passed, 1 failed, 77 skipped (no Windows build or Wine).
set -euo pipefail

SRC=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
BUILD=$SRC/build-win
EXE=$BUILD/exporter/ephemeral_port_exporter.exe
WINE=/usr/lib/wine/wine64
T0=$SECONDS
say() { printf '[wine-tls %3ss] %s\n' $((SECONDS - T0)) "$*"; }
fail() {
  say "FAIL: $*"
  [[ -f ${WORK:-/nonexistent}/exporter.log ]] && tail -n 20 "$WORK/exporter.log"
  exit 1
}
skip() { echo "SKIPPED: $*"; exit 77; }
[[ -x $WINE ]] || skip "$WINE missing"
[[ -f $EXE ]] || skip "no Windows build in $BUILD (windows.wine builds it)"
for tool in curl openssl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

export WINEPREFIX=$BUILD/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
WORK=$(mktemp -d /tmp/epx-wine-tls.XXXXXX)
PID=
cleanup() {
  local rc=$?
  set +e
  if [[ -n $PID ]]; then
    kill "$PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null
  fi
  timeout 30 wineserver -k >/dev/null 2>&1 </dev/null
  rm -rf "$WORK"
  say "done (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT

cd "$WORK"
quiet() { "$@" >/dev/null 2>&1 || fail "$*"; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.crt
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
printf 'extendedKeyUsage=clientAuth\n' >client.ext
quiet openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr
quiet openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days 2 -extfile server.ext -out server.crt
quiet openssl req -newkey rsa:2048 -nodes -subj /CN=prometheus -keyout client.key -out client.csr
quiet openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days 2 -extfile client.ext -out client.crt
bcrypt() {
  python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' "$1"
}
# Windows paths with forward slashes: Z: is the Linux root under Wine.
W="Z:$WORK"
web_config() { # web_config PASSWORD_HASH [COMMENT]
  cat >web.yml.new <<YAML
# ${2:-first}
tls_server_config:
  cert_file: server.crt   # relative to the web config, as on Linux
  key_file: $W/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $W/ca.crt
  min_version: TLS12
basic_auth_users:
  prometheus: $1
YAML
  mv web.yml.new web.yml
}
web_config "$(bcrypt 'first secret')"

say "exporter.exe with --web.config.file (TLS, client certificates, basic auth)"
timeout 30 wineserver -k >/dev/null 2>&1 </dev/null || true
"$WINE" "$EXE" --web.listen-address=127.0.0.1:0 --web.config.file="$W/web.yml" \
  </dev/null >"$WORK/exporter.out" 2>"$WORK/exporter.log" &
PID=$!
PORT=
for _ in $(seq 1 300); do
  PORT=$(grep -o ' port=[0-9]*' "$WORK/exporter.log" | head -1 | cut -d= -f2 || true)
  [[ -n $PORT ]] && break
  kill -0 "$PID" 2>/dev/null || fail "exporter.exe exited: $(cat "$WORK/exporter.log")"
  sleep 0.2
done
[[ -n $PORT ]] || fail "exporter.exe did not report its port within 60 s"
URL=https://127.0.0.1:$PORT/metrics
CURL=(curl -sS --max-time 20 --cacert "$WORK/ca.crt")
CERT=(--cert "$WORK/client.crt" --key "$WORK/client.key")
status() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }

code=$(status "${CERT[@]}" "$URL")
[[ $code == 401 ]] || fail "no credentials: expected 401, got $code"
say "ok: no credentials -> 401"
code=$(status "${CERT[@]}" -u 'prometheus:wrong' "$URL")
[[ $code == 401 ]] || fail "wrong password: expected 401, got $code"
say "ok: wrong password -> 401"
code=$(status "${CERT[@]}" -u 'prometheus:first secret' "$URL")
[[ $code == 200 ]] || fail "right password: expected 200, got $code"
# The body is read whole before grep: grep -q ending the pipe early would
# make curl fail with SIGPIPE under pipefail.
body=$("${CURL[@]}" "${CERT[@]}" -u 'prometheus:first secret' "$URL") ||
  fail "right password: the answer could not be read"
grep -q '^ephemeral_port_collector_success' <<<"$body" ||
  fail "the 200 answer has no metrics"
say "ok: right password -> 200 with metrics"
if "${CURL[@]}" -o /dev/null -u 'prometheus:first secret' "$URL" 2>"$WORK/nocert.err"; then
  fail "the handshake succeeded without a client certificate"
fi
say "ok: no client certificate -> handshake refused ($(head -c 80 "$WORK/nocert.err"))"
if "${CURL[@]}" -o /dev/null "${CERT[@]}" --tls-max 1.1 -u 'prometheus:first secret' "$URL" 2>/dev/null; then
  fail "TLS 1.1 was accepted"
fi
say "ok: TLS 1.1 refused"

# Reload on change: a new password replaces the old one without a restart.
web_config "$(bcrypt 'second secret')" "second, a longer comment line"
ok=
for _ in $(seq 1 50); do
  if [[ $(status "${CERT[@]}" -u 'prometheus:second secret' "$URL") == 200 ]]; then ok=1; break; fi
  sleep 0.2
done
[[ -n $ok ]] || fail "the changed web config was not re-read"
code=$(status "${CERT[@]}" -u 'prometheus:first secret' "$URL")
[[ $code == 401 ]] || fail "the old password still works after the reload ($code)"
say "ok: web config re-read on change (new password 200, old 401)"
say "PASSED"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad input must give one clear error line and a non-zero exit before the
# server starts.
# usage: bad_input_test.sh EXPORTER FIXTURE_PROCFS
EXPORTER=$1
FIXTURE=$2
source "$(dirname "$0")/lib.sh"

# expect_error NAME EXPECTED_SUBSTRING ARGS... : runs the exporter, which
# must exit non-zero within 10 s with exactly one stderr line containing
# EXPECTED_SUBSTRING.
expect_error() {
  local name=$1 expected=$2
  shift 2
  local rc=0
  timeout 10 "$EXPORTER" "$@" >"$TMP_DIR/out" 2>"$TMP_DIR/err" || rc=$?
  [ "$rc" -ne 0 ] || fail "$name: exit code 0"
  [ "$rc" -ne 124 ] || fail "$name: still running after 10 s"
  local lines
  lines=$(wc -l <"$TMP_DIR/err")
  [ "$lines" -eq 1 ] || fail "$name: expected one error line, got $lines: $(cat "$TMP_DIR/err")"
  grep -qF -- "$expected" "$TMP_DIR/err" || fail "$name: expected '$expected', got: $(cat "$TMP_DIR/err")"
  echo "ok: $name -> $(cat "$TMP_DIR/err")"
}

cat >"$TMP_DIR/unknown.yml" <<'YAML'
web:
  listen_address: 127.0.0.1:0
limits:
  top_procs: 5
YAML
expect_error "unknown key" "unknown.yml:4: limits.top_procs: unknown key" \
  --config.file="$TMP_DIR/unknown.yml"

cat >"$TMP_DIR/type.yml" <<'YAML'
collectors:
  processes: maybe
YAML
expect_error "wrong type" "type.yml:2: collectors.processes: expected true or false" \
  --config.file="$TMP_DIR/type.yml"

cat >"$TMP_DIR/range.yml" <<'YAML'
limits:
  top_destinations: 100000
YAML
expect_error "impossible value" "range.yml:2: limits.top_destinations: must be at most 1000" \
  --config.file="$TMP_DIR/range.yml"

cat >"$TMP_DIR/watch.yml" <<'YAML'
watch:
  destinations:
    - 10.0.0.0/8:443
    - "[2001:db8::/32]:99999"
YAML
expect_error "bad watched destination" "watch.yml:4: watch.destinations: port '99999' must be 1..65535" \
  --config.file="$TMP_DIR/watch.yml"

printf 'web:\n  listen_address: [unclosed\n' >"$TMP_DIR/syntax.yml"
expect_error "YAML syntax" "syntax.yml:" --config.file="$TMP_DIR/syntax.yml"

expect_error "missing config file" "$TMP_DIR/none.yml: cannot read config file" \
  --config.file="$TMP_DIR/none.yml"

expect_error "unreadable procfs root" "procfs root $TMP_DIR/no-proc is not usable" \
  --path.procfs="$TMP_DIR/no-proc"

expect_error "unknown flag" "unknown flag '--web.listen-adress'" \
  --web.listen-adress=:1

expect_error "bad listen address" "expected host:port, :port or [ipv6]:port" --web.listen-address=localhost
expect_error "unresolvable listen address" "cannot resolve" --web.listen-address=no-such-host.invalid:1

# A port that is already taken: a first exporter holds it.
start_exporter "$TMP_DIR/first.log" --source=procfs --path.procfs="$FIXTURE"
expect_error "port already taken" "cannot listen on 127.0.0.1:$EXPORTER_PORT" \
  --source=procfs --path.procfs="$FIXTURE" \
  --web.listen-address="127.0.0.1:$EXPORTER_PORT"

# The good case still works: --config.check validates and exits 0.
printf 'limits:\n  top_processes: 3\nwatched_services: [nginx]\n' >"$TMP_DIR/good.yml"
out=$("$EXPORTER" --config.file="$TMP_DIR/good.yml" --config.check) || fail "config.check on a good file"
grep -q "top_processes: 3" <<<"$out" || fail "config.check did not show the config"
echo "ok: --config.check accepts a good file"
printf 'watch:\n  destinations: ["192.0.2.10:5432", "[2001:db8::/32]:443"]\n  processes: [java]\n  local_addresses: [10.8.0.0/24]\n' >"$TMP_DIR/watch_good.yml"
out=$("$EXPORTER" --config.file="$TMP_DIR/watch_good.yml" --config.check) || fail "config.check on a good watch list"
grep -qF "destinations: ['192.0.2.10:5432', '[2001:db8::/32]:443']" <<<"$out" || fail "config.check did not show the watched destinations: $out"
grep -qF "local_addresses: ['10.8.0.0/24']" <<<"$out" || fail "config.check did not show the watched local addresses: $out"
echo "ok: --config.check shows the watch lists"

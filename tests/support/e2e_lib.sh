# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers the end-to-end scripts share (sourced by tests/e2e_alerting/run.sh
# and tests/e2e_fleet/run.sh). The caller defines fail MESSAGE and TIMEOUT.

# Seconds since $1 (a `date +%s.%N` value), to one decimal.
elapsed() { python3 -c "import time,sys; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }

# holder_start COMMAND...: runs port_holder (COMMAND) as a coprocess; sets
# holder_pid, which the caller's cleanup stops.
holder_start() {
  coproc HOLDER { exec "$@"; }
  # shellcheck disable=SC2153 # HOLDER_PID is set by coproc
  holder_pid=$HOLDER_PID
  holder_in=${HOLDER[1]}
  holder_out=${HOLDER[0]}
  echo "started port_holder (pid $holder_pid)"
}

# send COMMAND: one command to port_holder; its reply line in $reply.
send() {
  echo "$1" >&"$holder_in" || fail "cannot write to port_holder"
  IFS= read -r -t "$TIMEOUT" reply <&"$holder_out" || fail "no reply from port_holder to '$1'"
  echo "port_holder: $1 -> $reply"
}

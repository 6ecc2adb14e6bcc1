# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers the Wine test scripts share (sourced by run_wine_tests.sh and
# service_msi_test.sh, which set WINE and WINEPREFIX).

# winrun SECONDS LOG EXE ARGS...: runs a Windows program, bounded.
winrun() {
  local seconds=$1 log=$2
  shift 2
  timeout "$seconds" "$WINE" "$@" </dev/null >"$log" 2>&1
}

# winpath PATH: the Linux path as Wine's Z: drive names it.
winpath() { echo "Z:${1//\//\\}"; }

# free_port LO HI: a TCP port on 127.0.0.1 in [LO, HI) that is free now.
free_port() {
  python3 - "$1" "$2" <<'PY'
import random, socket, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
for p in random.sample(range(lo, hi), hi - lo):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        pass
PY
}

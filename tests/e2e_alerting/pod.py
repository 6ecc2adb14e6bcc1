#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A pod's process for the alerting pipeline test.

Started inside a network namespace of its own (unshare -n), it narrows that
namespace's pool to two ports and waits (up to 120 s) for the file named on
its command line; then it connects to its own listener until connect()
fails for lack of a port (one failure). It waits (again up to 120 s) for
the second file, so that Prometheus has seen that failure's series, makes
three more failures, and holds its sockets until it is stopped.
usage: pod.py GO_FILE MORE_FILE
"""
import errno
import os
import socket
import subprocess
import sys
import time

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
with open("/proc/sys/net/ipv4/ip_local_port_range", "w", encoding="ascii") as f:
    f.write("40000 40001\n")
listener = socket.socket()
listener.bind(("127.0.0.1", 5001))
listener.listen(16)
print("pod: ready", flush=True)

def wait_for(path):
    deadline = time.monotonic() + 120
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.1)


def fail_connects(held, wanted):
    """Connects until `wanted` connects have failed with EADDRNOTAVAIL."""
    failures = 0
    for _ in range(10 + wanted):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", 5001))
            held.append(s)
        except OSError as e:
            s.close()
            if e.errno != errno.EADDRNOTAVAIL:
                raise
            failures += 1
            if failures == wanted:
                break
    return failures


held = []
wait_for(sys.argv[1])
first = fail_connects(held, 1)
print(f"pod: {len(held)} connected, first failure: {first}", flush=True)
wait_for(sys.argv[2])
more = fail_connects(held, 3)
print(f"pod: {more} more failed with EADDRNOTAVAIL", flush=True)
time.sleep(600)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A pod's process for the alerting pipeline test.

Started inside a network namespace of its own (unshare -n), it narrows that
namespace's pool to two ports and waits (up to 120 s) for the file named on
its command line; then it connects to its own listener until connect()
fails for lack of a port, makes the failures up to four, and holds its
sockets until it is stopped. usage: pod.py GO_FILE
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

deadline = time.monotonic() + 120
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.1)

held, failures = [], 0
for _ in range(10):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", 5001))
        held.append(s)
    except OSError as e:
        s.close()
        if e.errno != errno.EADDRNOTAVAIL:
            raise
        failures += 1
        if failures == 4:
            break
print(f"pod: {len(held)} connected, {failures} failed with EADDRNOTAVAIL",
      flush=True)
time.sleep(600)

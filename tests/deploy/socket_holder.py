# SPDX-License-Identifier: Apache-2.0
"""A root-owned process holding 6 ports of the ephemeral range for the
attribution checks: a listener on an ephemeral port and 5 loopback
connections to it. Prints "ready", then holds them for 120 s."""
import socket
import time

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
held = []
for _ in range(5):
    c = socket.create_connection(("127.0.0.1", srv.getsockname()[1]))
    a, _ = srv.accept()
    held += [c, a]
print("ready", flush=True)
time.sleep(120)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Holds N TCP connections on 127.0.0.1 for the Wine integration test.

hold_connections.py COUNT READY_FILE

Listens on a free port below the Windows dynamic range, connects COUNT
clients, each bound to a free port inside 49152-65535 (so the exporter
counts them), and writes "LISTEN_PORT CLIENT_PORT..." to READY_FILE. On
SIGTERM the clients close first (their ports go to TIME_WAIT), then it exits.
"""
import random
import signal
import socket
import sys
import time


def bind_free(sock, low, high):
    ports = list(range(low, high))
    random.shuffle(ports)
    for port in ports[:2000]:
        try:
            sock.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise SystemExit("no free port in %d-%d" % (low, high))


def main():
    count, ready_file = int(sys.argv[1]), sys.argv[2]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen_port = bind_free(listener, 20000, 30000)
    listener.listen(count + 8)
    clients, accepted, ports = [], [], []
    for _ in range(count):
        c = socket.socket()
        ports.append(bind_free(c, 50000, 65000))
        c.connect(("127.0.0.1", listen_port))
        clients.append(c)
        accepted.append(listener.accept()[0])

    def stop(*_):
        for c in clients:
            c.close()
        time.sleep(0.2)
        for a in accepted:
            a.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(ready_file + ".tmp", "w") as f:
        f.write(" ".join(str(p) for p in [listen_port] + ports) + "\n")
    import os
    os.rename(ready_file + ".tmp", ready_file)
    deadline = time.time() + 900
    while time.time() < deadline:
        time.sleep(0.5)
    stop()


if __name__ == "__main__":
    main()

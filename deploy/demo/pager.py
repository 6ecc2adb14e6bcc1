#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Pager stand-in for the demo: prints every notification Alertmanager posts.

usage: pager.py [HOST] [PORT]   (default 127.0.0.1 9095)
Each POST is printed as one line per alert (status, alertname, severity,
instance, summary) and appended as JSON to ./pager.log when writable.
GET / answers "ok" (readiness). Standard library only.
"""
import http.server
import json
import sys
import time


class Pager(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        stamp = time.strftime("%H:%M:%S")
        for alert in body.get("alerts", []) if isinstance(body, dict) else []:
            labels = alert.get("labels", {})
            print(f"[pager {stamp}] {alert.get('status', '?').upper():8} "
                  f"{labels.get('alertname', '?')} severity={labels.get('severity', '-')} "
                  f"instance={labels.get('instance', '-')}: "
                  f"{alert.get('annotations', {}).get('summary', '')}", flush=True)
        try:
            with open("pager.log", "a", encoding="utf-8") as log:
                log.write(json.dumps({"received": time.time(), "path": self.path,
                                      "body": body}) + "\n")
        except OSError:
            pass
        self.send_response(200)
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9095
    server = http.server.ThreadingHTTPServer((host, port), Pager)
    print(f"[pager] listening on http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

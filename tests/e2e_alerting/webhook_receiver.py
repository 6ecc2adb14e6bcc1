#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A local receiver for Alertmanager: an HTTP server that stores every POST
body it receives. POSTs to .../v2/enqueue are answered as PagerDuty's Events
API v2 does (202, {"status": "success", "dedup_key": ...}), so Alertmanager's
own pagerduty_configs integration can be pointed at it; others get 200.

Each request is written to OUT_DIR/NNNN.json as
  {"path": "/pager", "received": <unix time>, "body": <the posted JSON>}
(written to a temporary name first, then renamed, so readers never see a
partial file). GET / answers 200 "ok" for readiness checks.

Usage: webhook_receiver.py HOST PORT OUT_DIR
Standard library only.
"""
import http.server
import json
import os
import sys
import threading
import time


def make_handler(out_dir):
    counter = {"n": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            with lock:
                counter["n"] += 1
                n = counter["n"]
            record = {"path": self.path, "received": time.time(), "body": body}
            final = os.path.join(out_dir, "%04d.json" % n)
            tmp = final + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(record, f, indent=1)
            os.rename(tmp, final)
            alerts = body.get("alerts", []) if isinstance(body, dict) else []
            names = ",".join(sorted({a.get("labels", {}).get("alertname", "?") for a in alerts}))
            print("webhook: %s %s status=%s alerts=%s" % (
                os.path.basename(final), self.path,
                (body.get("status") or body.get("event_action")) if isinstance(body, dict) else "?",
                names), flush=True)
            if self.path.endswith("/v2/enqueue"):
                # As PagerDuty's Events API v2 answers an accepted event.
                reply = json.dumps({"status": "success", "message": "Event processed",
                                    "dedup_key": body.get("dedup_key", "")}).encode()
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                return
            self.send_response(200)
            self.end_headers()

        def log_message(self, fmt, *args):
            pass

    return Handler


def main():
    host, port, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(out_dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer((host, port), make_handler(out_dir))
    print("webhook: listening on %s:%d, writing to %s" % (host, port, out_dir), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Single-shot checks used by tests/e2e_alerting/run.sh. Each subcommand
looks once and exits 0 (yes) or 1 (not yet / no); run.sh does the bounded
polling. Standard library only.

  http-ok URL
      the URL answers 200
  prom-has PROM_URL QUERY
      the instant query returns at least one sample
  notification DIR PATH STATUS ALERTNAME SEVERITY INSTANCE [ANNOTATION...]
      a POST to PATH arrived whose alert ALERTNAME has the given status
      (firing|resolved), severity and instance, and non-empty annotations;
      prints that alert
  suppressed AM_URL ALERTNAME INSTANCE
      Alertmanager holds the alert and reports it inhibited
  query-all PROM_URL QUERIES_FILE
      evaluates every query of extract_queries.py output; each must parse and
      return data; prints one line per query and the failures
  pagerduty DIR ACTION ROUTING_KEY [DEDUP_KEY] [FIELD=SUBSTRING...]
      an Events API v2 event (POST .../v2/enqueue) arrived with that
      event_action (trigger|resolve) and routing_key (and dedup_key), whose
      FIELDs (dotted paths into the event, e.g. payload.summary) contain the
      SUBSTRINGs; prints the event and, last, its dedup_key
  summary DIR
      lists the notifications received so far
"""
import glob
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 10


def get(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        return r.status, r.read()


def http_ok(url):
    try:
        status, _ = get(url)
        return status == 200
    except (urllib.error.URLError, OSError):
        return False


def prom_query(prom, query):
    url = "%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": query}))
    try:
        _, body = get(url)
    except urllib.error.HTTPError as e:
        body = e.read()
    except (urllib.error.URLError, OSError) as e:
        return {"status": "error", "error": str(e)}
    try:
        return json.loads(body)
    except ValueError:
        return {"status": "error", "error": "not JSON: %r" % body[:200]}


def has_data(result):
    data = result.get("data", {})
    kind, value = data.get("resultType"), data.get("result")
    if kind in ("vector", "matrix"):
        return bool(value)
    return value is not None


def notifications(directory):
    out = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as f:
            out.append((os.path.basename(path), json.load(f)))
    return out


def cmd_notification(args):
    directory, path, status, alertname, severity, instance = args[:6]
    required = args[6:] or ["summary", "description", "runbook_url"]
    for name, rec in notifications(directory):
        if rec["path"] != path:
            continue
        for alert in rec["body"].get("alerts", []):
            labels, ann = alert.get("labels", {}), alert.get("annotations", {})
            if (labels.get("alertname") == alertname and alert.get("status") == status
                    and labels.get("severity") == severity
                    and labels.get("instance") == instance):
                missing = [a for a in required if not ann.get(a)]
                if missing:
                    print("notification %s lacks annotations %s" % (name, missing))
                    return 1
                print("notification %s (POST %s, group status %s):" % (
                    name, path, rec["body"].get("status")))
                print("  labels:      " + json.dumps(labels, sort_keys=True))
                for a in sorted(ann):
                    print("  %-12s %s" % (a + ":", ann[a]))
                return 0
    return 1


def cmd_suppressed(args):
    am, alertname, instance = args
    url = "%s/api/v2/alerts?%s" % (am, urllib.parse.urlencode(
        [("filter", 'alertname="%s"' % alertname), ("filter", 'instance="%s"' % instance),
         ("inhibited", "true"), ("silenced", "true"), ("active", "true")]))
    try:
        _, body = get(url)
    except (urllib.error.URLError, OSError):
        return 1
    alerts = json.loads(body)
    for a in alerts:
        st = a.get("status", {})
        if st.get("state") == "suppressed" and st.get("inhibitedBy"):
            print("%s on %s is suppressed, inhibited by %d alert(s)" % (
                alertname, instance, len(st["inhibitedBy"])))
            return 0
    return 1


def cmd_query_all(args):
    prom, queries_file = args
    failures, total = [], 0
    with open(queries_file, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            dash, pid, title, ref, expr = line.split("\t", 4)
            total += 1
            res = prom_query(prom, expr)
            where = "%s panel %s %r %s" % (dash, pid, title, ref)
            if res.get("status") != "success":
                failures.append("%s: error: %s\n      %s" % (where, res.get("error"), expr))
                print("FAIL  %s (query error)" % where)
            elif not has_data(res):
                failures.append("%s: no data\n      %s" % (where, expr))
                print("FAIL  %s (no data)" % where)
            else:
                n = res["data"]["result"]
                print("ok    %s (%s)" % (where, "%d series" % len(n) if isinstance(n, list) else "scalar"))
    print("%d of %d dashboard queries returned data" % (total - len(failures), total))
    for f_ in failures:
        print("FAIL: " + f_)
    return 1 if failures or total == 0 else 0


def field(event, dotted):
    value = event
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def cmd_pagerduty(args):
    directory, action, key = args[:3]
    rest = args[3:]
    dedup = rest.pop(0) if rest and "=" not in rest[0] else None
    wanted = [r.split("=", 1) for r in rest]
    for name, rec in notifications(directory):
        event = rec["body"]
        if not rec["path"].endswith("/v2/enqueue") or event.get("event_action") != action:
            continue
        if event.get("routing_key") != key or not event.get("dedup_key"):
            continue
        if dedup and event["dedup_key"] != dedup:
            continue
        if all(sub in str(field(event, path) or "") for path, sub in wanted):
            print("event %s (POST %s):" % (name, rec["path"]))
            print(json.dumps(event, indent=1, sort_keys=True))
            print(event["dedup_key"])
            return 0
    return 1


def cmd_summary(args):
    for name, rec in notifications(args[0]):
        body = rec["body"]
        if "event_action" in body:
            print("  %s POST %-12s %-8s %s (dedup_key %s)" % (
                name, rec["path"], body["event_action"],
                (body.get("payload") or {}).get("summary", ""), body.get("dedup_key")))
            continue
        alerts = ["%s/%s/%s" % (a.get("labels", {}).get("alertname"),
                                a.get("labels", {}).get("severity"), a.get("status"))
                  for a in body.get("alerts", [])]
        print("  %s POST %-12s %-8s %s" % (name, rec["path"], body.get("status"), " ".join(alerts)))
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "http-ok":
        return 0 if http_ok(args[0]) else 1
    if cmd == "prom-has":
        res = prom_query(args[0], args[1])
        return 0 if res.get("status") == "success" and has_data(res) else 1
    if cmd == "notification":
        return cmd_notification(args)
    if cmd == "suppressed":
        return cmd_suppressed(args)
    if cmd == "query-all":
        return cmd_query_all(args)
    if cmd == "pagerduty":
        return cmd_pagerduty(args)
    if cmd == "summary":
        return cmd_summary(args)
    print("unknown subcommand %r" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())

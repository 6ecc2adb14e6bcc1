#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Single-shot checks of tests/e2e_fleet/run.sh against the central store
(VictoriaMetrics' or Prometheus' query API). Each looks once and exits 0
(yes) or 1 (not yet / no); run.sh does the bounded polling.

  http-ok URL
  count URL QUERY OP N
      the instant query returns a number of series that is OP (eq|ge) N
  value URL QUERY OP X
      the query returns at least one series and every value is OP (ge|lt) X
  names URL ALLOWED_REGEX
      every metric name the store holds matches ALLOWED_REGEX (prints them)
  dashboard URL REPO HOSTS FILLING_HOST
      every query of dashboards/ephemeral-ports-fleet.json, once with
      instance=.+ and once per host of the comma-separated HOSTS, returns
      data; for hosts other than FILLING_HOST the queries that only have
      data while a host fills up or alerts (hours to exhaustion, ALERTS)
      may be empty
  notification DIR PATH STATUS ALERTNAME LABEL=VALUE...
      a POST to PATH arrived with that alert in that status and labels
Standard library only.
"""
import glob
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 10
ONLY_WHILE_FILLING = re.compile(r"hours_to_exhaustion|ALERTS")


def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            return json.loads(e.read())
        except ValueError:
            return {"status": "error", "error": "HTTP %d" % e.code}
    except (urllib.error.URLError, OSError, ValueError) as e:
        return {"status": "error", "error": str(e)}


def query(base, expr):
    return get_json("%s/api/v1/query?%s" % (base, urllib.parse.urlencode({"query": expr})))


def series(res):
    data = res.get("data", {})
    if data.get("resultType") == "vector":
        return data["result"]
    if data.get("resultType") == "scalar":
        return [{"metric": {}, "value": data["result"]}]
    return []


def cmd_count(base, expr, op, n):
    got = len(series(query(base, expr)))
    return 0 if (got == int(n) if op == "eq" else got >= int(n)) else 1


def cmd_value(base, expr, op, x):
    s = series(query(base, expr))
    vals = [float(r["value"][1]) for r in s]
    good = bool(vals) and all(v >= float(x) if op == "ge" else v < float(x) for v in vals)
    return 0 if good else 1


def cmd_names(base, allowed):
    res = get_json(base + "/api/v1/label/__name__/values")
    if res.get("status") != "success":
        print("names: %s" % res.get("error"))
        return 1
    names = sorted(res["data"])
    bad = [n for n in names if not re.fullmatch(allowed, n)]
    print("%d metric names: %s" % (len(names), " ".join(names)))
    for n in bad:
        print("FAIL: not a forwarded or fleet series: %s" % n)
    return 1 if bad or not names else 0


def cmd_dashboard(base, repo, hosts, filling):
    extract = os.path.join(repo, "tests/dashboards/extract_queries.py")
    board = os.path.join(repo, "dashboards/ephemeral-ports-fleet.json")
    failures, total = [], 0
    for host in [None] + hosts.split(","):
        args = [sys.executable, extract, "--var", "job=ephemeral_port"]
        if host:
            args += ["--var", "instance=" + host]
        lines = subprocess.run(args + [board], check=True, capture_output=True,
                               text=True).stdout.splitlines()
        empty_ok, before = [], len(failures)
        for line in lines:
            _, pid, title, ref, expr = line.split("\t", 4)
            if host is None and pid == "var" and ref == "instance":
                got = {r["metric"].get("instance") for r in series(query(base, expr))}
                if got != set(hosts.split(",")):
                    failures.append("$instance lists %s, not the three hosts" % sorted(got))
            total += 1
            res = query(base, expr)
            where = "panel %s %r %s (instance=%s)" % (pid, title, ref, host or ".+")
            if res.get("status") != "success":
                failures.append("%s: error %s: %s" % (where, res.get("error"), expr))
            elif not series(res):
                if host and host != filling and ONLY_WHILE_FILLING.search(expr):
                    empty_ok.append(pid + ref)
                else:
                    failures.append("%s: no data: %s" % (where, expr))
        bad = len(failures) - before
        print("instance=%-12s %d queries, %d returned data%s" % (
            host or ".+", len(lines), len(lines) - len(empty_ok) - bad,
            "; empty as expected (host not filling up): " + " ".join(empty_ok) if empty_ok else ""))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures or total == 0 else 0


def cmd_notification(directory, path, status, alertname, pairs):
    want = dict(p.split("=", 1) for p in pairs)
    for f in sorted(glob.glob(os.path.join(directory, "*.json"))):
        rec = json.load(open(f, encoding="utf-8"))
        if rec["path"] != path:
            continue
        for a in rec["body"].get("alerts", []):
            labels = a.get("labels", {})
            if (labels.get("alertname") == alertname and a.get("status") == status
                    and all(labels.get(k) == v for k, v in want.items())):
                print("%s %s %s %s" % (os.path.basename(f), path, status, json.dumps(labels, sort_keys=True)))
                return 0
    return 1


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "http-ok":
        try:
            with urllib.request.urlopen(a[0], timeout=TIMEOUT) as r:
                return 0 if r.status == 200 else 1
        except (urllib.error.URLError, OSError):
            return 1
    if cmd == "count":
        return cmd_count(*a)
    if cmd == "value":
        return cmd_value(*a)
    if cmd == "names":
        return cmd_names(*a)
    if cmd == "dashboard":
        return cmd_dashboard(*a)
    if cmd == "notification":
        return cmd_notification(a[0], a[1], a[2], a[3], a[4:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

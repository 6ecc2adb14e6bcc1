#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints every PromQL query of the Grafana dashboards in DIR, one per line,
with template variables replaced by values a plain Prometheus accepts.

Output: tab-separated  FILE  PANEL-ID  PANEL-TITLE  REF  QUERY
  PANEL-ID is "var" for template variable queries and "annotation" for
  annotation queries; label_values(m, l) becomes count by (l) (m).

Substitutions (override with --var NAME=VALUE, repeatable):
  $__rate_interval -> 1m, $__interval -> 30s, $__range -> 1h,
  $__range_s -> 3600, $__range_ms -> 3600000,
  any dashboard variable -> .+ (the dashboards match variables with =~)

Usage: extract_queries.py [--var NAME=VALUE ...] DIR_OR_FILE... > queries.txt
Standard library only.
"""
import argparse
import glob
import json
import os
import re
import sys

BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "30s",
    "__interval_ms": "30000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
DEFAULT_VALUE = ".+"
VAR_RE = re.compile(r"\$\{([A-Za-z0-9_.]+)(?::[^}]*)?\}|\[\[([A-Za-z0-9_.]+)(?::[^\]]*)?\]\]"
                    r"|\$([A-Za-z0-9_]+)")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


def substitute(text, values):
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        return DEFAULT_VALUE
    return VAR_RE.sub(repl, text)


def one_line(expr):
    return " ".join(expr.split())


def all_panels(panels):
    for p in panels:
        yield p
        for inner in p.get("panels", []) or []:
            yield inner


def variable_query(var):
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    if not q:
        q = var.get("definition", "")
    m = LABEL_VALUES_RE.match(q or "")
    if m:
        return "count by (%s) (%s)" % (m.group(2), m.group(1).strip())
    if q and q.startswith("query_result("):
        return q[len("query_result("):-1]
    return None


def queries_of(dashboard):
    """Yields (panel id, title, ref, raw expr) in dashboard order."""
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            q = variable_query(var)
            if q:
                yield "var", "$" + var["name"], var["name"], q
    for ann in dashboard.get("annotations", {}).get("list", []):
        if ann.get("expr"):
            yield "annotation", ann.get("name", ""), "ann", ann["expr"]
    for p in all_panels(dashboard.get("panels", [])):
        for t in p.get("targets", []) or []:
            if t.get("expr"):
                yield p.get("id"), p.get("title", ""), t.get("refId", ""), t["expr"]


def dashboard_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(sorted(glob.glob(os.path.join(path, "*.json"))))
        else:
            files.append(path)
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    values = {}
    for v in args.var:
        name, _, value = v.partition("=")
        values[name.lstrip("$")] = value
    count = 0
    for path in dashboard_files(args.paths):
        with open(path, encoding="utf-8") as f:
            dashboard = json.load(f)
        for pid, title, ref, expr in queries_of(dashboard):
            title = one_line(title).replace("\t", " ")
            print("\t".join([os.path.basename(path), str(pid), title, ref,
                             one_line(substitute(expr, values))]))
            count += 1
    if count == 0:
        print("extract_queries.py: no queries found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

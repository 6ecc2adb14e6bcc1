#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that the Grafana dashboards in DIR have the structure Grafana
imports and follow the project's conventions. Standard library only.

Per dashboard:
  - valid JSON with uid, title, panels, templating.list and schemaVersion;
    uid and title unique across the directory
  - panel ids unique (rows' nested panels included); every panel has a
    gridPos inside the 24-column grid; no two panels overlap
  - a template variable "datasource" of type datasource (query prometheus);
    every panel, target, query variable and annotation query uses
    ${datasource}; no other data source UID appears anywhere
  - every $variable used in a query, title, description, link or text is
    defined (template variables may only use variables defined before them)
  - label matchers on variables use =~ (so "All" and multi-select work)
  - every panel except rows and text has a description
  - panels that show a ratio use the percentunit unit and thresholds with
    steps at 0.8 and 0.95
  - every ephemeral_port_* metric exists in exporter/metrics/report_families.cc
    and every recorded series (name with ':') is recorded by
    deploy/prometheus/ephemeral-port-rules.yml

Usage: check_dashboards.py REPO_ROOT DASHBOARD_DIR
Exit status 1 and a FAIL line per problem when anything is wrong.
"""
import glob
import json
import os
import re
import sys

GRID_COLUMNS = 24
ALLOWED_DS = ({"type": "prometheus", "uid": "${datasource}"}, "${datasource}")
GRAFANA_BUILTIN_DS = {"type": "grafana", "uid": "-- Grafana --"}
PANEL_TYPES = {"row", "text", "stat", "gauge", "bargauge", "timeseries", "table"}
VAR_RE = re.compile(r"\$\{([A-Za-z0-9_.]+)(?::[^}]*)?\}|\[\[([A-Za-z0-9_.]+)(?::[^\]]*)?\]\]"
                    r"|\$([A-Za-z_][A-Za-z0-9_]*)")
EQUALITY_ON_VAR_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(!=|=)(?![~=])\s*"[^"]*\$')
RATIO_TOKEN_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*_ratio(?::[A-Za-z0-9_]+)?\b")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def all_panels(panels):
    for p in panels:
        yield p
        for inner in p.get("panels", []) or []:
            yield inner


def var_refs(text):
    names = set()
    for m in VAR_RE.finditer(text or ""):
        names.add(m.group(1) or m.group(2) or m.group(3))
    return names


def is_builtin(name):
    return name.startswith("__")


def known_metrics(root):
    paths = glob.glob(os.path.join(root, "exporter/metrics/*_families.cc"))
    if not paths:
        return None
    return {lit if lit.startswith("ephemeral_port_") else "ephemeral_port_" + lit
            for path in paths
            for lit in re.findall(r'"([a-z][a-z0-9_]*)"', read(path))}


def recorded_series(root):
    path = os.path.join(root, "deploy/prometheus/ephemeral-port-rules.yml")
    if not os.path.exists(path):
        return None
    return set(re.findall(r"^\s*- record:\s*(\S+)", read(path), re.M))


def variable_query_text(var):
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    return " ".join([q or "", var.get("definition", "") or ""])


def steps_values(thresholds):
    return [s.get("value") for s in (thresholds or {}).get("steps", [])]


class Checker:
    def __init__(self, root):
        self.root = root
        self.errors = []
        self.metrics = known_metrics(root)
        self.records = recorded_series(root)
        self.seen_uids = {}
        self.seen_titles = {}
        self.stats = {"dashboards": 0, "panels": 0, "queries": 0}

    def fail(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    def check_file(self, path):
        name = os.path.basename(path)
        try:
            d = json.loads(read(path))
        except (ValueError, OSError) as e:
            self.fail(name, "not valid JSON: %s" % e)
            return
        self.stats["dashboards"] += 1
        for key in ("uid", "title", "panels", "templating", "schemaVersion"):
            if key not in d:
                self.fail(name, "missing top-level key %r" % key)
        if "__inputs" in d:
            self.fail(name, "has __inputs (an export for sharing with data source "
                      "placeholders); use the ${datasource} variable instead")
        for key, seen in (("uid", self.seen_uids), ("title", self.seen_titles)):
            value = d.get(key)
            if value in seen:
                self.fail(name, "%s %r also used by %s" % (key, value, seen[value]))
            seen[value] = name
        if d.get("id") not in (None,):
            self.fail(name, "id must be null so that Grafana assigns one on import")

        variables = self.check_variables(name, d)
        self.check_panels(name, d, variables)
        self.check_annotations(name, d, variables)
        self.check_datasource_uids(name, d)

    # ------------------------------------------------------------ variables
    def check_variables(self, name, d):
        defined = []
        lst = d.get("templating", {}).get("list", [])
        ds_vars = [v for v in lst if v.get("type") == "datasource"]
        if not any(v.get("name") == "datasource" and v.get("query") == "prometheus"
                   for v in ds_vars):
            self.fail(name, 'no template variable "datasource" of type datasource '
                      'with query "prometheus"')
        for v in lst:
            vname = v.get("name")
            where = "%s: variable $%s" % (name, vname)
            if not vname:
                self.fail(name, "a template variable has no name")
                continue
            if vname in defined:
                self.fail(where, "defined twice")
            if v.get("type") == "query":
                if v.get("datasource") not in ALLOWED_DS:
                    self.fail(where, "datasource must be ${datasource}, got %r"
                              % (v.get("datasource"),))
                text = variable_query_text(v)
                for ref in var_refs(text):
                    if is_builtin(ref):
                        continue
                    if ref == vname:
                        self.fail(where, "query refers to itself")
                    elif ref not in defined:
                        self.fail(where, "query uses $%s, which is not defined before it"
                                  % ref)
                self.check_matchers(where, text)
            defined.append(vname)
        for required in ("job", "instance"):
            if required not in defined:
                self.fail(name, "no $%s template variable" % required)
        return set(defined)

    def check_refs(self, where, text, variables):
        for ref in var_refs(text):
            if not is_builtin(ref) and ref not in variables:
                self.fail(where, "uses $%s, which is not a template variable" % ref)

    def check_matchers(self, where, expr):
        for m in EQUALITY_ON_VAR_RE.finditer(expr):
            self.fail(where, 'label %s uses %s with a variable; use =~ so that '
                      '"All" and multi-value selections work' % (m.group(1), m.group(2)))

    def check_metric_names(self, where, expr):
        for tok in set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", expr)):
            if "ephemeral_port_" not in tok:
                continue
            if ":" in tok:
                if self.records is not None and tok not in self.records:
                    self.fail(where, "uses %s, which the rules file does not record" % tok)
            elif self.metrics is not None and tok not in self.metrics:
                self.fail(where, "uses %s, which the exporter does not define" % tok)

    # ------------------------------------------------------------ panels
    def check_panels(self, name, d, variables):
        ids = {}
        boxes = []
        for p in all_panels(d.get("panels", [])):
            self.stats["panels"] += 1
            title = p.get("title", "")
            where = "%s: panel %r" % (name, title)
            pid = p.get("id")
            if not isinstance(pid, int):
                self.fail(where, "id %r is not an integer" % (pid,))
            elif pid in ids:
                self.fail(where, "id %d also used by panel %r" % (pid, ids[pid]))
            else:
                ids[pid] = title
            ptype = p.get("type")
            if ptype not in PANEL_TYPES:
                self.fail(where, "unexpected panel type %r" % ptype)
            self.check_grid(where, p, boxes)
            for field in ("title", "description"):
                self.check_refs(where + " " + field, p.get(field, ""), variables)
            if ptype == "text":
                self.check_refs(where + " content", p.get("options", {}).get("content", ""),
                                variables)
                continue
            if ptype == "row":
                continue
            if not (p.get("description") or "").strip():
                self.fail(where, "has no description saying what the number means")
            if p.get("datasource") not in ALLOWED_DS:
                self.fail(where, "datasource must be ${datasource}, got %r"
                          % (p.get("datasource"),))
            targets = p.get("targets") or []
            if not targets:
                self.fail(where, "has no queries")
            refs = set()
            for t in targets:
                ref = t.get("refId")
                twhere = "%s query %s" % (where, ref)
                if not ref or ref in refs:
                    self.fail(twhere, "refId missing or repeated")
                refs.add(ref)
                if "datasource" in t and t["datasource"] not in ALLOWED_DS:
                    self.fail(twhere, "datasource must be ${datasource}")
                expr = t.get("expr", "")
                if not expr.strip():
                    self.fail(twhere, "empty expression")
                    continue
                self.stats["queries"] += 1
                self.check_refs(twhere, expr, variables)
                self.check_refs(twhere + " legend", t.get("legendFormat", ""), variables)
                self.check_matchers(twhere, expr)
                self.check_metric_names(twhere, expr)
            self.check_links(where, p, variables)
            self.check_ratio_units(where, p, targets)

    def check_grid(self, where, p, boxes):
        g = p.get("gridPos")
        if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in "hwxy"):
            self.fail(where, "gridPos needs integer h, w, x, y; got %r" % (g,))
            return
        if g["w"] <= 0 or g["h"] <= 0 or g["x"] < 0 or g["y"] < 0:
            self.fail(where, "gridPos has a non-positive size or negative position")
        if g["x"] + g["w"] > GRID_COLUMNS:
            self.fail(where, "gridPos x+w = %d exceeds %d columns" % (g["x"] + g["w"],
                                                                       GRID_COLUMNS))
        for other_where, o in boxes:
            if (g["x"] < o["x"] + o["w"] and o["x"] < g["x"] + g["w"] and
                    g["y"] < o["y"] + o["h"] and o["y"] < g["y"] + g["h"]):
                self.fail(where, "gridPos %r overlaps %s %r" % (g, other_where, o))
        boxes.append((where, g))

    def check_links(self, where, p, variables):
        texts = []
        for o in p.get("fieldConfig", {}).get("overrides", []):
            for prop in o.get("properties", []):
                if prop.get("id") == "links":
                    texts.extend(l.get("url", "") for l in prop.get("value", []))
        for l in p.get("links", []) or []:
            texts.append(l.get("url", ""))
        for t in texts:
            self.check_refs(where + " link", t, variables)

    def check_ratio_units(self, where, p, targets):
        shows_ratio = any(RATIO_TOKEN_RE.search(t.get("expr", "")) and
                          not t.get("expr", "").lstrip().startswith("count(")
                          for t in targets)
        if not shows_ratio:
            return
        fc = p.get("fieldConfig", {})
        if p.get("type") == "table":
            # Columns: a ratio column is a percentunit override with thresholds.
            ratio_cols = []
            for o in fc.get("overrides", []):
                props = {x.get("id"): x.get("value") for x in o.get("properties", [])}
                if props.get("unit") == "percentunit":
                    ratio_cols.append(o)
                    vals = steps_values(props.get("thresholds"))
                    if 0.8 not in vals or 0.95 not in vals:
                        self.fail(where, "ratio column %r needs thresholds at 0.8 and 0.95"
                                  % o.get("matcher", {}).get("options"))
            if not ratio_cols:
                self.fail(where, "shows a ratio but no column uses percentunit")
            return
        defaults = fc.get("defaults", {})
        if defaults.get("unit") != "percentunit":
            self.fail(where, "shows a ratio; unit should be percentunit, got %r"
                      % defaults.get("unit"))
        vals = steps_values(defaults.get("thresholds"))
        if 0.8 not in vals or 0.95 not in vals:
            self.fail(where, "shows a ratio; thresholds need steps at 0.8 and 0.95, got %r"
                      % vals)
        colors = [s.get("color") for s in defaults.get("thresholds", {}).get("steps", [])]
        if len(set(colors)) != len(colors):
            self.fail(where, "threshold steps should have distinct colours, got %r" % colors)

    # ------------------------------------------------------------ the rest
    def check_annotations(self, name, d, variables):
        for a in d.get("annotations", {}).get("list", []):
            where = "%s: annotation %r" % (name, a.get("name"))
            if a.get("builtIn"):
                if a.get("datasource") not in (GRAFANA_BUILTIN_DS, None):
                    self.fail(where, "built-in annotation with unexpected datasource")
                continue
            if a.get("datasource") not in ALLOWED_DS:
                self.fail(where, "datasource must be ${datasource}")
            expr = a.get("expr", "")
            self.check_refs(where, expr, variables)
            self.check_matchers(where, expr)
            self.check_metric_names(where, expr)

    def check_datasource_uids(self, name, d):
        def walk(node, path):
            if isinstance(node, dict):
                ds = node.get("datasource")
                if isinstance(ds, dict) and ds not in ALLOWED_DS and ds != GRAFANA_BUILTIN_DS:
                    self.fail(name, "hard-coded data source %r at %s" % (ds, path))
                if isinstance(ds, str) and ds not in ALLOWED_DS:
                    self.fail(name, "hard-coded data source %r at %s" % (ds, path))
                for k, v in node.items():
                    walk(v, path + "." + k)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, "%s[%d]" % (path, i))
        walk(d, "$")
        if re.search(r"\$\{DS_[A-Z0-9_]+\}", json.dumps(d)):
            self.fail(name, "contains a ${DS_...} export placeholder")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    root, directory = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(directory, "*.json")))
    checker = Checker(root)
    if not files:
        checker.fail(directory, "no dashboard JSON files")
    for path in files:
        checker.check_file(path)
    s = checker.stats
    print("checked %d dashboards, %d panels, %d panel queries" %
          (s["dashboards"], s["panels"], s["queries"]))
    if checker.metrics is None:
        print("note: exporter/metrics/report_families.cc not found; metric names not checked")
    for e in checker.errors:
        print("FAIL: " + e)
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main())

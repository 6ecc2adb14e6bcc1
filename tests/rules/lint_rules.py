#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-checks the alert rules against their tests, the runbook and the
exporter's metric names. Standard library only (no YAML parser needed: the
rules and tests are read with a few line patterns).

Checks:
  1. every (alert, severity) has a unit test where it fires and one where it
     is expected to stay quiet;
  2. every alert of every shipped rule file (set_runbook_base.RULE_FILES)
     has a runbook_url DEFAULT_BASE#<alert name in lower case>, and that
     anchor is a heading of docs/runbook.md and, with --html FILE, an id of
     the rendered runbook the exporter serves at /runbook;
  3. every ephemeral_port_* name in an expression is a metric the exporter
     defines (exporter/metrics/report_families.cc) or a recorded series of
     the rules file.

Usage: lint_rules.py REPO_ROOT [--html RUNBOOK_HTML]
"""
import glob
import os
import re
import sys



def load_runbook_settings(root):
    """(DEFAULT_BASE + '#', RULE_FILES) of deploy/prometheus/set_runbook_base.py,
    the one place the base is set."""
    sys.path.insert(0, os.path.join(root, "deploy", "prometheus"))
    import set_runbook_base
    return set_runbook_base.DEFAULT_BASE + "#", set_runbook_base.RULE_FILES


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse_rules(text):
    """Returns (alerts, records, exprs): alerts as dicts with name, severity,
    runbook_url; records as a set; exprs as a list of expression texts."""
    alerts, records, exprs = [], set(), []
    current = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*- (alert|record):\s*(\S+)", line)
        if m:
            if m.group(1) == "alert":
                current = {"name": m.group(2), "severity": None,
                           "runbook_url": None, "line": i + 1}
                alerts.append(current)
            else:
                records.add(m.group(2))
                current = None
        m = re.match(r"(\s*)expr:\s*(.*)$", line)
        if m:
            indent, rest = len(m.group(1)), m.group(2)
            if rest in ("|", ">", "|-", ">-"):
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or
                                          len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i])
                    i += 1
                exprs.append("\n".join(block))
                continue
            exprs.append(rest)
        if current is not None:
            m = re.match(r"\s*severity:\s*(\S+)", line)
            if m:
                current["severity"] = m.group(1)
            m = re.match(r"\s*runbook_url:\s*(['\"]?)(.*)\1\s*$", line)
            if m:
                current["runbook_url"] = m.group(2)
        i += 1
    return alerts, records, exprs


def parse_tests(paths):
    """Returns (fired, quiet): sets of (alertname, severity) / alertname."""
    fired, quiet = set(), set()
    for path in paths:
        alertname = None
        for line in read(path).splitlines():
            m = re.match(r"\s*alertname:\s*(\S+)", line)
            if m:
                alertname = m.group(1)
                continue
            if alertname and re.match(r"\s*exp_alerts:\s*\[\]", line):
                quiet.add(alertname)
            m = re.match(r"\s*severity:\s*'?([a-z]+)'?", line)
            if alertname and m:
                fired.add((alertname, m.group(1)))
    return fired, quiet


def github_anchor(heading):
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def exporter_metric_names(root):
    """Every snake_case string literal of exporter/metrics/*_families.cc,
    prefixed unless it already is.
    Loose on purpose: it only has to contain the real names."""
    paths = glob.glob(os.path.join(root, "exporter/metrics/*_families.cc"))
    if not paths:
        return None
    names = set()
    for path in paths:
        for lit in re.findall(r'"([a-z][a-z0-9_]*)"', read(path)):
            names.add(lit if lit.startswith("ephemeral_port_")
                      else "ephemeral_port_" + lit)
    return names


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    rules_path = os.path.join(root, "deploy/prometheus/ephemeral-port-rules.yml")
    test_paths = sorted(glob.glob(os.path.join(root, "tests/rules/*_test.yml")))
    runbook_path = os.path.join(root, "docs/runbook.md")
    errors = []

    alerts, records, exprs = parse_rules(read(rules_path))
    fired, quiet = parse_tests(test_paths)
    print("rules: %d alert rules (%d alert names), %d recording rules; %d test files"
          % (len(alerts), len({a["name"] for a in alerts}), len(records), len(test_paths)))

    # 1. tests
    for a in alerts:
        key = (a["name"], a["severity"])
        if a["severity"] not in ("critical", "warning"):
            errors.append("%s (line %d): severity must be critical or warning, got %s"
                          % (a["name"], a["line"], a["severity"]))
        if key not in fired:
            errors.append("%s severity=%s: no unit test expects it to fire" % key)
        if a["name"] not in quiet:
            errors.append("%s: no unit test expects it to stay quiet" % a["name"])
        if not a["name"].startswith("EphemeralPort"):
            errors.append("%s: alert names must start with EphemeralPort" % a["name"])
    print("tests: every alert fires in a test and stays quiet in a test"
          if not errors else "tests: coverage problems found")

    # 2. runbook
    runbook_base, rule_files = load_runbook_settings(root)
    headings = set()
    in_code = False
    for line in read(runbook_path).splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = re.match(r"#{1,6}\s+(.*)$", line)
        if m and not in_code:
            headings.add(github_anchor(m.group(1)))
    html_ids = None
    if "--html" in sys.argv:
        html_path = sys.argv[sys.argv.index("--html") + 1]
        html_ids = set(re.findall(r'<h[1-6] id="([^"]+)"', read(html_path)))
    shipped = []
    for name in rule_files:
        file_alerts = parse_rules(read(os.path.join(root, name)))[0]
        shipped += [dict(a, file=name) for a in file_alerts]
    for a in shipped:
        url = a["runbook_url"] or ""
        where = "%s:%d %s" % (a["file"], a["line"], a["name"])
        if not url.startswith(runbook_base):
            errors.append("%s: runbook_url %r does not start with %s"
                          % (where, url, runbook_base))
            continue
        anchor = url[len(runbook_base):]
        if anchor not in headings:
            errors.append("%s: runbook anchor #%s is not a heading of docs/runbook.md"
                          % (where, anchor))
        if html_ids is not None and anchor not in html_ids:
            errors.append("%s: runbook anchor #%s is not an id of the rendered runbook"
                          % (where, anchor))
        if anchor != a["name"].lower():
            errors.append("%s: runbook anchor #%s should be #%s"
                          % (where, anchor, a["name"].lower()))
    print("runbook: checked %d runbook_url anchors of %d rule files against %d "
          "headings%s" % (len(shipped), len(rule_files), len(headings),
                          "" if html_ids is None else
                          " and %d ids of the rendered runbook" % len(html_ids)))

    # 3. metric names
    known = exporter_metric_names(root)
    used = set()
    for e in exprs:
        for tok in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
            if "ephemeral_port_" in tok:
                used.add(tok)
    for tok in sorted(used):
        if ":" in tok:
            if tok not in records:
                errors.append("expression uses %s, which no rule records" % tok)
        elif known is not None and tok not in known:
            errors.append("expression uses %s, which exporter/metrics/report_families.cc "
                          "does not define" % tok)
    if known is None:
        print("metrics: SKIPPED name check (exporter/metrics/report_families.cc not found)")
    else:
        print("metrics: %d exporter metric names used, all defined by the exporter"
              % len([u for u in used if ":" not in u]))

    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Cross-checks the alert rules against their tests, the runbook and the
exporter's metric names. Standard library only (no YAML parser needed: the
rules and tests are read with a few line patterns).

Checks:
  1. every (alert, severity) has a unit test where it fires and one where it
     is expected to stay quiet;
  2. every alert's runbook_url points at docs/runbook.md#<anchor> and that
     anchor is a heading of docs/runbook.md;
  3. every ephemeral_port_* name in an expression is a metric the exporter
     defines (exporter/metrics/report_families.cc) or a recorded series of
     the rules file.

Usage: lint_rules.py REPO_ROOT
"""
import glob
import os
import re
import sys

RUNBOOK_BASE = ("https://github.com/ephemeral-port-exporter/"
                "ephemeral-port-exporter/blob/main/docs/runbook.md#")


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
            m = re.match(r"\s*runbook_url:\s*(\S+)", line)
            if m:
                current["runbook_url"] = m.group(1)
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
    """Every snake_case string literal of report_families.cc, prefixed.
    Loose on purpose: it only has to contain the real names."""
    path = os.path.join(root, "exporter/metrics/report_families.cc")
    if not os.path.exists(path):
        return None
    names = set()
    for lit in re.findall(r'"([a-z][a-z0-9_]*)"', read(path)):
        names.add("ephemeral_port_" + lit)
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
    headings = set()
    for line in read(runbook_path).splitlines():
        m = re.match(r"#{1,6}\s+(.*)$", line)
        if m:
            headings.add(github_anchor(m.group(1)))
    for a in alerts:
        url = a["runbook_url"] or ""
        if not url.startswith(RUNBOOK_BASE):
            errors.append("%s: runbook_url %r does not start with %s"
                          % (a["name"], url, RUNBOOK_BASE))
            continue
        anchor = url[len(RUNBOOK_BASE):]
        if anchor not in headings:
            errors.append("%s: runbook anchor #%s is not a heading of docs/runbook.md"
                          % (a["name"], anchor))
        if anchor != a["name"].lower():
            errors.append("%s: runbook anchor #%s should be #%s"
                          % (a["name"], anchor, a["name"].lower()))
    print("runbook: checked %d runbook_url anchors against %d headings"
          % (len(alerts), len(headings)))

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

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sets where the runbook_url of every shipped alert rule points.

Every alert's runbook_url is BASE#<alert name in lower case>. The shipped
BASE is the /runbook page of the exporter that the alert is about
(DEFAULT_BASE, a Prometheus template expanded when the alert fires). To link
to a copy of docs/runbook.md you host yourself, or to exporters that serve
HTTPS, run this script once with your base; it rewrites the rule files below
and regenerates deploy/kubernetes/prometheusrule.yaml and the dashboards
(their runbook links use the same base, with $instance for the alert's
instance).

usage:
  set_runbook_base.py BASE      rewrite the rule files to use BASE
  set_runbook_base.py --show    print the base each rule file uses now

examples:
  set_runbook_base.py 'https://{{ $labels.instance }}/runbook'
  set_runbook_base.py https://wiki.example.com/ops/ephemeral-port-runbook.html
"""
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
DEFAULT_BASE = "http://{{ $labels.instance }}/runbook"
RULE_FILES = [
    "deploy/prometheus/ephemeral-port-rules.yml",
    "deploy/fleet/agent-site-rules.yml",
    "deploy/fleet/fleet-rules.yml",
]
LINE = re.compile(r"^(\s*runbook_url:\s*)(['\"]?)(.*)#([a-z0-9_-]+)\2\s*$")


def runbook_urls(text):
    """(base, anchor) of each runbook_url line of a rules file."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out.append((m.group(3), m.group(4)))
    return out


def with_base(text, base):
    quoted = "'" + base.replace("'", "''")

    def one(line):
        m = LINE.match(line)
        if not m:
            return line
        return m.group(1) + quoted + "#" + m.group(4) + "'"

    return "\n".join(one(line) for line in text.split("\n"))


def main():
    args = sys.argv[1:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    if args[0] == "--show":
        for name in RULE_FILES:
            bases = {b for b, _ in runbook_urls((REPO / name).read_text())}
            print("%s: %s" % (name, ", ".join(sorted(bases)) or "-"))
        return 0
    base = args[0].rstrip("#")
    for name in RULE_FILES:
        path = REPO / name
        path.write_text(with_base(path.read_text(encoding="utf-8"), base),
                        encoding="utf-8")
        print("wrote %s" % name)
    sys.path.insert(0, str(REPO / "deploy" / "kubernetes"))
    import generate_prometheusrule
    sys.argv = ["generate_prometheusrule.py"]
    rc = generate_prometheusrule.main()
    if rc:
        return rc
    # The dashboards' runbook links follow the rules' base.
    return subprocess.run([sys.executable, str(REPO / "dashboards" / "build_dashboards.py")]).returncode


if __name__ == "__main__":
    sys.exit(main())

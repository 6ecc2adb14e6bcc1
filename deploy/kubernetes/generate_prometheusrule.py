#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes deploy/kubernetes/prometheusrule.yaml from the plain rules file.

deploy/prometheus/ephemeral-port-rules.yml is the single source of truth for
the recording and alerting rules. The Prometheus Operator wants the same
`groups:` list under `spec:` of a PrometheusRule object; this script wraps it
textually (standard library only, comments and block scalars kept as they
are), so the two can never drift apart unnoticed.

usage:
  generate_prometheusrule.py            rewrite prometheusrule.yaml
  generate_prometheusrule.py --check    exit 1 if it is out of date
  generate_prometheusrule.py --stdout   print instead of writing
"""

import argparse
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCE = REPO / "deploy" / "prometheus" / "ephemeral-port-rules.yml"
TARGET = HERE / "prometheusrule.yaml"

HEADER = """\
# GENERATED from deploy/prometheus/ephemeral-port-rules.yml by
# deploy/kubernetes/generate_prometheusrule.py. Do not edit: change the
# rules file, rerun the script (tests/deploy/k8s_test.sh checks they agree).
#
# The labels below are what kube-prometheus' default ruleSelector matches
# (prometheus: k8s, role: alert-rules); adjust them to your Prometheus
# object's ruleSelector.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: ephemeral-port-rules
  namespace: ephemeral-port-exporter
  labels:
    app.kubernetes.io/name: ephemeral-port-exporter
    prometheus: k8s
    role: alert-rules
spec:
"""


def render(source_text: str) -> str:
    """Returns the PrometheusRule for the rules file's text.

    Raises ValueError when the text has no top-level `groups:` key or has
    another top-level key after it (which the wrapping would swallow).
    """
    lines = source_text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines)
                     if line.rstrip() == "groups:")
    except StopIteration:
        raise ValueError(f"{SOURCE}: no top-level 'groups:' line") from None
    body = lines[start:]
    for number, line in enumerate(body[1:], start=start + 2):
        if line and not line[0].isspace() and not line.startswith("#"):
            raise ValueError(
                f"{SOURCE}:{number}: top-level key after 'groups:': {line!r}")
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise ValueError(f"{SOURCE}:{number}: tab in indentation")
    # Trailing blank lines and comments are not part of the groups.
    while body and (not body[-1].strip() or body[-1].startswith("#")):
        body.pop()
    indented = [("  " + line) if line.strip() else "" for line in body]
    return HEADER + "\n".join(indented) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="fail if prometheusrule.yaml is out of date")
    mode.add_argument("--stdout", action="store_true",
                      help="print the PrometheusRule instead of writing it")
    args = parser.parse_args()

    try:
        wanted = render(SOURCE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"generate_prometheusrule: {error}", file=sys.stderr)
        return 2
    if args.stdout:
        sys.stdout.write(wanted)
        return 0
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != wanted:
            print(f"{TARGET.relative_to(REPO)} is out of date with "
                  f"{SOURCE.relative_to(REPO)}; run "
                  "python3 deploy/kubernetes/generate_prometheusrule.py",
                  file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(REPO)} is up to date")
        return 0
    TARGET.write_text(wanted, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

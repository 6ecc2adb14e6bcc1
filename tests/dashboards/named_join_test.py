#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Evaluates the dashboards' process naming (build_dashboards.named) with
promtool test rules on synthetic series: a shared svchost reads
"svchost.exe (Dnscache,NlaSvc)", a Linux process "nginx (nginx.service)",
a process without services its bare name, and two hosts with the same pid
do not collide.

Usage: named_join_test.py REPO_ROOT   (exit 77 when promtool is missing)
"""
import os
import shutil
import subprocess
import sys
import tempfile

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "dashboards"))
import build_dashboards  # noqa: E402

if shutil.which("promtool") is None:
    print("SKIPPED: promtool not on PATH")
    sys.exit(77)

expr = build_dashboards.named(
    'process:ephemeral_port_in_use:ratio{job="e"}', 'job="e"')
INFO = "ephemeral_port_process_info"
RATIO = "process:ephemeral_port_in_use:ratio"
series = [
    (RATIO + '{job="e",instance="a",protocol="tcp",process="svchost.exe",pid="1234"}', "0.6"),
    (INFO + '{job="e",instance="a",process="svchost.exe",pid="1234",services="Dnscache,NlaSvc",'
     'executable="C:\\\\Windows\\\\System32\\\\svchost.exe",user=""}', "1"),
    (RATIO + '{job="e",instance="b",protocol="tcp",process="nginx",pid="1234"}', "0.2"),
    (INFO + '{job="e",instance="b",process="nginx",pid="1234",services="nginx.service",'
     'executable="/usr/sbin/nginx",user="www-data"}', "1"),
    (RATIO + '{job="e",instance="b",protocol="udp",process="app",pid="77"}', "0.1"),
    (INFO + '{job="e",instance="b",process="app",pid="77",services="",executable="",user=""}', "1"),
]
expected = [
    ('{job="e",instance="a",protocol="tcp",process="svchost.exe",pid="1234",'
     'services="Dnscache,NlaSvc",name="svchost.exe (Dnscache,NlaSvc)"}', 0.6),
    ('{job="e",instance="b",protocol="tcp",process="nginx",pid="1234",'
     'services="nginx.service",name="nginx (nginx.service)"}', 0.2),
    ('{job="e",instance="b",protocol="udp",process="app",pid="77",name="app"}', 0.1),
]


def q(text):
    return "'" + text.replace("'", "''") + "'"


with tempfile.TemporaryDirectory() as work:
    rules = os.path.join(work, "empty_rules.yml")
    with open(rules, "w") as f:
        f.write("groups: []\n")
    test = os.path.join(work, "named_test.yml")
    with open(test, "w") as f:
        f.write("rule_files: [%s]\nevaluation_interval: 1m\ntests:\n"
                "  - interval: 1m\n    input_series:\n" % q(rules))
        for s, v in series:
            f.write("      - series: %s\n        values: %s\n" % (q(s), q(v)))
        f.write("    promql_expr_test:\n      - expr: %s\n        eval_time: 0m\n"
                "        exp_samples:\n" % q(expr))
        for labels, v in expected:
            f.write("          - labels: %s\n            value: %s\n" % (q(labels), v))
    r = subprocess.run(["promtool", "test", "rules", test], capture_output=True, text=True)
    sys.stdout.write(r.stdout + r.stderr)
    if r.returncode != 0:
        print("FAIL: the dashboards' process names are not what the panels promise")
        sys.exit(1)
print("ok: panels read 'svchost.exe (Dnscache,NlaSvc)', 'nginx (nginx.service)', 'app'")

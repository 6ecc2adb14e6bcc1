#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consistency checks of deploy/fleet/ that promtool cannot make (PyYAML).

- every exporter scrape job is called ephemeral_port (rules, dashboards);
- the series forwarded centrally (remote_write keep-lists, /federate
  match[]) cover every metric the fleet dashboard queries, are all the same
  list, and forward no per-process / per-destination / per-address series;
- fleet-rules.yml only consumes recording rules the shipped rules define;
- the kubernetes_sd job (Debian's promtool is built without Kubernetes
  discovery) is well-formed: a known role, a keep on the Service and port
  name that deploy/kubernetes/service.yaml defines;
- --strip-k8s OUT: writes prometheus-kubernetes-sd.yml with its
  kubernetes_sd_configs replaced by an empty static_configs, so promtool
  can check everything else in it.

usage: fleet_check.py REPO [--strip-k8s OUT]
"""

import argparse
import json
import pathlib
import re
import sys

import yaml

failures = []


def check(condition, what):
    print(("   ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)


def dashboard_metrics(path):
    text = json.dumps(json.load(open(path)))
    exprs = re.findall(r'"(?:expr|query|definition)": "((?:[^"\\]|\\.)*)"', text)
    names = set()
    for e in exprs:
        e = e.encode().decode("unicode_escape")
        e = re.sub(r'"[^"]*"', '""', e)  # drop label values
        for token in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
            if token.startswith(("ephemeral_port_", "instance:", "instance_protocol:")) \
                    or token in ("up", "ALERTS"):
                names.add(token)
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--strip-k8s")
    args = parser.parse_args()
    repo = pathlib.Path(args.repo)
    fleet = repo / "deploy/fleet"

    configs = {p.name: yaml.safe_load(p.read_text()) for p in sorted(fleet.glob("prometheus-*.yml"))}
    for name, cfg in configs.items():
        jobs = [j["job_name"] for j in cfg.get("scrape_configs", [])]
        if name == "prometheus-global-federation.yml":
            continue
        check(jobs == ["ephemeral_port"], f"{name}: exporter job named ephemeral_port ({jobs})")
        for j in cfg["scrape_configs"]:
            interval = j.get("scrape_interval", cfg["global"]["scrape_interval"])
            timeout = j.get("scrape_timeout", cfg["global"]["scrape_timeout"])
            check(int(timeout.rstrip("s")) >= 20 and int(timeout.rstrip("s")) < int(interval.rstrip("s")),
                  f"{name}: scrape_timeout {timeout} generous and below interval {interval}")
        if name == "prometheus-site-agent.yml":
            check(not cfg.get("rule_files") and not cfg.get("alerting"),
                  f"{name}: agent mode, no rules or alerting")
            continue
        check("../prometheus/ephemeral-port-rules.yml" in cfg.get("rule_files", []),
              f"{name}: loads the shipped rules")

    wanted = dashboard_metrics(repo / "dashboards/ephemeral-ports-fleet.json")
    check(len(wanted) >= 5, f"fleet dashboard metrics found: {sorted(wanted)}")

    lists = []
    site = configs["prometheus-site-remote-write.yml"]
    for rw in site.get("remote_write", []):
        keeps = [r for r in rw.get("write_relabel_configs", [])
                 if r.get("action") == "keep" and r.get("source_labels") == ["__name__"]]
        check(len(keeps) == 1, f"remote_write {rw.get('name')}: one __name__ keep-list")
        lists.append((f"remote_write {rw.get('name')}", keeps[0]["regex"] if keeps else ""))
        jobs = [r for r in rw.get("write_relabel_configs", [])
                if r.get("action") == "keep" and r.get("source_labels") == ["job"]]
        check(len(jobs) == 1 and jobs[0]["regex"] == "ephemeral_port",
              f"remote_write {rw.get('name')}: only job ephemeral_port")
    fed = configs["prometheus-global-federation.yml"]["scrape_configs"][0]
    match = fed["params"]["match[]"]
    check(len(match) == 1, "federation: one match[] selector")
    m = re.search(r'__name__=~"([^"]+)"', match[0])
    check('job="ephemeral_port"' in match[0] and m is not None,
          "federation: match[] selects job ephemeral_port by a name regex")
    check(fed.get("honor_labels") is True, "federation: honor_labels keeps the sites' labels")
    lists.append(("federation match[]", m.group(1) if m else ""))

    for where, regex in lists:
        missing = sorted(n for n in wanted if not re.fullmatch(regex, n))
        check(not missing, f"{where}: forwards every fleet-dashboard metric (missing {missing})")
        heavy = [n for n in ("ephemeral_port_process_in_use", "ephemeral_port_process_sockets",
                             "ephemeral_port_destination_in_use", "ephemeral_port_local_address_in_use",
                             "process:ephemeral_port_in_use:ratio", "ephemeral_port_sockets")
                 if re.fullmatch(regex, n)]
        check(not heavy, f"{where}: no per-process/destination/address series ({heavy})")
    check(len({r for _, r in lists}) == 1, "remote_write and federation forward the same list")

    # Agent mode records nothing: it forwards the raw inputs of the per-host
    # rules and the central ruler runs agent-site-rules.yml over them.
    agent = configs["prometheus-site-agent.yml"]
    agent_keeps = [r for rw in agent.get("remote_write", [])
                   for r in rw.get("write_relabel_configs", [])
                   if r.get("action") == "keep" and r.get("source_labels") == ["__name__"]]
    check(len(agent.get("remote_write", [])) == 1 and len(agent_keeps) == 1,
          "agent: one remote_write with one __name__ keep-list")
    agent_regex = agent_keeps[0]["regex"] if agent_keeps else ""
    agent_rules = yaml.safe_load((fleet / "agent-site-rules.yml").read_text())
    central = {r.get("record") for g in agent_rules["groups"] for r in g["rules"]} - {None}
    raw_wanted = sorted(n for n in wanted if n not in central and n != "ALERTS")
    missing = [n for n in raw_wanted if not re.fullmatch(agent_regex, n)]
    check(not missing, f"agent: forwards every raw fleet-dashboard metric (missing {missing})")
    heavy = [n for n in ("ephemeral_port_process_in_use", "ephemeral_port_process_sockets",
                         "ephemeral_port_destination_in_use", "ephemeral_port_local_address_in_use",
                         "ephemeral_port_sockets", "ephemeral_port_service_in_use")
             if re.fullmatch(agent_regex, n)]
    check(not heavy, f"agent: no per-process/destination/address series ({heavy})")
    shipped_by_name = {}
    for g in yaml.safe_load((repo / "deploy/prometheus/ephemeral-port-rules.yml").read_text())["groups"]:
        for r in g["rules"]:
            shipped_by_name[(r.get("record") or r.get("alert"), r.get("labels", {}).get("severity"))] = r
    for g in agent_rules["groups"]:
        for r in g["rules"]:
            name = r.get("record") or r.get("alert")
            orig = shipped_by_name.get((name, r.get("labels", {}).get("severity")))
            same = orig is not None and dict(r, expr=r["expr"].replace("by (job, site, instance", "by (job, instance")) == orig
            check(same, f"agent-site-rules {name}: the shipped rule, aggregated by site as well")
            for src in re.findall(r"(?<![:\w])(ephemeral_port_[a-z_]+)\b", r["expr"]):
                check(re.fullmatch(agent_regex, src) is not None, f"agent-site-rules {name}: input {src} forwarded by the agent")
    for rec in sorted(n for n in wanted if n.startswith("instance")):
        check(rec in central, f"fleet dashboard series {rec} recorded for agent sites")

    shipped = yaml.safe_load((repo / "deploy/prometheus/ephemeral-port-rules.yml").read_text())
    records = {r["record"] for g in shipped["groups"] for r in g["rules"] if "record" in r}
    fleet_rules = yaml.safe_load((fleet / "fleet-rules.yml").read_text())
    for g in fleet_rules["groups"]:
        for r in g["rules"]:
            used = set(re.findall(r"\b(instance(?:_protocol)?:[A-Za-z0-9_:]+)", r["expr"]))
            unknown = used - records
            check(not unknown, f"fleet-rules {r.get('record') or r.get('alert')}: inputs defined in the shipped rules {sorted(unknown) or ''}")
    for _, regex in lists[:1]:
        for rec in sorted(records):
            if rec.startswith("instance") and rec in wanted:
                check(re.fullmatch(regex, rec) is not None, f"forwarded: {rec}")

    k8s = configs["prometheus-kubernetes-sd.yml"]
    job = k8s["scrape_configs"][0]
    sds = job.get("kubernetes_sd_configs", [])
    check(len(sds) == 1 and sds[0].get("role") in ("endpoints", "endpointslice", "pod", "node", "service"),
          f"kubernetes_sd: role {sds[0].get('role') if sds else None}")
    svc = yaml.safe_load((repo / "deploy/kubernetes/service.yaml").read_text())
    expected = f"{svc['metadata']['name']};{svc['spec']['ports'][0]['name']}"
    keep = [r for r in job.get("relabel_configs", []) if r.get("action") == "keep"]
    check(len(keep) == 1 and keep[0].get("regex") == expected,
          f"kubernetes_sd: keeps service;port {expected} of deploy/kubernetes/service.yaml")
    ns = svc["metadata"]["namespace"]
    check(sds and ns in sds[0].get("namespaces", {}).get("names", []),
          f"kubernetes_sd: watches namespace {ns}")
    if args.strip_k8s:
        stripped = dict(k8s)
        stripped["scrape_configs"] = [dict(job)]
        del stripped["scrape_configs"][0]["kubernetes_sd_configs"]
        stripped["scrape_configs"][0]["static_configs"] = [{"targets": []}]
        stripped["rule_files"] = [str((fleet / f).resolve()) for f in k8s.get("rule_files", [])]
        pathlib.Path(args.strip_k8s).write_text(yaml.safe_dump(stripped, sort_keys=False))

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

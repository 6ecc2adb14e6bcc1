#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the fleet end-to-end test's configs into WORK from the shipped
files of deploy/fleet/, changing only addresses, intervals, `for:` and the
site-not-reporting look-back so the test takes seconds. What is tested is
kept verbatim: the scrape relabelling, the remote_write write_relabel_configs
(the forwarded-series lists), the /federate match[] and honor_labels, and
every rule expression and threshold.

  WORK/site-a.yml        deploy/fleet/prometheus-site-agent.yml (agent mode)
  WORK/site-b.yml        deploy/fleet/prometheus-file-sd.yml + shipped rules
  WORK/central.yml       deploy/fleet/prometheus-global-federation.yml, plus a
                         remote_write to VictoriaMetrics with the list of
                         deploy/fleet/prometheus-site-remote-write.yml
  WORK/targets-*.yml     file_sd target files
  WORK/rules/*.yml       rule copies (for: shortened, group interval 1s)
  WORK/allowed-names     a regex of every metric name the central store may
                         hold: the shipped keep-lists, the central rules'
                         records, and vmalert's ALERTS / ALERTS_FOR_STATE

usage: make_configs.py REPO WORK KEY=VALUE...
  keys: hosts_a, hosts_b (comma-separated host:port), site_b_prom, vm, am
PyYAML.
"""
import pathlib
import sys

import yaml

SHORT_FOR = "2s"
INTERVAL = "1s"
# EphemeralPortSiteNotReporting compares with an hour ago; the test's site
# is only minutes old, so its copy looks back this far instead.
SITE_LOOKBACK = "40s"


def load(path):
    return yaml.safe_load(pathlib.Path(path).read_text())


def dump(path, data):
    pathlib.Path(path).write_text(yaml.safe_dump(data, sort_keys=False, width=1000))


def short_rules(src, dst):
    data = load(src)
    for group in data["groups"]:
        group["interval"] = INTERVAL
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = SHORT_FOR
            rule["expr"] = rule["expr"].replace("offset 1h", "offset " + SITE_LOOKBACK)
    dump(dst, data)


def short_global(cfg, site=None):
    cfg["global"]["scrape_interval"] = INTERVAL
    cfg["global"]["scrape_timeout"] = INTERVAL
    if "evaluation_interval" in cfg["global"]:
        cfg["global"]["evaluation_interval"] = INTERVAL
    if site:
        cfg["global"]["external_labels"]["site"] = site


def file_sd(job, targets_file):
    job["file_sd_configs"] = [{"files": [str(targets_file)], "refresh_interval": "5s"}]


def fast_queue(rw):
    rw.setdefault("queue_config", {})["batch_send_deadline"] = "1s"
    rw["queue_config"]["min_backoff"] = "100ms"
    rw["queue_config"]["max_backoff"] = "1s"


def main():
    repo, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    opts = dict(a.split("=", 1) for a in sys.argv[3:])
    fleet = repo / "deploy/fleet"
    (work / "rules").mkdir(parents=True, exist_ok=True)
    for name in ("agent-site-rules.yml", "fleet-rules.yml"):
        short_rules(fleet / name, work / "rules" / name)
    short_rules(repo / "deploy/prometheus/ephemeral-port-rules.yml",
                work / "rules/ephemeral-port-rules.yml")
    for site in ("a", "b"):
        hosts = opts["hosts_" + site].split(",")
        dump(work / f"targets-{site}.yml", [{"targets": hosts, "labels": {"os": "linux"}}])

    agent = load(fleet / "prometheus-site-agent.yml")
    short_global(agent, "site-a")
    file_sd(agent["scrape_configs"][0], work / "targets-a.yml")
    assert len(agent["remote_write"]) == 1, "agent config: one remote_write"
    agent["remote_write"][0]["url"] = f"http://{opts['vm']}/api/v1/write"
    fast_queue(agent["remote_write"][0])
    dump(work / "site-a.yml", agent)

    site_b = load(fleet / "prometheus-file-sd.yml")
    short_global(site_b, "site-b")
    site_b["rule_files"] = [str(work / "rules/ephemeral-port-rules.yml")]
    del site_b["alerting"]
    file_sd(site_b["scrape_configs"][0], work / "targets-b.yml")
    dump(work / "site-b.yml", site_b)

    central = load(fleet / "prometheus-global-federation.yml")
    short_global(central)
    # vmalert on VictoriaMetrics is the ruler: it sees every site.
    del central["rule_files"]
    del central["alerting"]
    fed = central["scrape_configs"][0]
    fed["static_configs"] = [{"targets": [opts["site_b_prom"]],
                              "labels": {"federated_from": "site-b"}}]
    site_rw = load(fleet / "prometheus-site-remote-write.yml")["remote_write"][0]
    central["remote_write"] = [{"name": "victoriametrics",
                                "url": f"http://{opts['vm']}/api/v1/write",
                                "write_relabel_configs": site_rw["write_relabel_configs"]}]
    fast_queue(central["remote_write"][0])
    dump(work / "central.yml", central)

    am = {
        "route": {"receiver": "ticket", "group_by": ["alertname", "site", "instance"],
                  "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h",
                  "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}]},
        "receivers": [
            {"name": "pager", "webhook_configs": [
                {"url": f"http://{opts['webhook']}/pager", "send_resolved": True}]},
            {"name": "ticket", "webhook_configs": [
                {"url": f"http://{opts['webhook']}/ticket", "send_resolved": True}]},
        ],
    }
    dump(work / "alertmanager.yml", am)
    keeps = [r["regex"] for rw in agent["remote_write"] + [site_rw]
             for r in rw["write_relabel_configs"] if r.get("source_labels") == ["__name__"]]
    records = [r["record"] for name in ("agent-site-rules.yml", "fleet-rules.yml")
               for g in load(fleet / name)["groups"] for r in g["rules"] if "record" in r]
    (work / "allowed-names").write_text("|".join(keeps + records + ["ALERTS", "ALERTS_FOR_STATE"]) + "\n")
    print("configs: site A agent, site B Prometheus, central Prometheus from deploy/fleet/; "
          f"rules with for: {SHORT_FOR}, interval {INTERVAL}, site look-back {SITE_LOOKBACK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

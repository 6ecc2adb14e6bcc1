#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the e2e test's Alertmanager config from the shipped
deploy/alertmanager/alertmanager.yml: same routing tree, receivers and
inhibit rules, with the PagerDuty integration's `url` pointed at the local
Events API v2 receiver, a test routing key, the ticket webhook pointed at
the local receiver, and the group timers shortened to seconds.

usage: make_am_config.py SHIPPED OUT RECEIVER_BASE_URL ROUTING_KEY
PyYAML.
"""
import sys

import yaml

TIMERS = {"group_wait": "1s", "group_interval": "2s"}


def shorten(route):
    for key, value in TIMERS.items():
        if key in route:
            route[key] = value
    for child in route.get("routes", []):
        shorten(child)


def main():
    shipped, out, base, key = sys.argv[1:5]
    cfg = yaml.safe_load(open(shipped, encoding="utf-8"))
    shorten(cfg["route"])
    receivers = {r["name"]: r for r in cfg["receivers"]}
    pagers = receivers["pager"]["pagerduty_configs"]
    tickets = receivers["ticket"]["webhook_configs"]
    if len(pagers) != 1 or len(tickets) != 1:
        print("expected one pagerduty_configs and one webhook_configs entry", file=sys.stderr)
        return 1
    pagers[0]["routing_key"] = key
    pagers[0]["url"] = base + "/v2/enqueue"
    tickets[0]["url"] = base + "/ticket"
    with open(out, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, sort_keys=False, width=1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())

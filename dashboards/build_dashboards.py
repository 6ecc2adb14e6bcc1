#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the Grafana dashboards of this directory from one description.

The JSON files next to this script are generated: edit this script, then run

    python3 dashboards/build_dashboards.py

tests/dashboards/check_dashboards.sh fails when the JSON and this script
disagree. Standard library only.

Conventions: the data source is the ${datasource} template variable (no
data source UID of anyone's Grafana is stored); every label matcher on a
template variable uses =~ so that "All" and multi-value selections work;
ratios are shown with the percentunit unit and thresholds at 80% and 95%.
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "deploy", "prometheus"))
import set_runbook_base  # noqa: E402


def runbook_base():
    """The rules' runbook base (set_runbook_base.py), as a Grafana link: the
    Prometheus template's instance becomes the dashboard's $instance."""
    path = os.path.join(HERE, "..", "deploy", "prometheus", "ephemeral-port-rules.yml")
    with open(path) as f:
        base = set_runbook_base.runbook_urls(f.read())[0][0]
    return base.replace("{{ $labels.instance }}", "${instance}")


RUNBOOK = runbook_base()
TAGS = ["ephemeral-port"]

RATIO_STEPS = [
    {"color": "green", "value": None},
    {"color": "orange", "value": 0.8},
    {"color": "red", "value": 0.95},
]
HOURS_STEPS = [
    {"color": "red", "value": None},
    {"color": "orange", "value": 4},
    {"color": "green", "value": 24},
]
ZERO_GOOD_STEPS = [
    {"color": "green", "value": None},
    {"color": "red", "value": 1},
]
NEUTRAL_STEPS = [{"color": "blue", "value": None}]
# 1 = passed (green), 0 = failed (red).
PASS_STEPS = [{"color": "red", "value": None}, {"color": "green", "value": 1}]
# Handle counts the field write-ups call suspicious (3,000) and a leak
# (10,000); docs/runbook.md "Handle counts".
HANDLE_STEPS = [
    {"color": "green", "value": None},
    {"color": "orange", "value": 3000},
    {"color": "red", "value": 10000},
]


# ---------------------------------------------------------------- builders

def target(expr, legend="", instant=False, table=False):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend,
         "range": not instant, "instant": instant}
    if table:
        t["format"] = "table"
    return t


def named(expr, sel):
    """expr (series with job, instance and pid) with a "name" label that reads
    "svchost.exe (Dnscache,NlaSvc)", "nginx (nginx.service)", or the bare
    process name when ephemeral_port_process_info has no services for it.
    The info metric has one series per (job, instance, pid), so the join is
    many-to-one."""
    joined = ("%s * on (job, instance, pid) group_left (services) "
              "ephemeral_port_process_info{%s}" % (expr, sel))
    return ('label_replace(label_replace(label_join(%s, "name", " (", "process", '
            '"services"), "name", "$1)", "name", "(.+ [(].+)"), '
            '"name", "$1", "name", "(.*) [(]")' % joined)


def thresholds(steps):
    return {"mode": "absolute", "steps": steps}


def field_defaults(unit, steps, extra=None):
    d = {"unit": unit, "thresholds": thresholds(steps),
         "color": {"mode": "thresholds"}}
    if unit == "percentunit":
        d.update({"min": 0, "max": 1, "decimals": 1})
    if extra:
        d.update(extra)
    return d


def base_panel(kind, title, description, targets, w, h):
    refs = "ABCDEFGHIJ"
    for i, t in enumerate(targets):
        t["refId"] = refs[i]
    return {"type": kind, "title": title, "description": description,
            "datasource": DS, "targets": targets,
            "gridPos": {"w": w, "h": h}}


def stat(title, description, targets, unit="none", steps=NEUTRAL_STEPS, w=6, h=4,
         no_value=None, text_mode="auto", mappings=None, graph=True):
    p = base_panel("stat", title, description, targets, w, h)
    defaults = field_defaults(unit, steps)
    if no_value:
        defaults["noValue"] = no_value
    if mappings:
        defaults["mappings"] = mappings
    p["fieldConfig"] = {"defaults": defaults, "overrides": []}
    p["options"] = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": "background", "graphMode": "area" if graph else "none",
        "textMode": text_mode, "justifyMode": "auto", "orientation": "auto",
    }
    return p


def gauge(title, description, targets, w=6, h=7):
    p = base_panel("gauge", title, description, targets, w, h)
    p["fieldConfig"] = {"defaults": field_defaults("percentunit", RATIO_STEPS),
                        "overrides": []}
    p["options"] = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showThresholdMarkers": True, "showThresholdLabels": False,
        "orientation": "auto",
    }
    return p


def bargauge(title, description, targets, unit="percentunit", steps=RATIO_STEPS,
             w=12, h=8, no_value=None, extra=None):
    p = base_panel("bargauge", title, description, targets, w, h)
    defaults = field_defaults(unit, steps, extra)
    if no_value:
        defaults["noValue"] = no_value
    p["fieldConfig"] = {"defaults": defaults, "overrides": []}
    p["options"] = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "displayMode": "gradient", "orientation": "horizontal",
        "showUnfilled": True, "minVizHeight": 10, "minVizWidth": 0,
    }
    return p


def timeseries(title, description, targets, unit="none", steps=NEUTRAL_STEPS,
               w=12, h=8, stack=False, overrides=None, extra=None):
    p = base_panel("timeseries", title, description, targets, w, h)
    custom = {
        "drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
        "showPoints": "never", "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "dashed" if steps is not NEUTRAL_STEPS else "off"},
    }
    defaults = field_defaults(unit, steps, extra)
    defaults["color"] = {"mode": "palette-classic"}
    defaults["custom"] = custom
    p["fieldConfig"] = {"defaults": defaults, "overrides": overrides or []}
    p["options"] = {
        "legend": {"displayMode": "table", "placement": "right",
                   "calcs": ["lastNotNull", "max"], "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return p


def table(title, description, targets, columns, sort_by=None, w=12, h=8,
          hide=("Time", "job", "__name__"), links=None, no_value=None):
    """columns: list of (field name after merge, display name, unit, steps)."""
    p = base_panel("table", title, description, targets, w, h)
    rename, overrides = {}, []
    for field, display, unit, steps in columns:
        rename[field] = display
        props = []
        if unit:
            props.append({"id": "unit", "value": unit})
        if unit == "percentunit":
            props.append({"id": "decimals", "value": 1})
        if steps:
            props.append({"id": "thresholds", "value": thresholds(steps)})
            props.append({"id": "custom.cellOptions",
                          "value": {"type": "color-background", "mode": "basic"}})
        if props:
            overrides.append({"matcher": {"id": "byName", "options": display},
                              "properties": props})
    if links:
        for field, title_, url in links:
            overrides.append({"matcher": {"id": "byName", "options": field},
                              "properties": [{"id": "links", "value": [
                                  {"title": title_, "url": url}]}]})
    defaults = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}},
                "thresholds": thresholds(NEUTRAL_STEPS), "unit": "none"}
    if no_value:
        defaults["noValue"] = no_value
    p["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
    p["options"] = {"showHeader": True, "cellHeight": "sm",
                    "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    if sort_by:
        p["options"]["sortBy"] = [{"displayName": sort_by, "desc": True}]
    p["transformations"] = [
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {
            "excludeByName": {h_: True for h_ in hide},
            "renameByName": rename, "indexByName": {}}},
    ]
    return p


def text(title, content, w=24, h=4):
    return {"type": "text", "title": title, "gridPos": {"w": w, "h": h},
            "options": {"mode": "markdown", "content": content}}


def row(title):
    return {"type": "row", "title": title, "collapsed": False,
            "gridPos": {"w": 24, "h": 1}, "panels": []}


def layout(rows):
    """rows: list of lists of panels; each list is laid out left to right and
    starts below the tallest panel of the previous list."""
    panels, y, next_id = [], 0, 1
    for r in rows:
        x, tallest = 0, 0
        for p in r:
            g = p["gridPos"]
            if x + g["w"] > 24:
                raise ValueError("row too wide at panel %r" % p["title"])
            g["x"], g["y"] = x, y
            x += g["w"]
            tallest = max(tallest, g["h"])
            p["id"] = next_id
            next_id += 1
            panels.append(p)
        y += tallest
    return panels


# ---------------------------------------------------------------- variables

def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "refresh": 1,
            "regex": "", "options": [], "includeAll": False, "multi": False}


def query_var(name, label, query, multi=False, include_all=False, current=None,
              all_value=None):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "definition": query,
         "query": {"query": query, "refId": "StandardVariableQuery"},
         "refresh": 2, "sort": 1, "hide": 0, "regex": "", "options": [],
         "multi": multi, "includeAll": include_all,
         "current": current or {}}
    if all_value is not None:
        v["allValue"] = all_value
    return v


JOB_VAR = lambda: query_var("job", "Job", "label_values(ephemeral_port_build_info, job)",
                            current={"text": "ephemeral_port", "value": "ephemeral_port"})


def dashboard(uid, title, description, variables, panels, links=True):
    d = {
        "uid": uid, "title": title, "description": description, "tags": TAGS,
        "id": None, "version": 1, "schemaVersion": 39, "editable": True,
        "graphTooltip": 1, "refresh": "1m", "timezone": "",
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
        "annotations": {"list": [
            {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
             "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
             "name": "Annotations & Alerts", "type": "dashboard"},
            {"datasource": DS, "enable": True, "hide": False,
             "iconColor": "red", "name": "Firing port alerts",
             "expr": 'ALERTS{alertname=~"EphemeralPort.*", alertstate="firing", job=~"$job"}',
             "step": "1m", "titleFormat": "{{alertname}}",
             "textFormat": "{{instance}} {{severity}} {{protocol}}",
             "useValueForTime": False},
        ]},
        "links": [{"title": "Ephemeral port dashboards", "type": "dashboards",
                   "tags": TAGS, "asDropdown": True, "includeVars": True,
                   "keepTime": True, "icon": "external link", "tooltip": "",
                   "url": "", "targetBlank": False},
                  {"title": "Runbook", "type": "link", "url": RUNBOOK,
                   "icon": "doc", "tooltip": "What to do when a port alert fires",
                   "targetBlank": True, "asDropdown": False, "includeVars": False,
                   "keepTime": False, "tags": []}] if links else [],
        "templating": {"list": variables},
        "panels": panels,
    }
    return d


# ---------------------------------------------------------------- fleet

def fleet():
    sel = 'job=~"$job", instance=~"$instance"'
    # The link sits on the Host column, so ${__value.raw} is the instance.
    host_link = ("/d/epx-host/ephemeral-ports-host-detail?${datasource:queryparam}"
                 "&${job:queryparam}&var-instance=${__value.raw}&${__url_time_range}")
    rows = [
        [
            stat("Exporters up", "Targets of the job that answered their last scrape.",
                 [target('sum(up{%s})' % sel, instant=True)], w=4, graph=False),
            stat("Exporters down",
                 "Targets whose last scrape failed. Their hosts are not watched "
                 "(alert EphemeralPortExporterDown).",
                 [target('count(up{%s} == 0) or on() vector(0)' % sel, instant=True)],
                 steps=ZERO_GOOD_STEPS, w=4, graph=False),
            stat("Worst host",
                 "The highest headline ratio of any host and protocol: the share of the "
                 "ports a new outbound connection could use that are taken. 100% means "
                 "connects fail. Orange from 80%, red from 95%.",
                 [target('max(instance:ephemeral_port_exhaustion_ratio:max{%s})' % sel)],
                 unit="percentunit", steps=RATIO_STEPS, w=4),
            stat("Hosts at 80% or more",
                 "Hosts whose headline ratio is at least 80% (the EphemeralPortUsageHigh "
                 "threshold).",
                 [target('count(instance:ephemeral_port_exhaustion_ratio:max{%s} >= 0.8) '
                         'or on() vector(0)' % sel, instant=True)],
                 steps=ZERO_GOOD_STEPS, w=4, graph=False),
            stat("Shortest time to exhaustion",
                 "Hours until the first host reaches 100% if usage keeps rising as in the "
                 "last hour. Empty when no host is rising. Red under 4 h, orange under 24 h.",
                 [target('min(instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h{%s})'
                         % sel, instant=True)],
                 unit="h", steps=HOURS_STEPS, w=4, no_value="No host filling up",
                 graph=False),
            stat("Firing port alerts",
                 "EphemeralPort* alerts firing now for the selected hosts.",
                 [target('count(ALERTS{alertname=~"EphemeralPort.*", alertstate="firing", %s}) '
                         'or on() vector(0)' % sel, instant=True)],
                 steps=ZERO_GOOD_STEPS, w=4, graph=False),
        ],
        [
            table("Hosts, worst first",
                  "One row per host and protocol, sorted by the headline ratio (the share of "
                  "usable ports a new outbound connection cannot use; 100% = connects fail). "
                  "'Ports unavailable' counts them; 'Hours to exhaustion' is the time to 100% "
                  "at the trend of the last hour (empty = not rising). 'Bind-before-connect "
                  "headline' (Linux TCP) is the same for programs that bind(addr, 0) before "
                  "connecting: it matters only where such programs run. Click a host for its "
                  "detail dashboard.",
                  [target('instance_protocol:ephemeral_port_exhaustion_ratio:max{%s}' % sel,
                          instant=True, table=True),
                   target('max by (job, instance, protocol) (ephemeral_port_exhaustion_in_use{%s})'
                          % sel, instant=True, table=True),
                   target('instance_protocol:ephemeral_port_capacity:max{%s}' % sel,
                          instant=True, table=True),
                   target('instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h{%s}'
                          % sel, instant=True, table=True),
                   target('instance_protocol:ephemeral_port_bind_exhaustion_ratio:max{%s}' % sel,
                          instant=True, table=True)],
                  [("instance", "Host", None, None),
                   ("protocol", "Protocol", None, None),
                   ("Value #A", "Headline", "percentunit", RATIO_STEPS),
                   ("Value #B", "Ports unavailable", "none", None),
                   ("Value #C", "Usable ports", "none", None),
                   ("Value #D", "Hours to exhaustion", "h", HOURS_STEPS),
                   ("Value #E", "Bind-before-connect headline", "percentunit", RATIO_STEPS)],
                  sort_by="Headline", w=24, h=9,
                  hide=("Time", "job", "__name__"),
                  links=[("Host", "Host detail", host_link)]),
        ],
        [
            table("Self-test checks by host, failures first",
                  "The exporter's self-test: at every start (and at /selftest) it makes sockets "
                  "and connects of its own and checks that each data path sees them. One row per "
                  "host and check, failed checks (0, red) first: on those hosts the metrics the "
                  "check names may be wrong (alert EphemeralPortSelfTestFailing; /selftest on the "
                  "host says what was expected and what was seen). Skipped checks have no row.",
                  [target('sort(ephemeral_port_selftest_success{%s})' % sel,
                          instant=True, table=True)],
                  [("instance", "Host", None, None),
                   ("check", "Check", None, None),
                   ("Value", "Passed", "none", PASS_STEPS)],
                  w=24, h=6,
                  hide=("Time", "job", "__name__"),
                  links=[("Host", "Host detail", host_link)]),
        ],
        [
            timeseries("Headline ratio by host",
                       "Each host's worst protocol over time. 100% = the next outbound "
                       "connect fails. Dashed lines at 80% and 95%.",
                       [target('instance:ephemeral_port_exhaustion_ratio:max{%s}' % sel,
                               "{{instance}}")],
                       unit="percentunit", steps=RATIO_STEPS),
            bargauge("Time to exhaustion (hosts filling up)",
                     "Hours until a host reaches 100% at the slope of the last hour; only "
                     "hosts whose usage is rising are listed. Red under 4 h, orange under "
                     "24 h; bars are capped at 48 h.",
                     [target('sort(min by (job, instance) '
                             '(instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h{%s}))'
                             % sel, "{{instance}}", instant=True)],
                     unit="h", steps=HOURS_STEPS, no_value="No host is filling up",
                     extra={"min": 0, "max": 48, "decimals": 1}),
        ],
        [
            timeseries("Outbound TCP connections per second (top 10 hosts)",
                       "New outbound TCP connections per second (ActiveOpens). Every one "
                       "takes a port, and keeps it for TIME_WAIT after it closes: high churn "
                       "becomes port usage.",
                       [target('topk(10, sum by (instance) '
                               '(rate(ephemeral_port_tcp_active_opens_total{%s}[$__rate_interval])))'
                               % sel, "{{instance}}")],
                       unit="cps", w=9),
            timeseries("Failed TCP connection attempts per second (top 10 hosts)",
                       "TCP connection attempts that failed (AttemptFails): refused or reset "
                       "connects. On Linux a connect that finds no free port never sends a SYN "
                       "and is not counted here: see the failing-connects panel.",
                       [target('topk(10, sum by (instance) '
                               '(rate(ephemeral_port_tcp_attempt_fails_total{%s}[$__rate_interval])))'
                               % sel, "{{instance}}")],
                       unit="cps", w=9),
            stat("Hosts that logged 4227/4231/4266 in range",
                 "Windows hosts whose System log recorded Tcpip event 4227, 4231 or 4266 (ports "
                 "already ran out) in the selected time range. Always 0 for Linux hosts.",
                 [target('count(sum by (instance) (increase(ephemeral_port_windows_events_total'
                         '{%s}[$__range])) > 0) or on() vector(0)' % sel, instant=True)],
                 steps=ZERO_GOOD_STEPS, w=3, h=8, graph=False),
            stat("Linux hosts with failing connects in range",
                 "Linux hosts where connect() or a port-0 bind failed for lack of a port in "
                 "the selected time range, counted in the kernel by the connect_events "
                 "collector (hosts without it are not counted).",
                 [target('count(sum by (instance) (increase(ephemeral_port_connect_failures_total'
                         '{%s}[$__range])) > 0) or on() vector(0)' % sel, instant=True)],
                 steps=ZERO_GOOD_STEPS, w=3, h=8, graph=False),
        ],
        [
            text("How to read this dashboard",
                 "The **headline ratio** is `ephemeral_port_exhaustion_ratio`: how close the "
                 "next outbound connection is to failing for lack of a local port, by the "
                 "host's own rule (Windows: host-wide per protocol; Linux TCP: toward the "
                 "busiest destination). Orange at 80%, red at 95%. "
                 "What to do when it is high: the [runbook](" + RUNBOOK + ").", h=3),
        ],
    ]
    variables = [
        datasource_var(),
        JOB_VAR(),
        query_var("instance", "Host", 'label_values(ephemeral_port_build_info{job=~"$job"}, instance)',
                  multi=True, include_all=True, all_value=".*",
                  current={"text": ["All"], "value": ["$__all"]}),
    ]
    return dashboard("epx-fleet", "Ephemeral ports / Fleet overview",
                     "Every host's ephemeral port headline, worst first, with time to "
                     "exhaustion.", variables, layout(rows))


# ---------------------------------------------------------------- host

def host():
    sel = 'job=~"$job", instance=~"$instance"'
    rows = [
        [row("Headline")],
        [
            gauge("Headline ratio",
                  "Share of the ports a new outbound connection could use that are taken, per "
                  "protocol, by this host's rule. 100% = connects fail (EADDRNOTAVAIL on "
                  "Linux, events 4227/4231 on Windows). Orange from 80%, red from 95%.",
                  [target('ephemeral_port_exhaustion_ratio{%s}' % sel, "{{protocol}}",
                          instant=True)]),
            stat("Ports unavailable to the next connect",
                 "Ports a new outbound connection cannot use: host-wide for UDP and on Windows "
                 "(where a port only TIME_WAIT holds counts toward its own remote endpoints "
                 "only); toward the busiest local address and destination for Linux TCP.",
                 [target('ephemeral_port_exhaustion_in_use{%s}' % sel, "{{protocol}}")], w=6, h=7),
            stat("Usable ports",
                 "Ports the OS can hand out: the dynamic range minus reserved or excluded "
                 "ports (larger family if IPv4 and IPv6 differ).",
                 [target('instance_protocol:ephemeral_port_capacity:max{%s}' % sel,
                         "{{protocol}}")], w=4, h=7, graph=False),
            stat("Hours to exhaustion",
                 "Hours until the headline reaches 100% at the slope of the last hour. "
                 "Empty when usage is flat or falling. Red under 4 h, orange under 24 h.",
                 [target('instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h{%s}' % sel,
                         "{{protocol}}")],
                 unit="h", steps=HOURS_STEPS, w=4, h=7, no_value="Not filling up",
                 graph=False),
            stat("Exporter",
                 "Exporter version, operating system and the socket source it reads.",
                 [target('ephemeral_port_build_info{%s}' % sel,
                         "{{version}} / {{os}} / {{source}}", instant=True)],
                 w=4, h=7, text_mode="name", graph=False),
        ],
        [
            stat("Bind-before-connect headline (Linux TCP)",
                 "For programs that bind(addr, 0) before connect() (a source address "
                 "option): ports held on the busiest local address or on 0.0.0.0/[::], "
                 "whatever the destination, over the usable ports. At 100% their bind() "
                 "fails with EADDRINUSE. Plain connect() clients follow the headline above.",
                 [target('ephemeral_port_bind_exhaustion_ratio{%s}' % sel, "{{protocol}}")],
                 unit="percentunit", steps=RATIO_STEPS, w=12, h=4),
            stat("Bound-only sockets seen (Linux)",
                 "1: bound-only TCP sockets are visible (netlink on Linux 6.8+). 0: they "
                 "are not (older kernels, --source=procfs), so ports they hold are missed "
                 "and the headline is a lower bound.",
                 [target('ephemeral_port_bound_sockets_visible{%s}' % sel)],
                 w=12, h=4, graph=False),
        ],
        [
            timeseries("Headline per VRF (Linux)",
                       "Only on hosts with VRFs (netlink source). TCP: each VRF's own pool "
                       "(bind buckets and 4-tuples are per VRF with tcp_l3mdev_accept = 0; "
                       "'default' = sockets in no VRF); the host headline above is the worst "
                       "of them. UDP: the pool of a client bound to the VRF device (unbound "
                       "sockets plus that device's). Without VRFs: the host headline, one "
                       "pool ('none').",
                       [target('ephemeral_port_vrf_exhaustion_ratio{%s} or on(job, instance) '
                               'label_replace(ephemeral_port_exhaustion_ratio{%s}, "vrf", '
                               '"none", "", "")' % (sel, sel),
                               "{{protocol}} {{vrf}}")],
                       unit="percentunit", steps=RATIO_STEPS, w=24, h=6),
        ],
        [row("Usage against capacity")],
        [
            timeseries("Headline ratio",
                       "The headline per protocol over time. Dashed lines at 80% "
                       "(EphemeralPortUsageHigh) and 95% (EphemeralPortExhaustionImminent).",
                       [target('ephemeral_port_exhaustion_ratio{%s}' % sel, "{{protocol}}")],
                       unit="percentunit", steps=RATIO_STEPS),
            timeseries("Ports in use and usable ports",
                       "Distinct local ports in the dynamic range held by any socket (solid), "
                       "against the ports the OS can hand out (dashed), per protocol and IP "
                       "family.",
                       [target('ephemeral_port_in_use{%s}' % sel, "{{protocol}}/{{family}} in use"),
                        target('ephemeral_port_capacity{%s}' % sel, "{{protocol}}/{{family}} usable")],
                       overrides=[{"matcher": {"id": "byRegexp", "options": ".* usable$"},
                                   "properties": [{"id": "custom.lineStyle",
                                                   "value": {"fill": "dash", "dash": [10, 10]}},
                                                  {"id": "custom.fillOpacity", "value": 0}]}]),
        ],
        [
            timeseries("Usage per local address (top 10)",
                       "Ports held on each local address as a share of the usable ports. On "
                       "Linux every local address has its own pool toward each destination; "
                       "on Windows they share one.",
                       [target('topk(10, ephemeral_port_local_address_usage_ratio{%s})' % sel,
                               "{{protocol}} {{local_address}}")],
                       unit="percentunit", steps=RATIO_STEPS),
            table("Local addresses",
                  "Per local address: ports in the range held, their share of the usable "
                  "ports, listening ports and processes with sockets there (the columns of "
                  "Log-EphemeralPortStats.ps1).",
                  [target('ephemeral_port_local_address_in_use{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_local_address_usage_ratio{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_local_address_listening_ports{%s}' % sel, instant=True,
                          table=True),
                   target('ephemeral_port_local_address_processes{%s}' % sel, instant=True,
                          table=True)],
                  [("local_address", "Local address", None, None),
                   ("protocol", "Protocol", None, None),
                   ("Value #A", "Ports in use", "none", None),
                   ("Value #B", "Share of usable", "percentunit", RATIO_STEPS),
                   ("Value #C", "Listening ports", "none", None),
                   ("Value #D", "Processes", "none", None)],
                  sort_by="Share of usable", hide=("Time", "job", "instance", "__name__")),
        ],
        [
            table("Dynamic port range",
                  "The range the OS hands ports out of, per protocol and family: first port, "
                  "size, ports reserved or excluded inside it, and what is left (usable).",
                  [target('ephemeral_port_range_start{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_range_size{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_reserved_ports{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_capacity{%s}' % sel, instant=True, table=True)],
                  [("protocol", "Protocol", None, None),
                   ("family", "Family", None, None),
                   ("Value #A", "First port", "none", None),
                   ("Value #B", "Range size", "none", None),
                   ("Value #C", "Reserved/excluded", "none", None),
                   ("Value #D", "Usable", "none", None)],
                  hide=("Time", "job", "instance", "__name__"), w=24, h=6),
        ],
        [row("Socket states")],
        [
            timeseries("Sockets by state",
                       "All sockets of the host by protocol and state (stacked). Many "
                       "time_wait: connection churn. Growing close_wait: a process that does "
                       "not close sockets. bound (Windows): ports bound and never connected "
                       "or never released.",
                       [target('sum by (protocol, state) (ephemeral_port_sockets{%s})' % sel,
                               "{{protocol}} {{state}}")], stack=True, w=8),
            timeseries("TIME_WAIT ports and CLOSE_WAIT sockets, share of usable ports",
                       "Ports held by TIME_WAIT sockets, and CLOSE_WAIT sockets, each as a "
                       "share of the usable ports. The alerts fire at 50% (TIME_WAIT) and "
                       "10% (CLOSE_WAIT).",
                       [target('instance_protocol:ephemeral_port_time_wait_in_use:ratio{%s}' % sel,
                               "TIME_WAIT ports ({{protocol}})"),
                        target('instance_protocol:ephemeral_port_close_wait_sockets:ratio{%s}' % sel,
                               "CLOSE_WAIT sockets ({{protocol}})")],
                       unit="percentunit", steps=RATIO_STEPS, w=8),
            timeseries("TIME_WAIT sockets connect() may recycle (Linux)",
                       "TIME_WAIT sockets the kernel would take over for a new connect() to "
                       "the same destination (net.ipv4.tcp_tw_reuse: 1 everywhere, 2 on "
                       "loopback; older than tcp_tw_reuse_delay). They still hold their port "
                       "host-wide and for bind(addr, 0), but not in the connect headline.",
                       [target('ephemeral_port_time_wait_recyclable_sockets{%s}' % sel,
                               "{{protocol}}")], w=8),
        ],
        [row("Who holds the ports")],
        [
            bargauge("Top processes",
                     "Share of the usable ports each process holds (top 10), named with the "
                     "Windows services it hosts or its systemd unit. One process holding half "
                     "or more is usually a leak (EphemeralPortProcessHoldingMostPorts).",
                     [target(named('topk(10, process:ephemeral_port_in_use:ratio{%s})' % sel, sel),
                             "{{name}} pid {{pid}} {{protocol}}", instant=True)],
                     w=8, h=9),
            timeseries("Top processes over time",
                       "The five processes holding the most ports at each moment, as a share "
                       "of the usable ports. A line that only rises is a leak.",
                       [target(named('topk(5, process:ephemeral_port_in_use:ratio{%s})' % sel, sel),
                               "{{name}} pid {{pid}} {{protocol}}")],
                       unit="percentunit", steps=RATIO_STEPS, w=8, h=9),
            table("Process sockets by state",
                  "Sockets of the top processes per protocol and state. Many close_wait or "
                  "bound sockets under one process point at the leak.",
                  [target('sum by (job, instance, process, pid, protocol, state) '
                          '(ephemeral_port_process_sockets{%s}) * on (job, instance, pid) '
                          'group_left (services) ephemeral_port_process_info{%s}'
                          % (sel, sel), instant=True, table=True)],
                  [("process", "Process", None, None), ("services", "Services / unit", None, None),
                   ("pid", "PID", None, None),
                   ("protocol", "Protocol", None, None), ("state", "State", None, None),
                   ("Value", "Sockets", "none", None)],
                  sort_by="Sockets", hide=("Time", "job", "instance", "__name__"), w=8, h=9),
        ],
        [
            bargauge("Handles of the top processes",
                     "Open handles (Windows, Task Manager's Handles column) or file "
                     "descriptors (Linux) of the processes holding the most ports. Over 3,000 "
                     "deserves a look, over 10,000 is the mark of a leak when the process also "
                     "holds many ports; System, lsass.exe, sqlservr.exe and busy Linux servers "
                     "run high legitimately (runbook: Handle counts).",
                     [target(named('ephemeral_port_process_handles{%s}' % sel, sel),
                             "{{name}} pid {{pid}}", instant=True)],
                     unit="none", steps=HANDLE_STEPS, w=8, h=9),
            timeseries("Handle counts over time",
                       "Handles (Windows) or descriptors (Linux) of the top processes. A count "
                       "that only rises while traffic is flat is a leak; together with rising "
                       "ports, the leak that empties the range.",
                       [target(named('ephemeral_port_process_handles{%s}' % sel, sel),
                               "{{name}} pid {{pid}}")],
                       steps=HANDLE_STEPS, w=8, h=9),
            table("What the top processes are",
                  "Each top process with what names it for an admin: the Windows services it "
                  "hosts (a shared svchost.exe hosts several) or its systemd unit on Linux, "
                  "its executable and its user (Linux).",
                  [target('ephemeral_port_process_info{%s}' % sel, instant=True, table=True)],
                  [("process", "Process", None, None), ("pid", "PID", None, None),
                   ("services", "Services / unit", None, None),
                   ("executable", "Executable", None, None), ("user", "User", None, None)],
                  hide=("Time", "job", "instance", "__name__", "Value"), w=8, h=9),
        ],
        [
            timeseries("Ports held without an owning process",
                       "Ports in the range held by sockets no process owns: time_wait "
                       "(closed, waiting out TIME_WAIT), fin_wait2 (kernel timewait objects "
                       "waiting for the peer's FIN), orphaned (closed by the process, still a "
                       "full socket), syn_recv (half-open inbound connections) and unknown "
                       "(the owner could not be read).",
                       [target('ephemeral_port_unattributed_in_use{%s}' % sel,
                               "{{protocol}} {{reason}}")], w=8),
            table("Watched services",
                  "Each watched service (WAPCSvc on Windows by default; configured systemd "
                  "units on Linux): running or not, its processes, the ports it holds and "
                  "its share of the usable TCP ports.",
                  [target('ephemeral_port_service_up{%s}' % sel, instant=True, table=True),
                   target('ephemeral_port_service_processes{%s}' % sel, instant=True, table=True),
                   target('sum by (job, instance, service) (ephemeral_port_service_in_use{%s, protocol="tcp"})'
                          % sel, instant=True, table=True),
                   target('sum by (job, instance, service) (ephemeral_port_service_in_use{%s, protocol="udp"})'
                          % sel, instant=True, table=True),
                   target('max by (job, instance, service) (service:ephemeral_port_in_use:ratio{%s, protocol="tcp"})'
                          % sel, instant=True, table=True)],
                  [("service", "Service", None, None),
                   ("Value #A", "Running", "none", None),
                   ("Value #B", "Processes", "none", None),
                   ("Value #C", "TCP ports", "none", None),
                   ("Value #D", "UDP ports", "none", None),
                   ("Value #E", "Share of TCP ports", "percentunit", RATIO_STEPS)],
                  hide=("Time", "job", "instance", "__name__"), w=10),
            stat("Processes inspected",
                 "Processes whose sockets were listed, and processes that could not be read "
                 "(no permission, or exited during the scrape); the sockets of the latter "
                 "count as unattributed.",
                 [target('ephemeral_port_processes_scanned{%s}' % sel, "scanned"),
                  target('ephemeral_port_processes_unreadable{%s}' % sel, "unreadable")],
                 w=6, h=8),
        ],
        [row("Destinations")],
        [
            bargauge("Top destinations",
                     "How close new connections to each remote address and port are to "
                     "failing: on Linux TCP the ports held for every destination plus its "
                     "own, each once, over the usable ports; on Windows TCP live sockets' "
                     "ports plus its TIME_WAIT ones; UDP ports in use / usable ports.",
                     [target('topk(10, ephemeral_port_destination_usage_ratio{%s})' % sel,
                             "{{protocol}} {{remote_address}}:{{remote_port}}", instant=True)]),
            timeseries("Ports toward the top destinations",
                       "Distinct local ports connected to each of the busiest remote "
                       "addresses and ports, as ss shows them (bind-before-connect "
                       "clients included, accepted connections not).",
                       [target('topk(10, ephemeral_port_destination_in_use{%s})' % sel,
                               "{{protocol}} {{remote_address}}:{{remote_port}}")]),
        ],
        [row("Churn and failures")],
        [
            timeseries("TCP connections per second",
                       "Outbound connections started (ActiveOpens), inbound connections "
                       "accepted (PassiveOpens) and connection attempts that failed "
                       "(AttemptFails), per second.",
                       [target('sum(rate(ephemeral_port_tcp_active_opens_total{%s}[$__rate_interval]))' % sel,
                               "outbound opened"),
                        target('sum(rate(ephemeral_port_tcp_passive_opens_total{%s}[$__rate_interval]))' % sel,
                               "inbound accepted"),
                        target('sum(rate(ephemeral_port_tcp_attempt_fails_total{%s}[$__rate_interval]))' % sel,
                               "attempts failed")],
                       unit="cps"),
            stat("Windows port exhaustion events in range",
                 "Tcpip events in the System log during the selected time range. 4231: a "
                 "TCP port could not be allocated because all were in use. 4266: the same for "
                 "UDP. 4227: a connect failed because the only free port had just been used "
                 "toward the same endpoint. Any non-zero value means ports already ran out. "
                 "Counted while the exporter runs: a restart starts at 0 and does not count "
                 "the log's older events again; one logged while the exporter was down shows "
                 "only in the age panel beside. Always 0 on Linux.",
                 [target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4231"}[$__range])) '
                         'or on() vector(0)' % sel, "4231 (no TCP port left)", instant=True),
                  target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4266"}[$__range])) '
                         'or on() vector(0)' % sel, "4266 (no UDP port left)", instant=True),
                  target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4227"}[$__range])) '
                         'or on() vector(0)' % sel, "4227 (port reused too soon)", instant=True)],
                 steps=ZERO_GOOD_STEPS, w=8, h=8, graph=False),
            stat("Newest port exhaustion event",
                 "When the newest Tcpip 4231, 4266 or 4227 event was logged "
                 "(ephemeral_port_windows_event_last_timestamp_seconds); the alert pages while "
                 "it is under 15 minutes old. Decades ago means none in the look-back (and "
                 "always on Linux).",
                 [target('max(ephemeral_port_windows_event_last_timestamp_seconds{%s}) * 1000 '
                         'or on() vector(0)' % sel, "newest event", instant=True)],
                 unit="dateTimeFromNow", w=4, h=8, graph=False),
        ],
        [row("Failing connects and churn (Linux, connect_events collector)")],
        [
            timeseries("Connects failing for lack of a port",
                       "connect() calls that failed with EADDRNOTAVAIL and port-0 binds or UDP "
                       "autobinds that found no port, per second, counted in the kernel (BPF). "
                       "Anything above zero means applications are getting errors now. Empty "
                       "unless the connect_events collector is on (Linux).",
                       [target('sum by (protocol) (rate(ephemeral_port_connect_failures_total{%s}[$__rate_interval]))'
                               % sel, "{{protocol}} connect()"),
                        target('sum by (protocol, call) (rate(ephemeral_port_port_allocation_failures_total{%s}[$__rate_interval]))'
                               % sel, "{{protocol}} {{call}}")],
                       unit="cps", w=8),
            table("Processes whose connects fail",
                  "Processes whose connects or port-0 binds failed for lack of a port since "
                  "the exporter started (a process's series is born at its first failure).",
                  [target('topk(10, ephemeral_port_process_connect_failures_total{%s} > 0)'
                          % sel, instant=True, table=True)],
                  [("process", "Process", None, None), ("pid", "PID", None, None),
                   ("Value", "Failures", "none", None)],
                  sort_by="Failures", w=5, hide=("Time", "job", "__name__", "instance")),
            table("Destinations of failing connects",
                  "Remote addresses and ports that connects failed toward for lack of a port "
                  "since the exporter started.",
                  [target('topk(10, ephemeral_port_destination_connect_failures_total{%s})'
                          % sel, instant=True, table=True)],
                  [("remote_address", "Destination", None, None),
                   ("remote_port", "Port", None, None), ("Value", "Failures", "none", None)],
                  sort_by="Failures", w=5,
                  hide=("Time", "job", "__name__", "instance", "protocol")),
            timeseries("Who churns: outbound connects per process",
                       "Outbound TCP connects per second of the busiest processes, short-lived "
                       "connections included: counted in the kernel (Linux, BPF) or from ETW "
                       "(Windows). TIME_WAIT sockets have no owner (on Windows not even a pid); "
                       "this panel names the process that made them.",
                       [target('topk(10, sum by (process, pid) (rate(ephemeral_port_process_connects_total{%s}[$__rate_interval])))'
                               % sel, "{{process}} ({{pid}})")],
                       unit="cps", w=6),
        ],
        [row("Network namespaces: pods and containers (Linux, namespaces collector)")],
        [
            table("Namespaces closest to running out",
                  "The network namespaces of pods and containers with the highest headline "
                  "(top 20 by default), each under its own range and sockets: netns is its "
                  "inode (lsns -t net), pod UID and container from its cgroup path, process "
                  "the lowest pid in it (pause in a pod). Join the pod UID with "
                  "kube_pod_info's uid for the pod's name (runbook: Which pod or container "
                  "is it?). Empty unless the namespaces collector is on.",
                  [target('topk(20, netns_protocol:ephemeral_port_namespace_exhaustion_ratio:max{%s})'
                          % sel, instant=True, table=True),
                   target('ephemeral_port_namespace_bind_exhaustion_ratio{%s} * on (job, instance, netns) '
                          'group_left (pod_uid, container_id, process) '
                          'ephemeral_port_namespace_info{%s}' % (sel, sel),
                          instant=True, table=True),
                   target('ephemeral_port_namespace_in_use{%s} * on (job, instance, netns) '
                          'group_left (pod_uid, container_id, process) '
                          'ephemeral_port_namespace_info{%s}' % (sel, sel),
                          instant=True, table=True),
                   target('ephemeral_port_namespace_capacity{%s} * on (job, instance, netns) '
                          'group_left (pod_uid, container_id, process) '
                          'ephemeral_port_namespace_info{%s}' % (sel, sel),
                          instant=True, table=True)],
                  [("netns", "netns", None, None), ("pod_uid", "Pod UID", None, None),
                   ("container_id", "Container", None, None), ("process", "Process", None, None),
                   ("protocol", "Protocol", None, None),
                   ("Value #A", "Headline", "percentunit", RATIO_STEPS),
                   ("Value #B", "Bind headline", "percentunit", RATIO_STEPS),
                   ("Value #C", "Unavailable", "none", None),
                   ("Value #D", "Usable", "none", None)],
                  sort_by="Headline", hide=("Time", "job", "instance", "__name__"), w=12, h=9,
                  no_value="No namespace reported (collector off, or no other namespace)"),
            timeseries("Headline per namespace",
                       "The ten namespaces with the highest headline at each moment. A line "
                       "that only rises is a pod leaking connections; its connects fail with "
                       "EADDRNOTAVAIL at 100% whatever the host's own headline says "
                       "(EphemeralPortNamespaceExhaustionImminent).",
                       [target('topk(10, netns_protocol:ephemeral_port_namespace_exhaustion_ratio:max{%s})'
                               % sel, "{{protocol}} netns {{netns}} {{pod_uid}} {{process}}")],
                       unit="percentunit", steps=RATIO_STEPS, w=8, h=9),
            stat("Namespaces read",
                 "Network namespaces other than the exporter's own read in full this scrape, "
                 "and those found but not entered or not read (no CAP_SYS_ADMIN or "
                 "CAP_SYS_PTRACE, errors; the log says which). Namespaces that vanished "
                 "during a scrape are not counted.",
                 [target('ephemeral_port_namespaces_scanned{%s}' % sel, "scanned"),
                  target('ephemeral_port_namespaces_failed{%s}' % sel, "failed")],
                 w=4, h=9),
        ],
        [
            timeseries("Connect failures per namespace",
                       "connect() calls that found no local port, per second, in the network "
                       "namespaces with the most failures (Linux; both the connect_events and "
                       "the namespaces collectors on): the pod whose connects fail now, "
                       "named by its pod UID when it is among the namespaces reported above.",
                       [target('topk(10, sum by (job, instance, netns) (rate(ephemeral_port_namespace_connect_failures_total{%s}[$__rate_interval]))'
                               ' * on (job, instance, netns) group_left (pod_uid, process) '
                               'ephemeral_port_namespace_info{%s})' % (sel, sel),
                               "netns {{netns}} {{pod_uid}} {{process}}")],
                       unit="ops", w=12, h=8),
            table("Failing processes in namespaces",
                  "Processes in other network namespaces (pid as the node sees it) with the "
                  "most connect failures for lack of a port since the exporter started "
                  "(Linux, connect_events with namespaces).",
                  [target('topk(10, ephemeral_port_namespace_process_connect_failures_total{%s})'
                          % sel, instant=True, table=True)],
                  [("netns", "netns", None, None), ("process", "Process", None, None),
                   ("pid", "PID", None, None), ("Value", "Failures", "none", None)],
                  sort_by="Failures", hide=("Time", "job", "instance", "__name__"), w=6, h=8,
                  no_value="No failures in other namespaces"),
            table("Failing destinations in namespaces",
                  "Destinations toward which connects in other network namespaces found no "
                  "local port, most failures first, since the exporter started (Linux, "
                  "connect_events with namespaces).",
                  [target('topk(10, ephemeral_port_namespace_destination_connect_failures_total{%s})'
                          % sel, instant=True, table=True)],
                  [("netns", "netns", None, None), ("remote_address", "Destination", None, None),
                   ("remote_port", "Port", None, None), ("Value", "Failures", "none", None)],
                  sort_by="Failures", hide=("Time", "job", "instance", "__name__", "protocol"),
                  w=6, h=8, no_value="No failures in other namespaces"),
        ],
        [row("Exporter")],
        [
            stat("Collectors",
                 "Whether each collector of the exporter succeeded in the last scrape. A "
                 "failed collector leaves its metrics missing (EphemeralPortCollectorFailing).",
                 [target('ephemeral_port_collector_success{%s}' % sel, "{{collector}}")],
                 steps=[{"color": "red", "value": None}, {"color": "green", "value": 1}],
                 mappings=[{"type": "value", "options": {
                     "0": {"text": "FAILED", "color": "red", "index": 0},
                     "1": {"text": "OK", "color": "green", "index": 1}}}],
                 w=8, h=6, graph=False),
            timeseries("Collector duration",
                       "Time each collector took per scrape. Keep the sum well below the "
                       "scrape timeout.",
                       [target('ephemeral_port_collector_duration_seconds{%s}' % sel,
                               "{{collector}}")], unit="s", w=8, h=6),
            table("Firing port alerts",
                  "EphemeralPort* alerts firing for this host now.",
                  [target('ALERTS{alertname=~"EphemeralPort.*", alertstate="firing", %s}' % sel,
                          instant=True, table=True)],
                  [("alertname", "Alert", None, None), ("severity", "Severity", None, None)],
                  hide=("Time", "job", "instance", "__name__", "alertstate", "Value"),
                  w=8, h=6, no_value="No port alert is firing"),
        ],
    ]
    variables = [
        datasource_var(),
        JOB_VAR(),
        query_var("instance", "Host", 'label_values(ephemeral_port_build_info{job=~"$job"}, instance)'),
    ]
    return dashboard("epx-host", "Ephemeral ports / Host detail",
                     "One host: ephemeral port usage per protocol and local address against "
                     "capacity, socket states, the processes, services and destinations that "
                     "hold the ports, connection churn and Windows exhaustion events.",
                     variables, layout(rows))


# ---------------------------------------------------------------- connectors

def connectors():
    svc = 'job=~"$job", instance=~"$instance", service=~"$service"'
    sel = 'job=~"$job", instance=~"$instance"'
    rows = [
        [
            text("About this dashboard",
                 "Servers running the watched service **$service** (by default WAPCSvc, the "
                 "Microsoft Entra Private Network Connector). Every user session through a "
                 "connector becomes outbound connections from the connector server, each "
                 "taking an ephemeral port. Widen the port range before the service reaches "
                 "the limit; past about 50,000 ports per server, add connectors to the group. "
                 "See the [runbook](" + RUNBOOK + "#ephemeralportservicenearlimit).", h=3),
        ],
        [
            stat("Servers running $service",
                 "Selected servers where the watched service has a running process.",
                 [target('sum(ephemeral_port_service_up{%s})' % svc, instant=True)],
                 w=6, graph=False),
            stat("Servers where $service is not running",
                 "Selected servers that watch the service but have no process of it: the "
                 "connector is stopped or crashed.",
                 [target('count(ephemeral_port_service_up{%s} == 0) or on() vector(0)' % svc,
                         instant=True)],
                 steps=ZERO_GOOD_STEPS, w=6, graph=False),
            stat("Busiest server: $service share of TCP ports",
                 "The largest share of a server's usable TCP ports held by the service. "
                 "The service alerts fire at 80% (ticket) and 90% (page).",
                 [target('max(service:ephemeral_port_in_use:ratio{%s, protocol="tcp"})' % svc)],
                 unit="percentunit", steps=RATIO_STEPS, w=6),
            stat("Worst headline on these servers",
                 "The highest headline ratio (all processes, any protocol) among the "
                 "selected servers. 100% = outbound connects fail.",
                 [target('max(instance:ephemeral_port_exhaustion_ratio:max{%s})' % sel)],
                 unit="percentunit", steps=RATIO_STEPS, w=6),
        ],
        [
            table("Connector servers",
                  "Per server: whether the service runs, its processes, its TCP and UDP ports "
                  "in use, its share of the usable TCP ports and the host's headline ratio "
                  "(all processes). Sorted by the service's share.",
                  [target('ephemeral_port_service_up{%s}' % svc, instant=True, table=True),
                   target('ephemeral_port_service_processes{%s}' % svc, instant=True, table=True),
                   target('max by (job, instance, service) (ephemeral_port_service_in_use{%s, protocol="tcp"})'
                          % svc, instant=True, table=True),
                   target('max by (job, instance, service) (ephemeral_port_service_in_use{%s, protocol="udp"})'
                          % svc, instant=True, table=True),
                   target('max by (job, instance, service) (service:ephemeral_port_in_use:ratio{%s, protocol="tcp"})'
                          % svc, instant=True, table=True),
                   target('max by (job, instance, service) ('
                          'instance:ephemeral_port_exhaustion_ratio:max{%s}'
                          ' * on (job, instance) group_right ()'
                          ' (0 * ephemeral_port_service_up{%s} + 1))' % (sel, svc),
                          instant=True, table=True)],
                  [("instance", "Server", None, None),
                   ("service", "Service", None, None),
                   ("Value #A", "Running", "none", None),
                   ("Value #B", "Processes", "none", None),
                   ("Value #C", "TCP ports", "none", None),
                   ("Value #D", "UDP ports", "none", None),
                   ("Value #E", "Share of TCP ports", "percentunit", RATIO_STEPS),
                   ("Value #F", "Host headline", "percentunit", RATIO_STEPS)],
                  sort_by="Share of TCP ports", w=24, h=8),
        ],
        [
            timeseries("$service share of TCP ports, per server",
                       "Ports held by the service as a share of each server's usable TCP "
                       "ports. Servers far apart mean the load is not balanced across the "
                       "connector group.",
                       [target('service:ephemeral_port_in_use:ratio{%s, protocol="tcp"}' % svc,
                               "{{instance}}")],
                       unit="percentunit", steps=RATIO_STEPS),
            timeseries("Headline ratio, per server",
                       "The host-wide headline (worst protocol, all processes) of each "
                       "server. 100% = outbound connects fail.",
                       [target('instance:ephemeral_port_exhaustion_ratio:max{%s}' % sel,
                               "{{instance}}")],
                       unit="percentunit", steps=RATIO_STEPS),
        ],
        [
            timeseries("$service ports in use",
                       "Distinct ports in the dynamic range held by the service's processes, "
                       "per server and protocol.",
                       [target('ephemeral_port_service_in_use{%s}' % svc,
                               "{{instance}} {{protocol}}")]),
            timeseries("$service processes",
                       "Processes of the service per server; a drop to 0 is a stop or crash, "
                       "which also releases all its ports.",
                       [target('ephemeral_port_service_processes{%s}' % svc, "{{instance}}")]),
        ],
        [
            bargauge("Where the servers connect (top 10 destinations)",
                     "Ports toward each remote address and port, on the selected servers "
                     "(all processes, not only the service): the internal applications users "
                     "reach through the connectors.",
                     [target('topk(10, ephemeral_port_destination_in_use{%s})' % sel,
                             "{{instance}} -> {{remote_address}}:{{remote_port}}", instant=True)],
                     unit="none", steps=NEUTRAL_STEPS),
            timeseries("Outbound TCP connections per second, per server",
                       "New outbound TCP connections per second on each server.",
                       [target('sum by (instance) (rate(ephemeral_port_tcp_active_opens_total{%s}[$__rate_interval]))'
                               % sel, "{{instance}}")], unit="cps", w=6),
            stat("Port exhaustion events in range",
                 "Tcpip events 4231 (no TCP port left), 4266 (no UDP port left) and 4227 "
                 "(port reused too soon) in the System logs of the selected servers during "
                 "the time range, counted while the exporter runs (a restart does not count "
                 "older events again). Non-zero means users already saw failures.",
                 [target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4231"}[$__range])) '
                         'or on() vector(0)' % sel, "4231", instant=True),
                  target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4266"}[$__range])) '
                         'or on() vector(0)' % sel, "4266", instant=True),
                  target('sum(increase(ephemeral_port_windows_events_total{%s, event_id="4227"}[$__range])) '
                         'or on() vector(0)' % sel, "4227", instant=True)],
                 steps=ZERO_GOOD_STEPS, w=6, h=8, graph=False),
        ],
        [
            timeseries("Who churns on these servers: outbound connects per process",
                       "Outbound TCP connects per second of the busiest processes on the "
                       "selected servers, from ETW on Windows (BPF on Linux) with the "
                       "connect_events collector on. A port in TIME_WAIT has no owner; this "
                       "names the process that opened it, the usual answer to event 4227 and "
                       "to TIME_WAIT filling the pool.",
                       [target('topk(10, sum by (instance, process, pid) '
                               '(rate(ephemeral_port_process_connects_total{%s}[$__rate_interval])))'
                               % sel, "{{instance}} {{process}} ({{pid}})")],
                       unit="cps", w=24),
        ],
    ]
    variables = [
        datasource_var(),
        JOB_VAR(),
        query_var("service", "Service", 'label_values(ephemeral_port_service_up{job=~"$job"}, service)',
                  current={"text": "WAPCSvc", "value": "WAPCSvc"}),
        query_var("instance", "Server",
                  'label_values(ephemeral_port_service_up{job=~"$job", service=~"$service"}, instance)',
                  multi=True, include_all=True,
                  current={"text": ["All"], "value": ["$__all"]}),
    ]
    return dashboard("epx-connectors", "Ephemeral ports / Connectors (WAPCSvc)",
                     "Servers running a watched service such as the Entra Private Network "
                     "Connector (WAPCSvc): its share of the ports, balance across servers, "
                     "destinations and exhaustion events.", variables, layout(rows))


DASHBOARDS = {
    "ephemeral-ports-fleet.json": fleet,
    "ephemeral-ports-host.json": host,
    "ephemeral-ports-connectors.json": connectors,
}


def render(builder):
    return json.dumps(builder(), indent=2, sort_keys=False) + "\n"


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    for name, builder in DASHBOARDS.items():
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(builder))
        print("wrote " + path)


if __name__ == "__main__":
    main()

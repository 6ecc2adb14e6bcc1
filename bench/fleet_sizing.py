#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sizing simulation of the central store of a fleet (deploy/fleet/).

For each fleet size N it generates the series the central store receives
from N hosts over the last HOURS hours, one sample every 30 s (the site
configs' evaluation and scrape interval), loads them into VictoriaMetrics
(/api/v1/import) and into a Prometheus (promtool tsdb
create-blocks-from openmetrics), and measures: series per host, samples per
second, import time, disk, memory (RSS), and the latency of every fleet
dashboard query (instant and over 24 h) and every fleet rule expression.

The per-host series are those a site Prometheus forwards
(deploy/fleet/prometheus-site-remote-write.yml's keep-list), with the label
sets of the real exposition (tests/e2e/golden/metrics.prom) and of the
shipped recording rules; half the hosts are Windows (adds the three event
counters), 5% are filling up, 1% sit above 80% with a firing alert. The
generator is bench/fleet_gen.cc.

usage: python3 bench/fleet_sizing.py [--hosts 1000,10000] [--hours 24]
                                     [--out bench/results/fleet]
                                     [--engines victoriametrics,prometheus] [--smoke]
Needs prometheus, promtool, victoria-metrics (Debian packages), g++, curl.
--smoke: N = 50 over 2 h into a temporary directory (about a minute).
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml


def free_addr():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return "127.0.0.1:%d" % s.getsockname()[1]


VM_ADDR = free_addr()
PROM_ADDR = free_addr()

REPO = pathlib.Path(__file__).resolve().parent.parent
INTERVAL = 30
CHUNK_HOURS = 6
# promtool create-blocks-from reads its whole input file into memory: 6 h of
# 10,000 hosts is a 19.5 GB file, so larger fleets are written 2 h at a time
# (promtool's smallest block).
CHUNK_BYTES_MAX = 4 << 30
BYTES_PER_SAMPLE_LINE = 160


def chunk_hours(series):
    per_hour = series * 3600 // INTERVAL * BYTES_PER_SAMPLE_LINE
    return 6 if per_hour * 6 <= CHUNK_BYTES_MAX else 2


# Grafana's view: the fleet dashboard's default 6 h, and a 24 h one; the
# steps are what Grafana picks for a full-width panel (about 700 points).
VIEWS = ((6, 30), (24, 120))
REPEATS = 3

KINDS = {
    "up": "one",
    "ephemeral_port_build_info": "one",
    "ephemeral_port_exhaustion_in_use": "in_use",
    "ephemeral_port_tcp_active_opens_total": "opens",
    "ephemeral_port_tcp_attempt_fails_total": "fails",
    "ephemeral_port_windows_events_total": "events",
    "ephemeral_port_windows_event_last_timestamp_seconds": "event_ts",
    "ephemeral_port_connect_failures_total": "fails",
    # One series per self-test check, 1 while it passes.
    "ephemeral_port_selftest_success": "one",
    "instance:ephemeral_port_exhaustion_ratio:max": "ratio",
    "instance_protocol:ephemeral_port_exhaustion_ratio:max": "ratio",
    "instance_protocol:ephemeral_port_bind_exhaustion_ratio:max": "ratio",
    "instance_protocol:ephemeral_port_capacity:max": "capacity",
    "instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h": "hours",
    "ALERTS": "alerts",
}


def log(msg):
    print(msg, flush=True)


def forwarded_names():
    site = yaml.safe_load((REPO / "deploy/fleet/prometheus-site-remote-write.yml").read_text())
    for rule in site["remote_write"][0]["write_relabel_configs"]:
        if rule.get("source_labels") == ["__name__"]:
            return rule["regex"].split("|")
    raise SystemExit("no __name__ keep-list in prometheus-site-remote-write.yml")


def template():
    """Lines KIND OS NAME LABELS for bench/fleet_gen.cc."""
    golden = (REPO / "tests/e2e/golden/metrics.prom").read_text().splitlines()
    raw = {}
    for line in golden:
        m = re.match(r"^([a-z_:]+)(?:\{([^}]*)\})? ", line)
        if m:
            raw.setdefault(m.group(1), []).append(m.group(2) or "-")
    protocols = sorted({re.search(r'protocol="(\w+)"', l).group(1)
                        for l in raw["ephemeral_port_exhaustion_ratio"]})
    out = []
    for name in forwarded_names():
        kind = KINDS.get(name)
        if kind is None:
            raise SystemExit("fleet_sizing: no value model for forwarded series %s" % name)
        if name in ("ephemeral_port_windows_events_total",
                    "ephemeral_port_windows_event_last_timestamp_seconds"):
            out += ['%s windows %s event_id="%s"' % (kind, name, e) for e in ("4227", "4231", "4266")]
        elif name == "ephemeral_port_connect_failures_total":
            # Linux hosts with the connect_events collector on (opt-in): all
            # of them here, the upper bound.
            out += ['fails linux %s protocol="tcp",family="%s"' % (name, f) for f in ("ipv4", "ipv6")]
        elif name == "ephemeral_port_build_info":
            out.append("one linux %s %s" % (name, raw[name][0]))
            out.append('one windows %s version="0.1.0",os="windows",source="iphlpapi"' % name)
        elif name in raw:
            out += ["%s any %s %s" % (kind, name, labels) for labels in raw[name]]
        elif name == "ALERTS":
            out.append('alerts any ALERTS alertname="EphemeralPortUsageHigh",alertstate="firing",'
                       'protocol="tcp",severity="warning"')
        elif name == "instance_protocol:ephemeral_port_hours_to_exhaustion:deriv1h":
            out.append('hours any %s protocol="tcp"' % name)
        elif name.startswith("instance_protocol:"):
            out += ['%s any %s protocol="%s"' % (kind, name, p) for p in protocols]
        else:
            out.append("%s any %s -" % (kind, name))
    return out


def series_per_host(lines):
    linux = sum(1 for l in lines if l.split()[1] in ("any", "linux") and l.split()[0] not in ("hours", "alerts"))
    windows = sum(1 for l in lines if l.split()[1] in ("any", "windows") and l.split()[0] not in ("hours", "alerts"))
    return linux, windows


def get_json(url, timeout=600):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def wait_http(url, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("fleet_sizing: %s not ready after %d s" % (url, seconds))


def rss_mb(pid):
    status = pathlib.Path("/proc/%d/status" % pid).read_text()
    get = lambda k: int(re.search(r"^%s:\s+(\d+) kB" % k, status, re.M).group(1)) / 1024
    return get("VmRSS"), get("VmHWM")


def du_mb(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total / 1e6


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def timed_query(base, expr, at, start=None, step=None):
    if start is None:
        q = {"query": expr, "time": str(at)}
        path = "/api/v1/query"
    else:
        q = {"query": expr, "start": str(start), "end": str(at), "step": str(step)}
        path = "/api/v1/query_range"
    url = base + path + "?" + urllib.parse.urlencode(q)
    times, res = [], None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = get_json(url)
        times.append((time.perf_counter() - t0) * 1000)
    if res.get("status") != "success":
        raise SystemExit("fleet_sizing: query failed: %s: %s" % (expr, res))
    return statistics.median(times), len(res["data"]["result"])


def queries():
    out = subprocess.run([sys.executable, str(REPO / "tests/dashboards/extract_queries.py"),
                          "--var", "job=ephemeral_port",
                          str(REPO / "dashboards/ephemeral-ports-fleet.json")],
                         check=True, capture_output=True, text=True).stdout
    board = json.loads((REPO / "dashboards/ephemeral-ports-fleet.json").read_text())
    instant = {(str(p["id"]), t.get("refId")): bool(t.get("instant")) and not t.get("range")
               for p in board["panels"] for t in p.get("targets", [])}
    dash = []
    for line in out.splitlines():
        _, pid, title, ref, expr = line.split("\t", 4)
        # Variables run once as instant queries, annotations over the view.
        mode = "instant" if pid == "var" or instant.get((pid, ref)) else "range"
        dash.append(("%s %s" % ("panel " + pid if pid.isdigit() else pid, ref), title, expr, mode))
    rules = yaml.safe_load((REPO / "deploy/fleet/fleet-rules.yml").read_text())
    fleet = [(r.get("record") or r.get("alert"), "fleet rule", " ".join(r["expr"].split()))
             for g in rules["groups"] for r in g["rules"]]
    return dash, fleet


def measure(engine, base, pid, end, hours, dash, fleet):
    """Times every dashboard query as Grafana issues it (instant, or a range
    over each view) and every fleet rule expression (instant)."""
    result = {"queries": [], "rules": [], "views": {}}
    for key, title, expr, mode in dash:
        q = {"id": key, "title": title, "mode": mode}
        if mode == "instant":
            q["ms"], q["series"] = timed_query(base, expr, end)
        else:
            for view_h, step in VIEWS:
                view_h = min(view_h, hours)
                q["ms_%dh" % view_h], q["series"] = timed_query(base, expr, end, end - view_h * 3600, step)
        if q["series"] == 0:
            raise SystemExit("fleet_sizing: %s: fleet dashboard query %s returned no data: %s" % (
                engine, key, expr))
        result["queries"].append(q)
    for view_h, _ in VIEWS:
        view_h = min(view_h, hours)
        cost = lambda q: q.get("ms", q.get("ms_%dh" % view_h, 0))
        slowest = max(result["queries"], key=cost)
        result["views"]["%dh" % view_h] = {"ms_total": round(sum(cost(q) for q in result["queries"]), 1),
                                          "slowest": slowest["id"], "slowest_ms": round(cost(slowest), 1)}
    for key, _, expr in fleet:
        ms, n = timed_query(base, expr, end)
        result["rules"].append({"rule": key, "ms": round(ms, 1), "series": n})
    rss, hwm = rss_mb(pid)
    result["rss_mb_after_queries"] = round(rss)
    result["peak_rss_mb"] = round(hwm)
    result["rules_ms_total"] = round(sum(r["ms"] for r in result["rules"]), 1)
    log("  %s: dashboard %s; fleet rules %.0f ms; RSS %d MB (peak %d MB)" % (
        engine, ", ".join("%s view %.0f ms (slowest %s %.0f ms)" % (
            v, r["ms_total"], r["slowest"], r["slowest_ms"]) for v, r in result["views"].items()),
        result["rules_ms_total"], rss, hwm))
    return result


def run_vm(gen, tmpl, n, start, end, work, dash, fleet, hours, series):
    data = work / ("vm-%d" % n)
    proc = subprocess.Popen(["victoria-metrics", "-httpListenAddr=" + VM_ADDR,
                             "-storageDataPath=" + str(data), "-retentionPeriod=1y",
                             "-search.disableCache", "-search.latencyOffset=0s",
                             "-search.maxUniqueTimeseries=10000000"],
                            stdout=open(work / ("vm-%d.log" % n), "w"), stderr=subprocess.STDOUT)
    try:
        wait_http("http://%s/health" % VM_ADDR, 60)
        t0 = time.time()
        g = subprocess.Popen([gen, "vmjson", tmpl, str(n), str(start), str(start), str(end), str(INTERVAL)],
                             stdout=subprocess.PIPE)
        subprocess.run(["curl", "-sS", "-f", "-X", "POST", "-T", "-", "-H", "Content-Type: application/json",
                        "http://%s/api/v1/import" % VM_ADDR], stdin=g.stdout, check=True)
        g.stdout.close()
        if g.wait() != 0:
            raise SystemExit("fleet_gen failed")
        urllib.request.urlopen("http://%s/internal/force_flush" % VM_ADDR, timeout=600).read()
        load_s = time.time() - t0
        time.sleep(10)
        got = get_json("http://%s/api/v1/query?%s" % (VM_ADDR, urllib.parse.urlencode(
            {"query": 'count(up{job="ephemeral_port"})', "time": str(end)})))
        hosts_seen = int(float(got["data"]["result"][0]["value"][1])) if got["data"]["result"] else 0
        if hosts_seen != n:
            raise SystemExit("VictoriaMetrics holds %d hosts, not %d" % (hosts_seen, n))
        res = {"load_s": round(load_s, 1), "disk_mb": round(du_mb(data), 1)}
        log("  victoriametrics: imported in %.0f s, %.1f MB on disk" % (load_s, res["disk_mb"]))
        res.update(measure("victoriametrics", "http://" + VM_ADDR, proc.pid, end, hours, dash, fleet))
        return res
    finally:
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def run_prometheus(gen, tmpl, n, start, end, work, dash, fleet, hours, series):
    data = work / ("prom-%d" % n)
    data.mkdir()
    step_h = chunk_hours(series)
    t0 = time.time()
    for chunk in range(start, end, step_h * 3600):
        om = work / "chunk.om"
        with open(om, "w") as f:
            subprocess.run([gen, "openmetrics", tmpl, str(n), str(start), str(chunk),
                            str(min(end, chunk + step_h * 3600)), str(INTERVAL)], stdout=f, check=True)
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                        "--max-block-duration=%dh" % step_h, str(om), str(data)],
                       check=True, stdout=subprocess.DEVNULL)
        om.unlink()
    load_s = time.time() - t0
    cfg = work / "prometheus.yml"
    cfg.write_text("global: {scrape_interval: 30s}\n")
    proc = subprocess.Popen(["prometheus", "--config.file=" + str(cfg), "--storage.tsdb.path=" + str(data),
                             "--web.listen-address=" + PROM_ADDR, "--storage.tsdb.retention.time=1y"],
                            stdout=open(work / ("prom-%d.log" % n), "w"), stderr=subprocess.STDOUT)
    try:
        wait_http("http://%s/-/ready" % PROM_ADDR, 600)
        time.sleep(5)
        res = {"load_s": round(load_s, 1), "disk_mb": round(du_mb(data), 1)}
        log("  prometheus: blocks written in %.0f s, %.1f MB on disk" % (load_s, res["disk_mb"]))
        res.update(measure("prometheus", "http://" + PROM_ADDR, proc.pid, end, hours, dash, fleet))
        return res
    finally:
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def machine():
    cpu = re.search(r"model name\s*:\s*(.*)", pathlib.Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+)", pathlib.Path("/proc/meminfo").read_text())
    def ver(cmd):
        r = subprocess.run(cmd, capture_output=True, text=True)
        lines = (r.stdout + r.stderr).splitlines()
        return lines[0] if lines else "?"
    return {"cpu": cpu.group(1) if cpu else "?", "cores": os.cpu_count(),
            "memory_gb": round(int(mem.group(1)) / 1e6, 1), "kernel": os.uname().release,
            "load_before": os.getloadavg()[0],
            "prometheus": ver(["prometheus", "--version"]),
            "victoria_metrics": "victoria-metrics " + ver(["dpkg-query", "-W", "-f=${Version}", "victoria-metrics"])}


def markdown(report):
    m = report["machine"]
    rows = ["Measured on %s (%d cores shared with other work, load %.1f at the start), %.0f GB RAM, "
            "kernel %s; %s; %s. %d h of data at %d s per host, %s." % (
                m["cpu"], m["cores"], m["load_before"], m["memory_gb"], m["kernel"], m["prometheus"],
                m["victoria_metrics"], report["hours"], report["interval_s"], report["fleet_mix"]),
            "",
            "Series per host at the central store: %d (Linux), %d (Windows), +1 while filling up, "
            "+1 per firing alert." % (report["series_per_host"]["linux"], report["series_per_host"]["windows"]),
            "",
            "| Hosts | Engine | Series | Samples/s | Load | Disk | Disk per 1,000 hosts | RSS after queries (peak) "
            "| Fleet dashboard, %s view (all %d queries) | Slowest query | Fleet rules (all %d) |" % (
                ", ".join("%d h" % min(v, report["hours"]) for v, _ in VIEWS), report["dashboard_queries"],
                report["fleet_rules"]),
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in report["points"]:
        for engine in ("victoriametrics", "prometheus"):
            if engine not in p:
                continue
            e = p[engine]
            views = list(e["views"].values())
            rows.append("| %s | %s | %s | %s | %.0f s | %.0f MB | %.0f MB | %d MB (%d MB) | %s | %s | %.0f ms |" % (
                "{:,}".format(p["hosts"]), engine, "{:,}".format(p["series"]),
                "{:,.0f}".format(p["samples_per_s"]), e["load_s"], e["disk_mb"],
                e["disk_mb"] * 1000 / p["hosts"], e["rss_mb_after_queries"], e["peak_rss_mb"],
                " / ".join("%.0f ms" % v["ms_total"] for v in views),
                " / ".join("%s %.0f ms" % (v["slowest"], v["slowest_ms"]) for v in views),
                e["rules_ms_total"]))
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="1000,10000")
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--out", default=str(REPO / "bench/results/fleet"))
    ap.add_argument("--engines", default="victoriametrics,prometheus")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.hosts, args.hours = "50", 2
        args.out = tempfile.mkdtemp(prefix="epx-fleet-smoke.")
    for tool in ("prometheus", "promtool", "victoria-metrics", "g++", "curl"):
        if shutil.which(tool) is None:
            print("SKIPPED: %s not installed" % tool)
            return 77
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="epx-fleet-sizing.", dir="/var/tmp"))
    try:
        gen = str(work / "fleet_gen")
        subprocess.run(["g++", "-O2", "-std=c++17", "-o", gen, str(REPO / "bench/fleet_gen.cc")], check=True)
        lines = template()
        tmpl = work / "template.txt"
        tmpl.write_text("\n".join(lines) + "\n")
        linux, windows = series_per_host(lines)
        dash, fleet = queries()
        end = int(time.time()) // (CHUNK_HOURS * 3600) * (CHUNK_HOURS * 3600)
        start = end - args.hours * 3600
        report = {"machine": machine(), "hours": args.hours, "interval_s": INTERVAL,
                  "series_per_host": {"linux": linux, "windows": windows,
                                      "filling_host_extra": 1, "alerting_host_extra": 1},
                  "fleet_mix": "half Linux, half Windows; 5% filling up; 1% above 80% with ALERTS",
                  "dashboard_queries": len(dash), "fleet_rules": len(fleet), "points": []}
        log("template: %d Linux / %d Windows series per host, forwarded list of "
            "deploy/fleet/prometheus-site-remote-write.yml" % (linux, windows))
        for n in [int(x) for x in args.hosts.split(",")]:
            log("N = %d hosts, %d h at %d s" % (n, args.hours, INTERVAL))
            count = subprocess.run([gen, "vmjson", str(tmpl), str(n), str(start), str(end - INTERVAL), str(end),
                                    str(INTERVAL)], check=True, capture_output=True, text=True).stdout.count("\n")
            point = {"hosts": n, "series": count, "samples": count * args.hours * 3600 // INTERVAL,
                     "samples_per_s": round(count / INTERVAL, 1)}
            log("  %d series, %d samples, %.0f samples/s live" % (count, point["samples"], point["samples_per_s"]))
            runs = {"victoriametrics": run_vm, "prometheus": run_prometheus}
            for engine in args.engines.split(","):
                point[engine] = runs[engine](gen, str(tmpl), n, start, end, work, dash, fleet, args.hours,
                                             count)
            report["points"].append(point)
            (out / "fleet_sizing.json").write_text(json.dumps(report, indent=1))
            (out / "fleet_sizing.md").write_text(markdown(report))
        log((out / "fleet_sizing.md").read_text())
        if args.smoke:
            shutil.rmtree(out, ignore_errors=True)
        else:
            log("results: %s, %s" % (out / "fleet_sizing.json", out / "fleet_sizing.md"))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The incident page in a real headless browser (Debian's chromium driven by
chromedriver through python3-selenium), inside the private network
namespace incident_page_test.sh made.

It starts the exporter with basic auth and a port holder with real
connections from 10.77.0.2, opens http://admin:...@127.0.0.1:PORT/ and
checks that
  1. /, /live, /report and /runbook answer 401 without credentials;
  2. the served /runbook has an anchor for every alert of every shipped rule
     file (tests/rules/lint_rules.py --html);
  3. the page's numbers (TCP and UDP headline, the 10.77.0.2 row, the
     holder's process row, its destination row, collector status) equal
     those of /metrics scraped at the same time;
  4. after 100 more connections the page shows them without being reloaded
     (its own refresh), still equal to /metrics, and its sparkline has
     samples; every resource it loaded came from the exporter;
  5. /report is the console report;
  6. the incident the exporter recorded (threshold 0.1 in its config, so
     150 connections of a 1000-port range open one) is listed in the live
     page's incidents section; a screenshot of the live page is written to
     SCREENSHOT;
  7. its link opens the incident's page, whose worst moment, holder process
     and destination rows equal the stored /incidents/ID.json; a screenshot
     of it is written to incident_record.png beside SCREENSHOT.

usage: incident_page_browser.py EXPORTER PORT_HOLDER REPO SCREENSHOT
"""
import base64
import crypt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

USER, PASSWORD = "admin", "night-shift-3am"
HOLDER_ADDR, HOLDER_PORT = "10.77.0.2", 5000
WAIT = 30

PAGE_NUMBERS = """
function text(sel) { var e = document.querySelector(sel); return e ? e.textContent : null; }
function cell(sel, i) { var r = document.querySelector(sel); return r ? r.cells[i].textContent : null; }
var spark = document.getElementById('spark-tcp');
return {
  tcp_used: text('#headline-tcp .used'), tcp_capacity: text('#headline-tcp .capacity'),
  tcp_ratio: text('#headline-tcp .ratio'), udp_used: text('#headline-udp .used'),
  local: cell('tr[data-address="%(addr)s"][data-protocol="tcp"]', 2),
  process: cell('tr[data-pid="%(pid)d"]', 2),
  destination: cell('tr[data-destination="%(addr)s:%(port)d"]', 2),
  collectors: Array.prototype.map.call(
    document.querySelectorAll('tr[data-collector]'),
    function (r) { return r.dataset.collector + '=' + r.cells[1].textContent; }).sort().join(','),
  samples: spark ? Number(spark.dataset.samples) : -1,
  polyline: spark ? spark.querySelectorAll('polyline').length : 0,
  title: text('#title'),
  marker: window.__epx_marker || null
};
"""


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


class Exporter:
    def __init__(self, binary, workdir):
        hashed = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
        web = os.path.join(workdir, "web.yml")
        with open(web, "w") as f:
            f.write("basic_auth_users:\n  %s: %s\n" % (USER, hashed))
        config = os.path.join(workdir, "config.yml")
        with open(config, "w") as f:
            f.write("incidents:\n  threshold: 0.1\n")
        self.log = os.path.join(workdir, "exporter.log")
        self.proc = subprocess.Popen(
            [binary, "--web.listen-address=127.0.0.1:0", "--web.config.file=" + web,
             "--config.file=" + config,
             "--storage.path=" + os.path.join(workdir, "incidents")],
            stderr=open(self.log, "w"))
        self.port = None
        deadline = time.time() + 10
        while time.time() < deadline and self.port is None:
            m = re.search(r" port=(\d+)", open(self.log).read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                fail("exporter exited: " + open(self.log).read())
            else:
                time.sleep(0.1)
        if self.port is None:
            fail("exporter did not report its port: " + open(self.log).read())
        self.base = "http://127.0.0.1:%d" % self.port

    def get(self, path, auth=True):
        req = urllib.request.Request(self.base + path)
        if auth:
            token = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    def metrics(self):
        status, body = self.get("/metrics")
        if status != 200:
            fail("/metrics answered %d" % status)
        values = {}
        for line in body.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values


class Holder:
    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "--name", "porthog"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer or answer[0] != "ok":
            fail("port_holder %r answered %r" % (command, answer))
        return answer


def expected(m, pid):
    """The page's numbers as /metrics has them."""
    def g(name):
        return m.get(name)

    def n(v):
        return None if v is None else str(int(v))

    ratio = g('ephemeral_port_exhaustion_ratio{protocol="tcp"}')
    collectors = sorted("%s=%s" % (k.split('"')[1], "ok" if v == 1 else "FAILED")
                        for k, v in m.items()
                        if k.startswith("ephemeral_port_collector_success{"))
    return {
        "tcp_used": n(g('ephemeral_port_exhaustion_in_use{protocol="tcp"}')),
        "tcp_capacity": n(g('ephemeral_port_capacity{protocol="tcp",family="ipv4"}')),
        "tcp_ratio": None if ratio is None else "%.1f%%" % (ratio * 100),
        "udp_used": n(g('ephemeral_port_exhaustion_in_use{protocol="udp"}')),
        "local": n(g('ephemeral_port_local_address_in_use{protocol="tcp",local_address="%s"}'
                     % HOLDER_ADDR)),
        "process": n(g('ephemeral_port_process_in_use{protocol="tcp",process="porthog",pid="%d"}'
                       % pid)),
        "destination": n(g('ephemeral_port_destination_in_use{protocol="tcp",remote_address="%s",'
                           'remote_port="%d"}' % (HOLDER_ADDR, HOLDER_PORT))),
        "collectors": ",".join(collectors),
    }


def page_equals_metrics(driver, exporter, pid, want_local):
    """Polls until the page and /metrics agree and show want_local ports on
    the holder's address; returns (page, metrics view) or fails."""
    script = PAGE_NUMBERS % {"addr": HOLDER_ADDR, "port": HOLDER_PORT, "pid": pid}
    deadline = time.time() + WAIT
    page = want = None
    while time.time() < deadline:
        page = driver.execute_script(script)
        want = expected(exporter.metrics(), pid)
        shown = {k: page[k] for k in want}
        if shown == want and want["local"] == str(want_local):
            return page, want
        time.sleep(0.5)
    fail("within %d s the page never matched /metrics with %d ports on %s:\n page    %s\n"
         " metrics %s" % (WAIT, want_local, HOLDER_ADDR,
                          {k: page[k] for k in want}, want))


INCIDENT_PAGE = """
function rows(id) {
  var h = document.getElementById(id), t = h && h.nextElementSibling;
  if (!t || t.tagName !== 'TABLE') return [];
  var heads = Array.prototype.map.call(t.tHead.rows[0].cells, function (c) { return c.textContent; });
  return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
    var o = {};
    heads.forEach(function (k, i) { o[k] = r.cells[i].textContent; });
    return o;
  });
}
var peak = document.getElementById('peak');
return {title: document.title, peak: peak ? peak.textContent : null,
        processes: rows('processes'), destinations: rows('destinations')};
"""


def recorded_incident(exporter):
    """Polls /incidents.json until the exporter recorded an incident; its id."""
    deadline = time.time() + WAIT
    while time.time() < deadline:
        status, body = exporter.get("/incidents.json")
        if status == 200 and json.loads(body):
            return json.loads(body)[0]["id"]
        time.sleep(0.5)
    fail("no incident recorded within %d s: %s" % (WAIT, open(exporter.log).read()))


def check_incident_page(driver, exporter, incident, link, pid):
    """Follows the live page's link to the incident's page and checks that
    it shows what /incidents/ID.json stores."""
    driver.find_element("css selector", "#incidents " + link).click()
    deadline = time.time() + WAIT
    page = driver.execute_script(INCIDENT_PAGE)
    while page["title"] != "Incident " + incident and time.time() < deadline:
        time.sleep(0.2)
        page = driver.execute_script(INCIDENT_PAGE)
    if page["title"] != "Incident " + incident:
        fail("the link opened %r, not the incident's page" % page["title"])
    status, body = exporter.get("/incidents/%s.json" % incident)
    if status != 200:
        fail("/incidents/%s.json answered %d" % (incident, status))
    stored = json.loads(body)
    want_peak = "%s %.1f%%" % (stored["peak"]["headline"], stored["peak"]["ratio"] * 100)
    if not page["peak"].startswith(want_peak):
        fail("page peak %r, stored %r" % (page["peak"], want_peak))
    held = [p["tcp_in_use"] for p in stored["worst"]["processes"] if p["pid"] == pid]
    shown = [r.get("tcp_in_use") for r in page["processes"] if r.get("pid") == str(pid)]
    if not held or held[0] < 150 or shown != [str(held[0])]:
        fail("porthog (pid %d): stored %s ports, the page shows %s" % (pid, held, shown))
    dest = [r.get("in_use") for r in page["destinations"]
            if r.get("address") == HOLDER_ADDR and r.get("port") == str(HOLDER_PORT)]
    if not dest or int(dest[0]) < 150:
        fail("destination %s:%d not on the incident page: %s"
             % (HOLDER_ADDR, HOLDER_PORT, page["destinations"]))
    print("ok: incident page %s: peak %s, porthog %d ports, %s:%d %s ports, as stored"
          % (incident, want_peak, held[0], HOLDER_ADDR, HOLDER_PORT, dest[0]))


def main():
    exporter_bin, holder_bin, repo, screenshot = sys.argv[1:5]
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="epx-incident-")
    # The holder execs and renames itself before the exporter's first process
    # scan: the scanner reads a pid's name once, so a scan between Popen's
    # fork and exec would name it python3 (the recorder's 3 s samples make
    # that likelier than scrapes alone).
    holder = Holder(holder_bin)
    holder.run("listen %s %d" % (HOLDER_ADDR, HOLDER_PORT))
    exporter = Exporter(exporter_bin, workdir)
    driver = None
    try:
        for path in ("/", "/live", "/report", "/runbook", "/metrics"):
            status, _ = exporter.get(path, auth=False)
            if status != 401:
                fail("%s without credentials answered %d, not 401" % (path, status))
        print("ok: /, /live, /report, /runbook and /metrics need basic auth")

        status, runbook = exporter.get("/runbook")
        if status != 200 or "<h2 id=\"ephemeralportexhaustionimminent\">" not in runbook:
            fail("/runbook answered %d without the alert sections" % status)
        html_path = os.path.join(workdir, "runbook.html")
        with open(html_path, "w") as f:
            f.write(runbook)
        lint = subprocess.run([sys.executable, os.path.join(repo, "tests/rules/lint_rules.py"),
                               repo, "--html", html_path], capture_output=True, text=True)
        if lint.returncode != 0:
            fail("runbook anchors:\n" + lint.stdout + lint.stderr)
        print("ok: served /runbook: " + [l for l in lint.stdout.splitlines()
                                         if l.startswith("runbook:")][0])

        holder.run("connect %s %d 150" % (HOLDER_ADDR, HOLDER_PORT))
        pid = holder.proc.pid

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,2000",
                    "--user-data-dir=" + os.path.join(workdir, "chrome")):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        driver.get("http://%s:%s@127.0.0.1:%d/" % (USER, PASSWORD, exporter.port))
        if "Ephemeral ports" not in driver.title:
            fail("page title %r; body: %s" % (driver.title, driver.page_source[:500]))

        page, want = page_equals_metrics(driver, exporter, pid, 150)
        print("ok: page equals /metrics: %s" % want)

        status, report = exporter.get("/report")
        if status != 200 or "Headline tcp:" not in report or HOLDER_ADDR not in report:
            fail("/report answered %d: %s" % (status, report[:300]))
        print("ok: /report is the console report (%d lines)" % len(report.splitlines()))

        driver.execute_script("window.__epx_marker = 'kept';")
        first_title = page["title"]
        holder.run("connect %s %d 100" % (HOLDER_ADDR, HOLDER_PORT))
        page, want = page_equals_metrics(driver, exporter, pid, 250)
        if page["marker"] != "kept":
            fail("the page was reloaded instead of refreshing itself")
        if page["title"] == first_title:
            fail("the title (host and time) did not change with the refresh")
        print("ok: after 100 more connections the page refreshed itself to %s"
              % {k: page[k] for k in ("tcp_used", "local", "process", "destination")})

        deadline = time.time() + WAIT
        while page["samples"] < 2 and time.time() < deadline:
            time.sleep(0.5)
            page = driver.execute_script(
                PAGE_NUMBERS % {"addr": HOLDER_ADDR, "port": HOLDER_PORT, "pid": pid})
        if page["samples"] < 2 or page["polyline"] != 1:
            fail("sparkline has %d samples, %d lines" % (page["samples"], page["polyline"]))
        print("ok: sparkline with %d samples of the headline" % page["samples"])

        origins = driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) {"
            " return new URL(e.name).origin; }).concat([location.origin]);")
        foreign = sorted(set(o for o in origins if o != "http://127.0.0.1:%d" % exporter.port))
        if foreign:
            fail("the page loaded resources from elsewhere: %s" % foreign)
        print("ok: %d requests, all to the exporter" % (len(origins) - 1))

        incident = recorded_incident(exporter)
        link = 'a[href="/incidents/%s"]' % incident
        deadline = time.time() + WAIT
        while not driver.execute_script(
                "return document.querySelector('#incidents %s') !== null;" % link):
            if time.time() > deadline:
                fail("the live page's incidents section never listed %s" % incident)
            time.sleep(0.5)
        print("ok: the live page lists incident %s" % incident)

        driver.save_screenshot(screenshot)
        print("screenshot: %s" % screenshot)

        check_incident_page(driver, exporter, incident, link, pid)
        record_shot = os.path.join(os.path.dirname(screenshot), "incident_record.png")
        driver.save_screenshot(record_shot)
        print("screenshot: %s" % record_shot)
    finally:
        if driver is not None:
            driver.quit()
        for proc in (holder.proc, exporter.proc):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("PASS in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()

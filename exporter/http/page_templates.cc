// SPDX-License-Identifier: Apache-2.0
#include "http/page_templates.h"

namespace epx {

const char kTableTemplate[] =
    R"(<table{{#has_class}} class="{{class}}"{{/has_class}}><thead><tr>{{#head}}<th{{#n}} class="n"{{/n}}>{{text}}</th>{{/head}}</tr></thead><tbody>
{{#rows}}<tr{{#attrs}} {{name}}="{{value}}"{{/attrs}}>{{#cells}}<td{{#n}} class="n"{{/n}}>{{text}}</td>{{/cells}}</tr>
{{/rows}}</tbody></table>
)";

const char kIncidentPageTemplate[] = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><noscript><meta http-equiv="refresh" content="{{refresh}}"></noscript><title>Ephemeral ports</title><style>
body{font-family:system-ui,sans-serif;margin:1em;color:#1b1b1b}
h1{font-size:1.3em;margin:0}h2{font-size:1.05em;margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.9em}
th,td{border-bottom:1px solid #ddd;padding:.15em .6em;text-align:left}
.n{text-align:right;font-variant-numeric:tabular-nums}
#headlines{display:flex;flex-wrap:wrap;gap:1em}
.headline{border:2px solid #3a7;border-radius:6px;padding:.5em .8em;min-width:22em}
.headline.warn{border-color:#e90}.headline.crit{border-color:#d22}
.big{font-size:1.4em}.used{font-weight:bold}
.sub{color:#555;font-size:.85em}.warn{color:#b40;font-weight:bold}
tr.failed td,tr.crit td,tr.open td{color:#d22}
svg.spark{display:block;margin:.3em 0;background:#f7f7f7}
#status{color:#555;font-size:.85em}
</style></head><body>
<div id="live">
{{{live}}}</div>
<p id="status">Refreshes every {{refresh}} s.</p>
{{{about}}}<script>
(function () {
  var live = document.getElementById('live');
  var status = document.getElementById('status');
  var url = location.origin + location.pathname.replace(/[^/]*$/, '') + 'live';
  function tick() {
    fetch(url, {cache: 'no-store', credentials: 'same-origin'})
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        status.textContent = 'Refreshed ' + new Date().toLocaleTimeString() +
          '; every {{refresh}} s.';
      })
      .catch(function (e) {
        status.textContent = 'Refresh failed (' + e.message +
          '); showing the last answer, retrying.';
      })
      .then(function () { setTimeout(tick, {{refresh}}000); });
  }
  setTimeout(tick, {{refresh}}000);
})();
</script>
</body></html>
)";

const char kIncidentLiveTemplate[] = R"(<h1 id="title">{{title}}</h1>
{{#failed_collectors}}<p class="warn">Collector {{name}} failed: {{error}}</p>
{{/failed_collectors}}<section id="headlines">
{{#headlines}}<div class="headline {{level}}" id="headline-{{proto}}">
<div class="big"><span class="used">{{used}}</span> of <span class="capacity">{{capacity}}</span> {{proto_upper}} ports unavailable <span class="ratio">{{ratio}}</span></div>
<div class="sub">rule: {{rule}}; {{exclusive}} held by listeners and bound sockets{{#linux}}; bind before connect: {{bind}} ({{bind_ratio}}); recyclable TIME_WAIT {{recyclable}}{{/linux}}</div>
{{{sparkline}}}<div class="sub">last hour: peak {{peak}}</div>
</div>
{{/headlines}}{{^headlines}}<p class="warn">No headline: the port range is unknown.</p>
{{/headlines}}{{^bound_visible}}<p class="sub">Bound-only TCP sockets are not visible to this source; the TCP headline is a lower bound.</p>
{{/bound_visible}}</section>
{{{incidents}}}{{{namespaces}}}<h2>Port ranges</h2>
{{{pools}}}{{#auto_reuse}}<p>Auto-reuse range tcp {{family}}: {{range}}, {{in_use}} in use, {{ratio}} toward the worst destination</p>
{{/auto_reuse}}{{#has_range_source}}<p class="sub">Ranges read from: {{range_source}}</p>
{{/has_range_source}}<h2>Local addresses</h2>
{{{local}}}<h2>Top processes</h2>
{{#processes_collected}}{{{processes}}}{{#unattributed}}<p class="sub">unattributed {{protocol}} ({{reason}}): {{sockets}} sockets, {{in_use}} ports</p>
{{/unattributed}}{{#has_unreadable}}<p class="warn">{{unreadable}} processes could not be read (run as root or grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)</p>
{{/has_unreadable}}{{/processes_collected}}{{^processes_collected}}<p>Per-process data not collected.</p>
{{/processes_collected}}{{#has_services}}<h2>Watched services</h2>
{{{services}}}{{/has_services}}<h2>Top destinations</h2>
{{{destinations}}}{{#connect}}<h2>Failing connects since start (kernel)</h2>
<p>tcp ipv4 {{v4}}, ipv6 {{v6}}; port-0 bind tcp {{bind_tcp}}, udp {{bind_udp}}; udp autobind {{autobind}}; outbound connects {{connects}}</p>
{{{by_process}}}{{{by_destination}}}{{/connect}}<h2>Sockets by state</h2>
{{{states}}}<h2>Collectors</h2>
{{{collectors}}})";

const char kSparklineTemplate[] =
    R"(<svg class="spark" id="spark-{{proto}}" data-samples="{{count}}" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" role="img"><title>{{proto_upper}} headline, last hour</title>{{#levels}}<line x1="0" x2="{{width}}" y1="{{y}}" y2="{{y}}" stroke="#e90" stroke-dasharray="3,3" stroke-width="1"/>{{/levels}}{{#has_points}}<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="{{points}}"/><circle r="2.5" fill="#2563eb" cx="{{last_x}}" cy="{{last_y}}"/>{{/has_points}}</svg>
)";

const char kAboutSectionTemplate[] = R"(<section id="about">
<h2>Exporter</h2>
<p>Version {{version}}{{#has_revision}}, revision {{revision}}{{/has_revision}}{{#has_date}}, {{date}}{{/has_date}} ({{os}}, source {{source}})</p>
<p><a href="{{metrics_path}}">Metrics</a> &middot; <a href="/incidents">Incidents</a> &middot; <a href="/runbook">Runbook</a> &middot; <a href="/report">Console report</a> &middot; <a href="/-/healthy">Health</a></p>
<h3>Active configuration</h3>
<pre>{{config}}</pre>
</section>
)";

const char kSelfTestSectionTemplate[] =
    R"(<section id="selftest"><h2>Self-test</h2>{{^ran}}<p>Not run yet (<code>--no-selftest.at-start</code>). Run it: <a href="selftest">/selftest</a>.</p>{{/ran}}{{#ran}}<p>{{#failed}}<strong>A check failed</strong>: the metrics it names may be wrong on this host.{{/failed}}{{^failed}}Every check that ran passed.{{/failed}} Last run at Unix time {{when}}; run it again: <a href="selftest">/selftest</a>.</p>{{{checks}}}{{/ran}}</section>)";

const char kNamespaceSectionTemplate[] =
    R"(<section id="namespaces"><h2>Network namespaces (pods, containers)</h2>
<p>{{scanned}} read, {{failed}} could not be read; the worst {{shown}} by headline, each under its own range and sockets. Find the pod: runbook, <a href="runbook#which-pod-or-container-is-it">Which pod or container is it?</a></p>
{{{table}}}</section>
)";

const char kRecentIncidentsTemplate[] = R"(<section id="incidents">
<h2>Recorded incidents</h2>
{{#has_error}}<p class="warn">{{error}}</p>
{{/has_error}}{{#has_incidents}}<p class="sub">The worst moment of each incident this host recorded, newest first: {{shown}} of {{total}} (<a href="/incidents">all</a>).</p>
<table class="incidents"><thead><tr><th>Incident</th><th>Opened</th><th>Closed</th><th>Peak</th><th>Top process</th></tr></thead><tbody>
{{#incidents}}<tr data-incident="{{id}}"{{#open}} class="open"{{/open}}><td><a href="/incidents/{{id}}">{{id}}</a></td><td>{{opened}}</td><td>{{closed}}</td><td>{{peak}}</td><td>{{top_process}}</td></tr>
{{/incidents}}</tbody></table>
{{/has_incidents}}{{^has_incidents}}<p class="sub">None recorded (<a href="/incidents">/incidents</a>).</p>
{{/has_incidents}}</section>
)";

const char kHistoryPageTemplate[] = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{title}}</title><style>
body{font-family:system-ui,sans-serif;margin:1em 2em;color:#1b1b1b}
h1{font-size:1.3em}h2{font-size:1.05em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin-bottom:1em;font-size:.9em}
td,th{border-bottom:1px solid #ddd;padding:.15em .6em;text-align:left}
.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#555}dd{margin:0}
tr.open td{color:#d22}
</style></head><body>
{{{body}}}</body></html>
)";

const char kIncidentListTemplate[] = R"(<h1>Incidents</h1>
<p>The worst moment of each incident this host recorded, newest first (<a href="/incidents.json">JSON</a> &middot; <a href="/">live page</a>).</p>
{{#has_incidents}}{{{table}}}<ul>
{{#incidents}}<li><a href="/incidents/{{id}}">{{id}}</a></li>
{{/incidents}}</ul>
{{/has_incidents}}{{^has_incidents}}<p>none recorded</p>
{{/has_incidents}})";

const char kIncidentDetailTemplate[] = R"(<h1>Incident {{id}}</h1>
<dl><dt>opened</dt><dd id="opened">{{opened}}</dd><dt>closed</dt><dd id="closed">{{closed}}</dd><dt>trigger</dt><dd id="trigger">{{trigger}}</dd><dt>worst moment</dt><dd id="peak">{{peak}}</dd><dt>connect failures while open</dt><dd id="failures">{{failures}}</dd></dl>
<p><a href="/incidents/{{id}}.json">JSON</a> &middot; <a href="/incidents">all incidents</a> &middot; <a href="/runbook">runbook</a> &middot; <a href="/">live page</a></p>
{{#tables}}<h2 id="{{anchor}}">{{title}}</h2>
{{#has_rows}}{{{table}}}{{/has_rows}}{{^has_rows}}<p>none recorded</p>
{{/has_rows}}{{/tables}})";

}  // namespace epx

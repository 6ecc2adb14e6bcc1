// SPDX-License-Identifier: Apache-2.0
#include "http/incident_page_html.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <utility>

#include "http/html.h"
#include "http/namespace_section.h"

namespace epx {
namespace {

std::string N(std::uint64_t v) { return std::to_string(v); }

std::string Percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100);
  return buf;
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  return s;
}

std::string Endpoint(const std::string& address, std::uint64_t port) {
  bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + N(port);
}

std::string Headlines(const PortUsageReport& report,
                      const std::vector<HeadlineSample>& history, double now,
                      double window) {
  std::ostringstream out;
  out << "<section id=\"headlines\">\n";
  for (const ExhaustionSummary& e : report.exhaustion) {
    std::string proto = ProtocolName(e.protocol);
    auto index = static_cast<std::size_t>(e.protocol);
    double peak = e.ratio;
    for (const HeadlineSample& s : history) {
      if (s.present[index]) peak = std::max(peak, s.ratio[index]);
    }
    const char* level = e.ratio >= 0.95  ? "crit"
                        : e.ratio >= 0.8 ? "warn"
                                         : "ok";
    out << "<div class=\"headline " << level << "\" id=\"headline-" << proto
        << "\">\n<div class=\"big\"><span class=\"used\">" << e.worst_in_use
        << "</span> of <span class=\"capacity\">" << e.capacity << "</span> "
        << Upper(proto) << " ports unavailable <span class=\"ratio\">"
        << Percent(e.ratio) << "</span></div>\n<div class=\"sub\">rule: "
        << (e.rule == ExhaustionRule::kHostWide ? "host-wide"
                                                : "per destination")
        << "; " << e.exclusive_in_use << " held by listeners and bound sockets";
    if (e.linux_rules) {
      out << "; bind before connect: " << e.bind_in_use << " ("
          << Percent(e.bind_ratio) << "); recyclable TIME_WAIT "
          << e.recyclable_time_wait;
    }
    out << "</div>\n"
        << SparklineSvg(history, e.protocol, now, window)
        << "<div class=\"sub\">last hour: peak " << Percent(peak) << "</div>\n"
        << "</div>\n";
  }
  if (report.exhaustion.empty())
    out << "<p class=\"warn\">No headline: the port range is unknown.</p>\n";
  if (!report.bound_sockets_visible)
    out << "<p class=\"sub\">Bound-only TCP sockets are not visible to this "
           "source; the TCP headline is a lower bound.</p>\n";
  out << "</section>\n";
  return out.str();
}

std::string Pools(const PortUsageReport& report) {
  HtmlTable pools({"Protocol", "Family", "Range", "Reserved", "Capacity",
                   "In use", "Usage"},
                  {false, false, false, true, true, true, true});
  for (const PoolUsage& p : report.pools) {
    pools.Add({ProtocolName(p.protocol), FamilyName(p.family),
               N(p.range_start) + "-" + N(p.range_start + p.range_size - 1),
               N(p.reserved), N(p.capacity), N(p.in_use),
               Percent(p.usage_ratio)});
  }
  std::string out = "<h2>Port ranges</h2>\n" + pools.Render("pools");
  for (const AutoReusePoolUsage& u : report.auto_reuse) {
    out += "<p>Auto-reuse range tcp " + EscapeHtml(FamilyName(u.family)) +
           ": " + N(u.range_start) + "-" + N(u.range_start + u.range_size - 1) +
           ", " + N(u.in_use) + " in use, " + Percent(u.ratio) +
           " toward the worst destination</p>\n";
  }
  if (!report.range_source.empty())
    out += "<p class=\"sub\">Ranges read from: " +
           EscapeHtml(report.range_source) + "</p>\n";
  return out;
}

std::string LocalAddresses(const PortUsageReport& report) {
  HtmlTable local({"Local address", "Protocol", "Ports in use", "Capacity",
                   "Usage", "Listening ports", "Processes"},
                  {false, false, true, true, true, true, true});
  for (const LocalAddressUsage& a : report.local_addresses) {
    std::string proto = ProtocolName(a.protocol);
    local.Add({a.address, proto, N(a.in_use), N(a.capacity),
               Percent(a.usage_ratio), N(a.listening_ports),
               report.processes_collected ? N(a.processes) : "-"},
              {{"data-address", a.address}, {"data-protocol", proto}});
  }
  return "<h2>Local addresses</h2>\n" + local.Render("local");
}

std::string States(const std::vector<ProcessStateCount>& sockets) {
  std::string states;
  for (const ProcessStateCount& s : sockets) {
    if (!states.empty()) states += " ";
    states += std::string(ProtocolName(s.protocol)) + ":" +
              SocketStateName(s.state) + "=" + N(s.sockets);
  }
  return states;
}

struct ProcessColumn {
  std::string header;
  bool numeric;
  std::function<std::string(const ProcessUsage&)> cell;
};

// One entry per column of the top-process table; a new per-process field of
// the report (handle count, services hosted, unit) is one more entry here.
std::vector<ProcessColumn> ProcessColumns() {
  return {
      {"PID", true,
       [](const ProcessUsage& p) {
         return N(static_cast<std::uint64_t>(p.pid));
       }},
      {"Process", false, [](const ProcessUsage& p) { return p.name; }},
      {"TCP ports", true, [](const ProcessUsage& p) { return N(p.in_use[0]); }},
      {"UDP ports", true, [](const ProcessUsage& p) { return N(p.in_use[1]); }},
      {"Handles", true,
       [](const ProcessUsage& p) {
         return p.handles < 0 ? std::string("-")
                              : N(static_cast<std::uint64_t>(p.handles));
       }},
      {"Services", false,
       [](const ProcessUsage& p) {
         std::string out;
         for (const std::string& s : p.services)
           out += (out.empty() ? "" : ", ") + s;
         return out;
       }},
      {"User", false, [](const ProcessUsage& p) { return p.user; }},
      {"Sockets by state", false,
       [](const ProcessUsage& p) { return States(p.sockets); }},
  };
}

std::string Processes(const PortUsageReport& report) {
  if (!report.processes_collected)
    return "<h2>Top processes</h2>\n<p>Per-process data not collected.</p>\n";
  std::vector<ProcessColumn> columns = ProcessColumns();
  std::vector<std::string> header;
  std::vector<bool> numeric;
  for (const ProcessColumn& c : columns) {
    header.push_back(c.header);
    numeric.push_back(c.numeric);
  }
  HtmlTable procs(header, numeric);
  for (const ProcessUsage& p : report.processes) {
    std::vector<std::string> cells;
    cells.reserve(columns.size());
    for (const ProcessColumn& c : columns) cells.push_back(c.cell(p));
    procs.Add(cells, {{"data-pid", N(static_cast<std::uint64_t>(p.pid))}});
  }
  std::string out = "<h2>Top processes</h2>\n" + procs.Render("processes");
  for (const UnattributedUsage& u : report.unattributed) {
    if (u.sockets == 0) continue;
    out += "<p class=\"sub\">unattributed " +
           EscapeHtml(ProtocolName(u.protocol)) + " (" + EscapeHtml(u.reason) +
           "): " + N(u.sockets) + " sockets, " + N(u.in_use) + " ports</p>\n";
  }
  if (report.processes_unreadable > 0) {
    out += "<p class=\"warn\">" + N(report.processes_unreadable) +
           " processes could not be read (run as root or grant "
           "CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)</p>\n";
  }
  return out;
}

std::string Services(const PortUsageReport& report) {
  if (report.services.empty()) return "";
  HtmlTable svcs({"Service", "Running", "Processes", "TCP ports", "UDP ports"},
                 {false, false, true, true, true});
  for (const ServiceUsage& s : report.services) {
    svcs.Add({s.name, s.running ? "yes" : "no", N(s.processes), N(s.in_use[0]),
              N(s.in_use[1])},
             {{"data-service", s.name}});
  }
  return "<h2>Watched services</h2>\n" + svcs.Render("services");
}

std::string Destinations(const PortUsageReport& report) {
  HtmlTable dests({"Protocol", "Destination", "Ports in use", "Usage"},
                  {false, false, true, true});
  for (const DestinationUsage& d : report.destinations) {
    std::string where = Endpoint(d.remote_address, d.remote_port);
    dests.Add(
        {ProtocolName(d.protocol), where, N(d.in_use), Percent(d.usage_ratio)},
        {{"data-destination", where}});
  }
  return "<h2>Top destinations</h2>\n" + dests.Render("destinations");
}

std::string ConnectFailures(const PortUsageReport& report) {
  const ConnectEvents& ce = report.connect_events;
  if (!ce.valid) return "";
  std::string out =
      "<h2>Failing connects since start (kernel)</h2>\n<p>tcp ipv4 " +
      N(ce.tcp_connect_failures[0]) + ", ipv6 " +
      N(ce.tcp_connect_failures[1]) + "; port-0 bind tcp " +
      N(ce.bind_failures[0]) + ", udp " + N(ce.bind_failures[1]) +
      "; udp autobind " + N(ce.udp_autobind_failures) + "; outbound connects " +
      N(ce.tcp_connects[0] + ce.tcp_connects[1]) + "</p>\n";
  HtmlTable who({"PID", "Process", "Failures", "Connects"},
                {true, false, true, true});
  for (const ConnectEventProcess& p : ce.processes) {
    who.Add({N(static_cast<std::uint64_t>(p.pid)), p.name,
             N(p.connect_failures + p.port_zero_failures), N(p.connects)});
  }
  HtmlTable toward({"Destination", "Failures"}, {false, true});
  for (const ConnectEventDestination& d : ce.destinations) {
    toward.Add({Endpoint(d.address.ToString(), d.port), N(d.failures)});
  }
  return out + who.Render() + toward.Render();
}

std::string SocketStates(const PortUsageReport& report) {
  std::map<std::pair<Protocol, SocketState>, std::uint64_t> states;
  for (const StateCount& s : report.states) {
    if (s.sockets > 0) states[{s.protocol, s.state}] += s.sockets;
  }
  HtmlTable st({"Protocol", "State", "Sockets"}, {false, false, true});
  for (const auto& [key, sockets] : states) {
    st.Add({ProtocolName(key.first), SocketStateName(key.second), N(sockets)});
  }
  return "<h2>Sockets by state</h2>\n" + st.Render("states");
}

std::string Collectors(const PortUsageReport& report) {
  HtmlTable table({"Collector", "Status", "Seconds", "Error"},
                  {false, false, true, false});
  for (const CollectorStatus& c : report.collectors) {
    table.Add(
        {c.name, c.success ? "ok" : "FAILED", Fixed(c.duration_seconds),
         c.error},
        {{"data-collector", c.name}, {"class", c.success ? "ok" : "failed"}});
  }
  return "<h2>Collectors</h2>\n" + table.Render("collectors");
}

std::string FailedCollectors(const PortUsageReport& report) {
  std::string out;
  for (const CollectorStatus& c : report.collectors) {
    if (c.success) continue;
    out += "<p class=\"warn\">Collector " + EscapeHtml(c.name) +
           " failed: " + EscapeHtml(c.error) + "</p>\n";
  }
  return out;
}

const char kStyle[] = R"(
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
tr.failed td,tr.crit td{color:#d22}
svg.spark{display:block;margin:.3em 0;background:#f7f7f7}
#status{color:#555;font-size:.85em}
)";

const char kScript[] = R"(
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
          '; every @REFRESH@ s.';
      })
      .catch(function (e) {
        status.textContent = 'Refresh failed (' + e.message +
          '); showing the last answer, retrying.';
      })
      .then(function () { setTimeout(tick, @REFRESH@000); });
  }
  setTimeout(tick, @REFRESH@000);
})();
)";

}  // namespace

std::string SparklineSvg(const std::vector<HeadlineSample>& history,
                         Protocol protocol, double now, double window) {
  const int width = 320, height = 48;
  auto index = static_cast<std::size_t>(protocol);
  auto y = [&](double ratio) {
    return Fixed(height - std::clamp(ratio, 0.0, 1.0) * height);
  };
  std::string points, last;
  std::size_t count = 0;
  for (const HeadlineSample& s : history) {
    if (!s.present[index] || s.unix_seconds < now - window) continue;
    double x = (s.unix_seconds - (now - window)) / window * width;
    last = Fixed(std::clamp(x, 0.0, static_cast<double>(width))) + "," +
           y(s.ratio[index]);
    points += (points.empty() ? "" : " ") + last;
    ++count;
  }
  std::string proto = ProtocolName(protocol);
  std::string out = "<svg class=\"spark\" id=\"spark-" + proto +
                    "\" data-samples=\"" + N(count) + "\" width=\"" + N(width) +
                    "\" height=\"" + N(height) + "\" viewBox=\"0 0 " +
                    N(width) + " " + N(height) + "\" role=\"img\"><title>" +
                    EscapeHtml(Upper(proto)) + " headline, last hour</title>";
  for (double level : {0.8, 0.95}) {
    out += "<line x1=\"0\" x2=\"" + N(width) + "\" y1=\"" + y(level) +
           "\" y2=\"" + y(level) +
           "\" stroke=\"#e90\" stroke-dasharray=\"3,3\" stroke-width=\"1\"/>";
  }
  if (count > 0) {
    out +=
        "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" "
        "points=\"" +
        points + "\"/>";
    std::size_t comma = last.find(',');
    out += "<circle r=\"2.5\" fill=\"#2563eb\" cx=\"" + last.substr(0, comma) +
           "\" cy=\"" + last.substr(comma + 1) + "\"/>";
  }
  out += "</svg>\n";
  return out;
}

std::string IncidentLiveHtml(const PortUsageReport& report,
                             const std::vector<HeadlineSample>& history,
                             const std::string& title, double now,
                             double window_seconds) {
  return "<h1 id=\"title\">" + EscapeHtml(title) + "</h1>\n" +
         FailedCollectors(report) +
         Headlines(report, history, now, window_seconds) +
         NamespaceSectionHtml(report.namespaces) + Pools(report) +
         LocalAddresses(report) + Processes(report) + Services(report) +
         Destinations(report) + ConnectFailures(report) + SocketStates(report) +
         Collectors(report);
}

std::string IncidentPageHtml(const std::string& live_html,
                             const std::string& about_html) {
  std::string script = kScript;
  const std::string token = "@REFRESH@";
  for (std::size_t at = script.find(token); at != std::string::npos;
       at = script.find(token, at))
    script.replace(at, token.size(), N(kIncidentRefreshSeconds));
  return std::string(
             "<!DOCTYPE html>\n<html lang=\"en\"><head>"
             "<meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width\">"
             "<noscript><meta http-equiv=\"refresh\" content=\"") +
         N(kIncidentRefreshSeconds) +
         "\"></noscript><title>Ephemeral ports</title><style>" + kStyle +
         "</style></head><body>\n<div id=\"live\">\n" + live_html +
         "</div>\n<p id=\"status\">Refreshes every " +
         N(kIncidentRefreshSeconds) + " s.</p>\n" + about_html + "<script>" +
         script + "</script>\n</body></html>\n";
}

}  // namespace epx

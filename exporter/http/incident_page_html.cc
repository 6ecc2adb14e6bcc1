// SPDX-License-Identifier: Apache-2.0
#include "http/incident_page_html.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <utility>

#include "http/html.h"
#include "http/namespace_section.h"
#include "http/page_templates.h"

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

TemplateData Headlines(const PortUsageReport& report,
                       const std::vector<HeadlineSample>& history, double now,
                       double window) {
  TemplateData list = TemplateList();
  for (const ExhaustionSummary& e : report.exhaustion) {
    std::string proto = ProtocolName(e.protocol);
    auto index = static_cast<std::size_t>(e.protocol);
    double peak = e.ratio;
    for (const HeadlineSample& s : history) {
      if (s.present[index]) peak = std::max(peak, s.ratio[index]);
    }
    TemplateData h;
    h.set("level", e.ratio >= 0.95 ? "crit" : e.ratio >= 0.8 ? "warn" : "ok");
    h.set("proto", proto);
    h.set("proto_upper", Upper(proto));
    h.set("used", N(e.worst_in_use));
    h.set("capacity", N(e.capacity));
    h.set("ratio", Percent(e.ratio));
    h.set("rule", e.rule == ExhaustionRule::kHostWide ? "host-wide"
                                                      : "per destination");
    h.set("exclusive", N(e.exclusive_in_use));
    h.set("linux", e.linux_rules);
    h.set("bind", N(e.bind_in_use));
    h.set("bind_ratio", Percent(e.bind_ratio));
    h.set("recyclable", N(e.recyclable_time_wait));
    h.set("sparkline", SparklineSvg(history, e.protocol, now, window));
    h.set("peak", Percent(peak));
    list.push_back(h);
  }
  return list;
}

void Pools(const PortUsageReport& report, TemplateData* live) {
  HtmlTable pools({"Protocol", "Family", "Range", "Reserved", "Capacity",
                   "In use", "Usage"},
                  {false, false, false, true, true, true, true});
  for (const PoolUsage& p : report.pools) {
    pools.Add({ProtocolName(p.protocol), FamilyName(p.family),
               N(p.range_start) + "-" + N(p.range_start + p.range_size - 1),
               N(p.reserved), N(p.capacity), N(p.in_use),
               Percent(p.usage_ratio)});
  }
  live->set("pools", pools.Render("pools"));
  TemplateData reuse = TemplateList();
  for (const AutoReusePoolUsage& u : report.auto_reuse) {
    TemplateData r;
    r.set("family", FamilyName(u.family));
    r.set("range",
          N(u.range_start) + "-" + N(u.range_start + u.range_size - 1));
    r.set("in_use", N(u.in_use));
    r.set("ratio", Percent(u.ratio));
    reuse.push_back(r);
  }
  live->set("auto_reuse", reuse);
  live->set("has_range_source", !report.range_source.empty());
  live->set("range_source", report.range_source);
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
  return local.Render("local");
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

void Processes(const PortUsageReport& report, TemplateData* live) {
  live->set("processes_collected", report.processes_collected);
  if (!report.processes_collected) return;
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
  live->set("processes", procs.Render("processes"));
  TemplateData unattributed = TemplateList();
  for (const UnattributedUsage& u : report.unattributed) {
    if (u.sockets == 0) continue;
    TemplateData row;
    row.set("protocol", ProtocolName(u.protocol));
    row.set("reason", u.reason);
    row.set("sockets", N(u.sockets));
    row.set("in_use", N(u.in_use));
    unattributed.push_back(row);
  }
  live->set("unattributed", unattributed);
  live->set("has_unreadable", report.processes_unreadable > 0);
  live->set("unreadable", N(report.processes_unreadable));
}

void Services(const PortUsageReport& report, TemplateData* live) {
  live->set("has_services", !report.services.empty());
  HtmlTable svcs({"Service", "Running", "Processes", "TCP ports", "UDP ports"},
                 {false, false, true, true, true});
  for (const ServiceUsage& s : report.services) {
    svcs.Add({s.name, s.running ? "yes" : "no", N(s.processes), N(s.in_use[0]),
              N(s.in_use[1])},
             {{"data-service", s.name}});
  }
  live->set("services", svcs.Render("services"));
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
  return dests.Render("destinations");
}

void ConnectFailures(const PortUsageReport& report, TemplateData* live) {
  const ConnectEvents& ce = report.connect_events;
  if (!ce.valid) {
    live->set("connect", false);
    return;
  }
  TemplateData c;
  c.set("v4", N(ce.tcp_connect_failures[0]));
  c.set("v6", N(ce.tcp_connect_failures[1]));
  c.set("bind_tcp", N(ce.bind_failures[0]));
  c.set("bind_udp", N(ce.bind_failures[1]));
  c.set("autobind", N(ce.udp_autobind_failures));
  c.set("connects", N(ce.tcp_connects[0] + ce.tcp_connects[1]));
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
  c.set("by_process", who.Render());
  c.set("by_destination", toward.Render());
  live->set("connect", c);
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
  return st.Render("states");
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
  return table.Render("collectors");
}

TemplateData FailedCollectors(const PortUsageReport& report) {
  TemplateData failed = TemplateList();
  for (const CollectorStatus& c : report.collectors) {
    if (c.success) continue;
    TemplateData f;
    f.set("name", c.name);
    f.set("error", c.error);
    failed.push_back(f);
  }
  return failed;
}

}  // namespace

std::string SparklineSvg(const std::vector<HeadlineSample>& history,
                         Protocol protocol, double now, double window) {
  const int width = 320, height = 48;
  auto index = static_cast<std::size_t>(protocol);
  auto y = [&](double ratio) {
    return Fixed(height - std::clamp(ratio, 0.0, 1.0) * height);
  };
  std::string points, last_x, last_y;
  std::size_t count = 0;
  for (const HeadlineSample& s : history) {
    if (!s.present[index] || s.unix_seconds < now - window) continue;
    double x = (s.unix_seconds - (now - window)) / window * width;
    last_x = Fixed(std::clamp(x, 0.0, static_cast<double>(width)));
    last_y = y(s.ratio[index]);
    points += (points.empty() ? "" : " ") + last_x + "," + last_y;
    ++count;
  }
  std::string proto = ProtocolName(protocol);
  TemplateData levels = TemplateList();
  for (double level : {0.8, 0.95})
    levels.push_back(TemplateData("y", y(level)));
  TemplateData svg;
  svg.set("proto", proto);
  svg.set("proto_upper", Upper(proto));
  svg.set("count", N(count));
  svg.set("width", N(width));
  svg.set("height", N(height));
  svg.set("levels", levels);
  svg.set("has_points", count > 0);
  svg.set("points", points);
  svg.set("last_x", last_x);
  svg.set("last_y", last_y);
  return RenderTemplate(kSparklineTemplate, svg);
}

std::string IncidentLiveHtml(const PortUsageReport& report,
                             const std::vector<HeadlineSample>& history,
                             const std::string& title, double now,
                             double window_seconds,
                             const std::string& incidents_html) {
  TemplateData live;
  live.set("title", title);
  live.set("failed_collectors", FailedCollectors(report));
  live.set("headlines", Headlines(report, history, now, window_seconds));
  live.set("bound_visible", report.bound_sockets_visible);
  live.set("incidents", incidents_html);
  live.set("namespaces", NamespaceSectionHtml(report.namespaces));
  Pools(report, &live);
  live.set("local", LocalAddresses(report));
  Processes(report, &live);
  Services(report, &live);
  live.set("destinations", Destinations(report));
  ConnectFailures(report, &live);
  live.set("states", SocketStates(report));
  live.set("collectors", Collectors(report));
  return RenderTemplate(kIncidentLiveTemplate, live);
}

std::string IncidentPageHtml(const std::string& live_html,
                             const std::string& about_html) {
  TemplateData page;
  page.set("refresh", N(kIncidentRefreshSeconds));
  page.set("live", live_html);
  page.set("about", about_html);
  return RenderTemplate(kIncidentPageTemplate, page);
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "report/console_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

namespace epx {
namespace {

class Table {
 public:
  explicit Table(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      if (width.size() < row.size()) width.resize(row.size(), 0);
      for (std::size_t i = 0; i < row.size(); ++i)
        width[i] = std::max(width[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) {
        line += row[i];
        if (i + 1 < row.size())
          line += std::string(width[i] - row[i].size() + 2, ' ');
      }
      out += line + "\n";
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string Percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100);
  return buf;
}

std::string N(std::uint64_t v) { return std::to_string(v); }

// Handle counts the field write-ups call suspicious and a leak (Task
// Manager, Process Explorer); docs/runbook.md "Handle counts".
constexpr std::int64_t kHandlesSuspicious = 3000;
constexpr std::int64_t kHandlesLeak = 10000;

}  // namespace

std::string FormatConsoleReport(const PortUsageReport& report,
                                const std::string& title) {
  std::ostringstream out;
  out << title << "\n\n";

  for (const ExhaustionSummary& e : report.exhaustion) {
    out << "Headline " << ProtocolName(e.protocol) << ": " << Percent(e.ratio)
        << " (" << e.worst_in_use << " of " << e.capacity
        << " ports unavailable to a new connect; rule: "
        << (e.rule == ExhaustionRule::kHostWide ? "host-wide"
                                                : "per destination")
        << ", " << e.exclusive_in_use << " held by listeners/bound)\n";
  }
  out << "\n";

  Table pools({"Protocol", "Family", "Range", "Reserved", "Capacity", "InUse",
               "Usage"});
  for (const PoolUsage& p : report.pools) {
    pools.Add({ProtocolName(p.protocol), FamilyName(p.family),
               N(p.range_start) + "-" + N(p.range_start + p.range_size - 1),
               N(p.reserved), N(p.capacity), N(p.in_use),
               Percent(p.usage_ratio)});
  }
  out << pools.Render();
  for (const AutoReusePoolUsage& u : report.auto_reuse) {
    out << "Auto-reuse range tcp " << FamilyName(u.family) << ": "
        << N(u.range_start) << "-" << N(u.range_start + u.range_size - 1)
        << ", " << N(u.in_use) << " in use, " << Percent(u.ratio)
        << " toward the worst destination\n";
  }
  if (!report.range_source.empty())
    out << "Ranges read from: " << report.range_source << "\n";
  out << "\n";

  Table local({"LocalAddress", "Protocol", "#OfEPortsInUse", "Max#OfEPorts",
               "%EPortUsage", "#OfListeningPorts", "#OfPids"});
  for (const LocalAddressUsage& a : report.local_addresses) {
    local.Add({a.address, ProtocolName(a.protocol), N(a.in_use), N(a.capacity),
               Percent(a.usage_ratio), N(a.listening_ports),
               report.processes_collected ? N(a.processes) : "-"});
  }
  out << local.Render() << "\n";

  if (report.processes_collected) {
    Table procs({"PID", "Process", "Services", "User", "Handles", "TCP ports",
                 "UDP ports", "Sockets by state"});
    std::string handle_notes;
    for (const ProcessUsage& p : report.processes) {
      std::string states;
      for (const ProcessStateCount& s : p.sockets) {
        if (!states.empty()) states += " ";
        states += std::string(ProtocolName(s.protocol)) + ":" +
                  SocketStateName(s.state) + "=" + N(s.sockets);
      }
      std::string services;
      for (const std::string& s : p.services)
        services += (services.empty() ? "" : ",") + s;
      procs.Add({N(static_cast<std::uint64_t>(p.pid)), p.name,
                 services.empty() ? "-" : services,
                 p.user.empty() ? "-" : p.user,
                 p.handles < 0 ? "-" : N(static_cast<std::uint64_t>(p.handles)),
                 N(p.in_use[0]), N(p.in_use[1]), states});
      if (p.handles > kHandlesSuspicious) {
        handle_notes += "  " + p.name + " (pid " +
                        N(static_cast<std::uint64_t>(p.pid)) + ") has " +
                        N(static_cast<std::uint64_t>(p.handles)) +
                        (p.handles > kHandlesLeak
                             ? " handles: over 10000, the mark of a leak\n"
                             : " handles: over 3000, worth a look\n");
      }
    }
    out << "Top processes\n" << procs.Render() << handle_notes;
    for (const UnattributedUsage& u : report.unattributed) {
      if (u.sockets == 0) continue;
      out << "  unattributed " << ProtocolName(u.protocol) << " (" << u.reason
          << "): " << u.sockets << " sockets, " << u.in_use << " ports\n";
    }
    if (report.processes_unreadable > 0) {
      out << "  " << report.processes_unreadable
          << " processes could not be read (run as root or grant "
             "CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)\n";
    }
    out << "\n";
  } else {
    out << "Per-process data not collected.\n\n";
  }

  if (!report.services.empty()) {
    Table svcs({"Service", "Running", "Processes", "TCP ports", "UDP ports"});
    for (const ServiceUsage& s : report.services) {
      svcs.Add({s.name, s.running ? "yes" : "no", N(s.processes),
                N(s.in_use[0]), N(s.in_use[1])});
    }
    out << "Watched services\n" << svcs.Render() << "\n";
  }

  Table dests({"Protocol", "Destination", "PortsInUse", "Usage"});
  for (const DestinationUsage& d : report.destinations) {
    std::string addr = d.remote_address.find(':') != std::string::npos
                           ? "[" + d.remote_address + "]"
                           : d.remote_address;
    dests.Add({ProtocolName(d.protocol), addr + ":" + N(d.remote_port),
               N(d.in_use), Percent(d.usage_ratio)});
  }
  out << "Top destinations\n" << dests.Render() << "\n";

  const ConnectEvents& ce = report.connect_events;
  if (ce.valid) {
    out << "Failing connects since start (kernel): tcp ipv4 "
        << N(ce.tcp_connect_failures[0]) << ", ipv6 "
        << N(ce.tcp_connect_failures[1]) << "; port-0 bind tcp "
        << N(ce.bind_failures[0]) << ", udp " << N(ce.bind_failures[1])
        << "; udp autobind " << N(ce.udp_autobind_failures)
        << "; outbound connects " << N(ce.tcp_connects[0] + ce.tcp_connects[1])
        << "\n";
    Table who({"PID", "Process", "Failures", "Connects"});
    for (const ConnectEventProcess& p : ce.processes) {
      who.Add({N(static_cast<std::uint64_t>(p.pid)), p.name,
               N(p.connect_failures + p.port_zero_failures), N(p.connects)});
    }
    out << who.Render();
    Table toward({"Destination", "Failures"});
    for (const ConnectEventDestination& d : ce.destinations) {
      std::string addr = d.address.ToString();
      if (d.address.family == Family::kIpv6) addr = "[" + addr + "]";
      toward.Add({addr + ":" + N(d.port), N(d.failures)});
    }
    out << toward.Render() << "\n";
  }

  std::map<std::pair<Protocol, SocketState>, std::uint64_t> states;
  for (const StateCount& s : report.states) {
    if (s.sockets > 0) states[{s.protocol, s.state}] += s.sockets;
  }
  Table st({"Protocol", "State", "Sockets"});
  for (const auto& s : states) {
    st.Add({ProtocolName(s.first.first), SocketStateName(s.first.second),
            N(s.second)});
  }
  out << "Sockets by state\n" << st.Render();

  for (const CollectorStatus& c : report.collectors) {
    if (!c.success) {
      out << "\nWARNING: collector " << c.name << " failed: " << c.error
          << "\n";
    }
  }
  return out.str();
}

std::string FormatIncidentsSection(const std::vector<IncidentSummary>& list,
                                   const std::string& newest_json,
                                   const std::string& directory,
                                   std::size_t rows) {
  using nlohmann::json;
  std::ostringstream out;
  out << "Recorded incidents (" << list.size() << " in " << directory
      << ", newest first)\n";
  if (list.empty()) return out.str() + "none recorded\n";
  Table table({"Incident", "Opened", "Closed", "Peak", "Peak at", "Trigger",
               "Top process"});
  for (std::size_t i = 0; i < list.size() && i < rows; ++i) {
    const IncidentSummary& s = list[i];
    table.Add(
        {s.id, IncidentTimeText(s.opened_seconds),
         s.closed_seconds > 0 ? IncidentTimeText(s.closed_seconds) : "open",
         s.peak_headline + " " + Percent(s.peak_ratio),
         IncidentTimeText(s.peak_seconds), s.trigger,
         s.top_process.empty() ? "-"
                               : s.top_process + " (pid " +
                                     std::to_string(s.top_process_pid) + ")"});
  }
  out << table.Render();
  json doc = json::parse(newest_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return out.str();
  const json& worst = doc.value("worst", json::object());
  out << "\nWorst moment of " << doc.value("id", "") << "\n";
  Table procs({"PID", "Process", "TCP ports", "UDP ports", "User"});
  const json& processes = worst.value("processes", json::array());
  for (std::size_t i = 0; i < processes.size() && i < rows; ++i) {
    const json& p = processes[i];
    procs.Add({std::to_string(p.value("pid", 0)), p.value("name", ""),
               std::to_string(p.value("tcp_in_use", 0)),
               std::to_string(p.value("udp_in_use", 0)), p.value("user", "")});
  }
  out << "Top processes (" << processes.size() << " recorded)\n"
      << procs.Render();
  Table dests({"Protocol", "Destination", "Ports in use", "Usage"});
  const json& destinations = worst.value("destinations", json::array());
  for (std::size_t i = 0; i < destinations.size() && i < rows; ++i) {
    const json& d = destinations[i];
    std::string address = d.value("address", "");
    if (address.find(':') != std::string::npos) address = "[" + address + "]";
    dests.Add({d.value("protocol", ""),
               address + ":" + std::to_string(d.value("port", 0)),
               std::to_string(d.value("in_use", 0)),
               Percent(d.value("ratio", 0.0))});
  }
  out << "Top destinations (" << destinations.size() << " recorded)\n"
      << dests.Render() << "The whole record: /incidents/"
      << doc.value("id", "") << " on this host's exporter\n";
  return out.str();
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "analysis/connect_event_summary.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

namespace epx {
namespace {

std::uint64_t Failures(const ConnectEvents& e) {
  return e.tcp_connect_failures[0] + e.tcp_connect_failures[1] +
         e.bind_failures[0] + e.bind_failures[1] + e.udp_autobind_failures;
}

// The top namespaces by failures, then connects, then the lower inode; in
// them the top processes and destinations by failures, counted across all.
std::vector<NamespaceConnectEvents> SummarizeNamespaces(
    const std::vector<NamespaceConnectEvents>& all,
    const AnalysisOptions& options) {
  std::vector<NamespaceConnectEvents> top;
  for (const NamespaceConnectEvents& ns : all) {
    NamespaceConnectEvents totals{ns.netns, ns.cookie, ns.events};
    totals.events.processes.clear();
    totals.events.destinations.clear();
    top.push_back(std::move(totals));
  }
  auto key = [](const NamespaceConnectEvents& n) {
    return std::make_tuple(Failures(n.events),
                           n.events.tcp_connects[0] + n.events.tcp_connects[1],
                           ~n.netns);
  };
  std::sort(top.begin(), top.end(),
            [&](const NamespaceConnectEvents& a,
                const NamespaceConnectEvents& b) { return key(a) > key(b); });
  top.resize(std::min(options.top_namespaces, top.size()));
  std::vector<std::pair<std::size_t, ConnectEventProcess>> processes;
  std::vector<std::pair<std::size_t, ConnectEventDestination>> destinations;
  for (std::size_t i = 0; i < top.size(); ++i) {
    for (const NamespaceConnectEvents& ns : all) {
      if (ns.netns != top[i].netns || ns.cookie != top[i].cookie) continue;
      for (const ConnectEventProcess& p : ns.events.processes) {
        if (p.connect_failures + p.port_zero_failures > 0)
          processes.emplace_back(i, p);
      }
      for (const ConnectEventDestination& d : ns.events.destinations)
        destinations.emplace_back(i, d);
    }
  }
  auto process_key = [&](const std::pair<std::size_t, ConnectEventProcess>& p) {
    return std::make_tuple(
        p.second.connect_failures + p.second.port_zero_failures,
        ~top[p.first].netns, -p.second.pid);
  };
  std::sort(processes.begin(), processes.end(),
            [&](const auto& a, const auto& b) {
              return process_key(a) > process_key(b);
            });
  processes.resize(std::min(options.top_processes, processes.size()));
  std::sort(destinations.begin(), destinations.end(),
            [&](const auto& a, const auto& b) {
              return std::tie(b.second.failures, a.first, a.second.address,
                              a.second.port) <
                     std::tie(a.second.failures, b.first, b.second.address,
                              b.second.port);
            });
  destinations.resize(std::min(options.top_destinations, destinations.size()));
  for (auto& [i, p] : processes) top[i].events.processes.push_back(p);
  for (auto& [i, d] : destinations) top[i].events.destinations.push_back(d);
  return top;
}

}  // namespace

ConnectEvents SummarizeConnectEvents(const ConnectEvents& events,
                                     const AnalysisOptions& options) {
  ConnectEvents out = events;
  out.processes.clear();
  out.destinations.clear();
  if (!events.valid) return out;

  std::vector<ConnectEventProcess> by_failures, by_connects;
  for (const ConnectEventProcess& p : events.processes) {
    if (p.connect_failures > 0 || p.port_zero_failures > 0)
      by_failures.push_back(p);
    if (p.connects > 0) by_connects.push_back(p);
  }
  auto failures_first = [](const ConnectEventProcess& a,
                           const ConnectEventProcess& b) {
    return std::make_tuple(b.connect_failures, b.port_zero_failures, b.connects,
                           a.pid, a.name) <
           std::make_tuple(a.connect_failures, a.port_zero_failures, a.connects,
                           b.pid, b.name);
  };
  auto connects_first = [](const ConnectEventProcess& a,
                           const ConnectEventProcess& b) {
    return std::make_tuple(b.connects, a.pid, a.name) <
           std::make_tuple(a.connects, b.pid, b.name);
  };
  std::size_t n = options.top_processes;
  std::sort(by_failures.begin(), by_failures.end(), failures_first);
  std::sort(by_connects.begin(), by_connects.end(), connects_first);
  by_failures.resize(std::min(n, by_failures.size()));
  by_connects.resize(std::min(n, by_connects.size()));
  for (ConnectEventProcess& p : by_failures) out.processes.push_back(p);
  for (ConnectEventProcess& p : by_connects) {
    bool seen = false;
    for (const ConnectEventProcess& q : out.processes)
      seen |= q.pid == p.pid && q.name == p.name;
    if (!seen) out.processes.push_back(p);
  }

  std::vector<ConnectEventDestination> destinations = events.destinations;
  std::sort(
      destinations.begin(), destinations.end(),
      [](const ConnectEventDestination& a, const ConnectEventDestination& b) {
        return std::tie(b.failures, a.address, a.port) <
               std::tie(a.failures, b.address, b.port);
      });
  destinations.resize(std::min(options.top_destinations, destinations.size()));
  out.destinations = std::move(destinations);
  out.namespaces = SummarizeNamespaces(events.namespaces, options);
  return out;
}

}  // namespace epx

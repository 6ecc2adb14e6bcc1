// SPDX-License-Identifier: Apache-2.0
#include "analysis/connect_event_summary.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace epx {

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
  return out;
}

}  // namespace epx

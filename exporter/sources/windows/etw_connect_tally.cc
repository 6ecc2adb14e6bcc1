// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/etw_connect_tally.h"

namespace epx {

EtwConnectTally::EtwConnectTally(std::size_t max_processes,
                                 std::size_t max_destinations)
    : max_processes_(max_processes), max_destinations_(max_destinations) {}

void EtwConnectTally::Add(const EtwConnectEvent& event) {
  if (event.kind == EtwConnectEvent::Kind::kOtherFailure) return;
  int f = event.family == Family::kIpv4 ? 0 : 1;
  bool no_port = event.kind == EtwConnectEvent::Kind::kNoPort;
  (no_port ? no_port_ : connects_)[f] += 1;
  auto process = processes_.find(event.pid);
  if (process == processes_.end()) {
    if (processes_.size() >= max_processes_) {
      ++processes_dropped_;
    } else {
      process = processes_.emplace(event.pid, ProcessCounts{}).first;
    }
  }
  if (process != processes_.end())
    (no_port ? process->second.no_port : process->second.connects) += 1;
  if (!no_port || event.remote_address.IsUnspecified()) return;
  Destination key{event.remote_address, event.remote_port};
  auto destination = destinations_.find(key);
  if (destination == destinations_.end()) {
    if (destinations_.size() >= max_destinations_) {
      ++destinations_dropped_;
      return;
    }
    destination = destinations_.emplace(key, 0).first;
  }
  ++destination->second;
}

ConnectEvents EtwConnectTally::Counts() const {
  ConnectEvents out;
  out.valid = true;
  for (int f = 0; f < 2; ++f) {
    out.tcp_connects[f] = connects_[f];
    out.tcp_connect_failures[f] = no_port_[f];
  }
  out.processes_dropped = processes_dropped_;
  out.destinations_dropped = destinations_dropped_;
  for (const auto& [pid, counts] : processes_) {
    ConnectEventProcess p;
    p.pid = pid;
    p.connects = counts.connects;
    p.connect_failures = counts.no_port;
    out.processes.push_back(p);
  }
  for (const auto& [key, failures] : destinations_) {
    ConnectEventDestination d;
    d.protocol = Protocol::kTcp;
    d.address = std::get<0>(key);
    d.port = std::get<1>(key);
    d.failures = failures;
    out.destinations.push_back(d);
  }
  return out;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/connect_event_records.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <string>

namespace epx {
namespace {

// IPPROTO_UDP as the BPF program stores it (this file also builds on
// Windows, which has no netinet/in.h).
constexpr unsigned char kProtocolUdp = 17;

std::uint64_t Total(const std::vector<std::uint64_t>& totals, int index) {
  return static_cast<std::size_t>(index) < totals.size() ? totals[index] : 0;
}

// Attempts and failures are read a moment apart: never below zero.
std::uint64_t Minus(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : 0;
}

ConnectEventProcess DecodeProcess(const epx_process_key& key,
                                  const epx_process_counts& counts) {
  ConnectEventProcess p;
  p.pid = key.pid;
  p.name.assign(key.comm, strnlen(key.comm, sizeof key.comm));
  p.connect_failures = counts.connect_failed;
  p.connects = Minus(counts.connect_attempts, counts.connect_failed);
  p.port_zero_failures = counts.port_zero_failed;
  return p;
}

// False for a family the program does not write.
bool DecodeDestination(const epx_destination_key& key, std::uint64_t count,
                       ConnectEventDestination* d) {
  d->protocol = key.protocol == kProtocolUdp ? Protocol::kUdp : Protocol::kTcp;
  if (key.family == 4) {
    d->address =
        IpAddress::V4(key.addr[0], key.addr[1], key.addr[2], key.addr[3]);
  } else if (key.family == 6) {
    d->address.family = Family::kIpv6;
    std::memcpy(d->address.bytes.data(), key.addr, 16);
  } else {
    return false;
  }
  d->port = key.port;
  d->failures = count;
  return true;
}

// The totals of one namespace or the host, by epx_total index.
void SetTotals(const std::vector<std::uint64_t>& totals, ConnectEvents* e) {
  e->valid = true;
  e->tcp_connect_failures[0] = Total(totals, EPX_TCP4_CONNECT_FAILED);
  e->tcp_connect_failures[1] = Total(totals, EPX_TCP6_CONNECT_FAILED);
  e->tcp_connects[0] = Minus(Total(totals, EPX_TCP4_CONNECT_ATTEMPTS),
                             e->tcp_connect_failures[0]);
  e->tcp_connects[1] = Minus(Total(totals, EPX_TCP6_CONNECT_ATTEMPTS),
                             e->tcp_connect_failures[1]);
  e->bind_failures[0] = Total(totals, EPX_TCP_BIND_FAILED);
  e->bind_failures[1] = Total(totals, EPX_UDP_BIND_FAILED);
  e->udp_autobind_failures = Total(totals, EPX_UDP_AUTOBIND_FAILED);
}

}  // namespace

ConnectEvents DecodeConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_destination_key, std::uint64_t>>&
        destinations) {
  ConnectEvents e;
  SetTotals(totals, &e);
  e.processes_dropped = Total(totals, EPX_PROCESSES_DROPPED);
  e.destinations_dropped = Total(totals, EPX_DESTINATIONS_DROPPED);
  for (const auto& [key, counts] : processes)
    e.processes.push_back(DecodeProcess(key, counts));
  for (const auto& [key, count] : destinations) {
    ConnectEventDestination d;
    if (DecodeDestination(key, count, &d)) e.destinations.push_back(d);
  }
  return e;
}

void DecodeNamespaceConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_namespace_key, epx_namespace_counts>>&
        namespace_totals,
    const std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>&
        destinations,
    ConnectEvents* events) {
  events->namespaces_counted = true;
  events->namespaces_dropped = Total(totals, EPX_NAMESPACES_DROPPED);
  events->namespace_processes_dropped =
      Total(totals, EPX_NAMESPACE_PROCESSES_DROPPED);
  events->namespace_destinations_dropped =
      Total(totals, EPX_NAMESPACE_DESTINATIONS_DROPPED);
  std::map<std::pair<std::uint64_t, std::uint64_t>, ConnectEvents> by_key;
  for (const auto& [key, counts] : namespace_totals) {
    SetTotals(std::vector<std::uint64_t>(std::begin(counts.totals),
                                         std::end(counts.totals)),
              &by_key[{key.netns, key.cookie}]);
  }
  // A process or destination whose namespace's totals entry was dropped is
  // still reported, under zero totals.
  for (const auto& [key, counts] : processes) {
    ConnectEvents& e = by_key[{key.netns, key.cookie}];
    e.valid = true;
    e.processes.push_back(DecodeProcess(key.process, counts));
  }
  for (const auto& [key, count] : destinations) {
    ConnectEventDestination d;
    if (!DecodeDestination(key.destination, count, &d)) continue;
    ConnectEvents& e = by_key[{key.netns, key.cookie}];
    e.valid = true;
    e.destinations.push_back(d);
  }
  events->namespaces.clear();
  for (auto& [key, e] : by_key)
    events->namespaces.push_back({key.first, key.second, std::move(e)});
}

ScannedNamespaces::ScannedNamespaces(const NamespaceScan& scan) {
  for (const NamespaceSnapshot& ns : scan.namespaces)
    cookies_[ns.id.inode] = ns.id.cookie;
  for (std::uint64_t inode : scan.failed_inodes) cookies_.emplace(inode, 0);
}

ScannedNamespaces::State ScannedNamespaces::Of(std::uint64_t netns,
                                               std::uint64_t cookie) const {
  auto it = cookies_.find(netns);
  if (it == cookies_.end()) return State::kGone;
  if (it->second == 0) return State::kUnknown;
  return it->second == cookie ? State::kRead : State::kGone;
}

void ScannedNamespaces::KeepRead(ConnectEvents* events) const {
  auto& all = events->namespaces;
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const NamespaceConnectEvents& n) {
                             return Of(n.netns, n.cookie) != State::kRead;
                           }),
            all.end());
}

}  // namespace epx

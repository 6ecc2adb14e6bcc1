// SPDX-License-Identifier: Apache-2.0
#include "analysis/vrf_pools.h"

#include <algorithm>
#include <string>
#include <vector>

namespace epx {
namespace {

// The part of the snapshot the headline needs, with the sockets `keep`
// selects, and the remembered bucket ports some kept TCP socket still uses.
template <typename Keep>
Snapshot Part(const Snapshot& snap, Keep keep) {
  Snapshot part;
  part.ranges = snap.ranges;
  part.tcp_rule = snap.tcp_rule;
  part.udp_rule = snap.udp_rule;
  part.owners_from_inodes = snap.owners_from_inodes;
  part.time_wait_reuse = snap.time_wait_reuse;
  part.bound_sockets_visible = snap.bound_sockets_visible;
  std::vector<bool> tcp_ports(65536, false);
  for (const SocketRecord& s : snap.sockets) {
    if (!keep(s)) continue;
    part.sockets.push_back(s);
    if (s.protocol == Protocol::kTcp) tcp_ports[s.local_port] = true;
  }
  for (std::uint16_t port : snap.tcp_bucket_ports)
    if (tcp_ports[port]) part.tcp_bucket_ports.push_back(port);
  return part;
}

const ExhaustionSummary* Find(const PortUsageReport& r, Protocol protocol) {
  for (const ExhaustionSummary& e : r.exhaustion)
    if (e.protocol == protocol) return &e;
  return nullptr;
}

ExhaustionSummary* Find(PortUsageReport* r, Protocol protocol) {
  for (ExhaustionSummary& e : r->exhaustion)
    if (e.protocol == protocol) return &e;
  return nullptr;
}

}  // namespace

void AnalyzeVrfPools(const Snapshot& snap, const AnalysisOptions& options,
                     PortUsageReport* report) {
  const L3mdevMap& map = snap.l3mdev;
  if (map.vrfs.empty()) return;
  struct Pool {
    std::uint32_t ifindex;
    std::string name;
  };
  std::vector<Pool> pools{{0, "default"}};
  for (const VrfDevice& v : map.vrfs) pools.push_back({v.ifindex, v.name});

  ExhaustionSummary* tcp = Find(report, Protocol::kTcp);
  if (tcp != nullptr && snap.tcp_rule == ExhaustionRule::kPerDestination &&
      !map.tcp_l3mdev_accept) {
    const ExhaustionSummary* worst = nullptr;
    const ExhaustionSummary* worst_bind = nullptr;
    std::vector<PortUsageReport> parts;
    parts.reserve(pools.size());
    for (const Pool& pool : pools) {
      parts.push_back(AnalyzePortUsage(
          Part(snap,
               [&](const SocketRecord& s) {
                 return s.protocol == Protocol::kTcp &&
                        map.VrfOf(s.bound_device) == pool.ifindex;
               }),
          options));
    }
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const ExhaustionSummary* e = Find(parts[i], Protocol::kTcp);
      if (e == nullptr) continue;
      report->vrf_exhaustion.push_back(VrfExhaustion{
          Protocol::kTcp, pools[i].name, e->worst_in_use, e->ratio});
      if (worst == nullptr || e->ratio > worst->ratio) worst = e;
      if (worst_bind == nullptr || e->bind_ratio > worst_bind->bind_ratio)
        worst_bind = e;
    }
    if (worst != nullptr) {
      tcp->capacity = worst->capacity;
      tcp->exclusive_in_use = worst->exclusive_in_use;
      tcp->worst_in_use = worst->worst_in_use;
      tcp->ratio = worst->ratio;
      tcp->bind_in_use = worst_bind->bind_in_use;
      tcp->bind_ratio = worst_bind->bind_ratio;
    }
  }

  const ExhaustionSummary* udp = Find(*report, Protocol::kUdp);
  if (udp != nullptr && snap.udp_rule == ExhaustionRule::kHostWide) {
    report->vrf_exhaustion.push_back(VrfExhaustion{
        Protocol::kUdp, "default", udp->worst_in_use, udp->ratio});
    for (std::size_t i = 1; i < pools.size(); ++i) {
      PortUsageReport part =
          AnalyzePortUsage(Part(snap,
                                [&](const SocketRecord& s) {
                                  return s.protocol == Protocol::kUdp &&
                                         (s.bound_device == 0 ||
                                          s.bound_device == pools[i].ifindex);
                                }),
                           options);
      const ExhaustionSummary* e = Find(part, Protocol::kUdp);
      if (e == nullptr) continue;
      report->vrf_exhaustion.push_back(VrfExhaustion{
          Protocol::kUdp, pools[i].name, e->worst_in_use, e->ratio});
    }
  }
}

}  // namespace epx

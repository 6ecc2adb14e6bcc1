// SPDX-License-Identifier: Apache-2.0
#include "analysis/auto_reuse_pool.h"

#include "analysis/connect_groups.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

namespace epx {
namespace {

double Ratio(std::uint32_t used, std::uint32_t capacity) {
  return capacity == 0 ? 0 : static_cast<double>(used) / capacity;
}

AutoReusePoolUsage AnalyzePool(const Snapshot& snapshot, const PortRange& r) {
  std::set<std::uint16_t> held, exclusive;
  std::vector<ConnectGroupMember> members;
  for (const SocketRecord& s : snapshot.sockets) {
    if (s.protocol != Protocol::kTcp || s.family != r.family ||
        !r.CountsPort(s.local_port)) {
      continue;
    }
    held.insert(s.local_port);
    if (IsExclusiveState(s.state)) {
      exclusive.insert(s.local_port);
    } else if (s.remote_port != 0) {
      members.emplace_back(s.local_address, s.remote_address, s.remote_port,
                           s.local_port);
    }
  }
  std::uint32_t worst_group = WorstConnectGroup(&members, exclusive);
  AutoReusePoolUsage u;
  u.family = r.family;
  u.range_start = r.start;
  u.range_size = r.size;
  u.capacity = r.Capacity();
  u.in_use = static_cast<std::uint32_t>(held.size());
  u.exclusive_in_use = static_cast<std::uint32_t>(exclusive.size());
  u.worst_in_use = u.exclusive_in_use + worst_group;
  u.ratio = Ratio(u.worst_in_use, u.capacity);
  return u;
}

}  // namespace

void AnalyzeAutoReusePools(const Snapshot& snapshot, PortUsageReport* report) {
  for (const PortRange& r : snapshot.auto_reuse_ranges) {
    if (r.protocol != Protocol::kTcp || r.size == 0) continue;
    AutoReusePoolUsage u = AnalyzePool(snapshot, r);
    report->auto_reuse.push_back(u);
    for (ExhaustionSummary& e : report->exhaustion) {
      if (e.protocol != Protocol::kTcp || u.ratio <= e.ratio) continue;
      e.rule = ExhaustionRule::kPerDestination;
      e.capacity = u.capacity;
      e.worst_in_use = u.worst_in_use;
      e.exclusive_in_use = u.exclusive_in_use;
      e.ratio = u.ratio;
    }
  }
}

}  // namespace epx

#include "analysis/auto_reuse_pool.h"

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
  using Member = std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t>;
  std::set<std::uint16_t> held, exclusive;
  std::vector<Member> members;
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
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  std::uint32_t worst_group = 0;
  for (std::size_t i = 0; i < members.size();) {
    std::size_t j = i;
    std::uint32_t own = 0;
    while (j < members.size() &&
           std::get<0>(members[j]) == std::get<0>(members[i]) &&
           std::get<1>(members[j]) == std::get<1>(members[i]) &&
           std::get<2>(members[j]) == std::get<2>(members[i])) {
      own += exclusive.count(std::get<3>(members[j])) == 0;
      ++j;
    }
    worst_group = std::max(worst_group, own);
    i = j;
  }
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

// SPDX-License-Identifier: Apache-2.0
#include "analysis/socket_port_ranges.h"

#include "analysis/connect_groups.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

namespace epx {
namespace {

constexpr std::size_t kMaxRanges = 16;

struct RangeUsage {
  std::uint32_t capacity = 0;
  std::uint32_t exclusive_in_use = 0;
  std::uint32_t worst_in_use = 0;
  double ratio = 0;
};

RangeUsage AnalyzeRange(const Snapshot& snapshot, const PortRange& netns,
                        std::uint16_t low, std::uint16_t high) {
  auto counts = [&](std::uint16_t port) {
    return port >= low && port <= high && netns.CountsPort(port);
  };
  RangeUsage u;
  for (std::uint32_t port = low; port <= high; ++port)
    u.capacity += counts(static_cast<std::uint16_t>(port));
  std::set<std::uint16_t> exclusive;
  std::vector<ConnectGroupMember> members;
  for (const SocketRecord& s : snapshot.sockets) {
    if (s.protocol != Protocol::kTcp || !counts(s.local_port)) continue;
    if (HoldsPortForEveryDestination(s)) {
      exclusive.insert(s.local_port);
    } else if (s.remote_port != 0) {
      members.emplace_back(s.local_address.Canonical(),
                           s.remote_address.Canonical(), s.remote_port,
                           s.local_port);
    }
  }
  std::uint32_t worst_group = WorstConnectGroup(&members, exclusive);
  u.exclusive_in_use = static_cast<std::uint32_t>(exclusive.size());
  u.worst_in_use = u.exclusive_in_use + worst_group;
  u.ratio =
      u.capacity == 0
          ? 0
          : std::min(1.0, static_cast<double>(u.worst_in_use) / u.capacity);
  return u;
}

}  // namespace

void AnalyzeSocketPortRanges(const Snapshot& snapshot,
                             PortUsageReport* report) {
  const PortRange* netns = nullptr;
  for (const PortRange& r : snapshot.ranges) {
    if (r.protocol == Protocol::kTcp && r.size > 0) {
      netns = &r;
      break;
    }
  }
  if (netns == nullptr) return;
  std::uint32_t netns_last =
      std::min<std::uint32_t>(netns->start + netns->size - 1, 65535);
  std::vector<std::pair<std::uint16_t, std::uint16_t>> ranges;
  for (const SocketRecord& s : snapshot.sockets) {
    if (s.protocol != Protocol::kTcp ||
        (s.port_range_low == 0 && s.port_range_high == 0))
      continue;
    // Each bound narrows the namespace's range only when it lies inside it
    // (inet_sk_get_local_port_range).
    std::uint32_t low = netns->start, high = netns_last;
    if (s.port_range_low != 0 && s.port_range_low >= low &&
        s.port_range_low <= high)
      low = s.port_range_low;
    if (s.port_range_high != 0 && s.port_range_high >= low &&
        s.port_range_high <= high)
      high = s.port_range_high;
    if (low == netns->start && high == netns_last) continue;
    std::pair<std::uint16_t, std::uint16_t> range{
        static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high)};
    if (std::find(ranges.begin(), ranges.end(), range) != ranges.end())
      continue;
    if (ranges.size() == kMaxRanges) break;
    ranges.push_back(range);
  }
  for (const auto& [low, high] : ranges) {
    RangeUsage u = AnalyzeRange(snapshot, *netns, low, high);
    for (ExhaustionSummary& e : report->exhaustion) {
      if (e.protocol != Protocol::kTcp ||
          e.rule != ExhaustionRule::kPerDestination || u.ratio <= e.ratio)
        continue;
      e.capacity = u.capacity;
      e.worst_in_use = u.worst_in_use;
      e.exclusive_in_use = u.exclusive_in_use;
      e.ratio = u.ratio;
    }
  }
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
// The Linux TCP per-destination rule and the destination series: the top N
// and the watched destinations.
#include "analysis/port_usage_analyzer.h"
#include "analysis/watch_select.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace epx {
namespace port_usage {

std::uint32_t Analyzer::AddGroupMember(int p, const GroupKey& key,
                                       std::uint16_t port) {
  std::uint32_t group = group_index_[p].SlotOf(key);
  if (group == groups_[p].size()) {
    std::uint32_t dest =
        dest_index_[p].SlotOf(DestKey{key.remote, key.remote_port});
    groups_[p].push_back(GroupInfo{dest, key.local.family()});
    if (key.device != 0) {
      GroupKey unbound = key;
      unbound.device = 0;
      std::uint32_t base = group_index_[p].SlotOf(unbound);
      if (base == groups_[p].size())
        groups_[p].push_back(GroupInfo{dest, key.local.family()});
      groups_[p][group].unbound = base;
    }
  }
  members_[p].push_back(std::uint64_t{group} << 16 | port);
  return group;
}

// The Linux TCP rule and the destination view. members_ holds
// (group << 16 | port); counting sorts put each group's ports together
// and each destination's groups together, in linear time and without a
// container per destination.
void Analyzer::Groups(int p) {
  const std::vector<GroupInfo>& groups = groups_[p];
  const std::vector<std::uint64_t>& members = members_[p];
  std::vector<std::uint16_t> ports(members.size());
  std::vector<std::uint32_t> start = CountingSort(
      members.size(), groups.size(),
      [&](std::size_t i) { return members[i] >> 16; },
      [&](std::size_t i, std::uint32_t slot) {
        ports[slot] = static_cast<std::uint16_t>(members[i] & 0xffff);
      });
  std::vector<std::uint64_t>().swap(members_[p]);
  const FlatIndex<DestKey, DestKeyHash>& keys = dest_index_[p];
  std::vector<std::uint32_t> by_dest(groups.size());
  std::vector<std::uint32_t> dest_start = CountingSort(
      groups.size(), keys.size(), [&](std::size_t g) { return groups[g].dest; },
      [&](std::size_t g, std::uint32_t slot) {
        by_dest[slot] = static_cast<std::uint32_t>(g);
      });
  PortBits& in_group = scratch_[0];
  PortBits& in_dest = scratch_[1];
  bool per_destination = RuleFor(p) == ExhaustionRule::kPerDestination;
  std::array<std::uint32_t, kFamilies> exclusive{};
  std::array<std::uint32_t, kFamilies> worst{};
  std::array<std::uint32_t, kFamilies> not_time_wait{};
  for (int f = 0; f < kFamilies; ++f) {
    exclusive[f] = exclusive_[p].CountAnd(counted_[p][f]);
    worst[f] = exclusive[f];
    not_time_wait[f] = held_not_time_wait_.CountAnd(counted_[p][f]);
  }
  struct Row {
    std::uint32_t dest;
    std::uint32_t in_use;
    double ratio;
  };
  std::vector<Row> rows;
  for (std::uint32_t d = 0; d + 1 < dest_start.size(); ++d) {
    std::uint32_t in_use = 0, dest_worst = 0, capacity = 0;
    int dest_family = 0;
    for (std::uint32_t k = dest_start[d]; k < dest_start[d + 1]; ++k) {
      std::uint32_t group = by_dest[k];
      int f = Index(groups[group].local_family);
      dest_family = f;
      const PortBits& counted = counted_[p][f];
      std::uint32_t extra = 0;
      for (std::uint32_t i = start[group]; i < start[group + 1]; ++i) {
        std::uint16_t port = ports[i];
        if (in_group.Has(port) || !counted.Has(port)) continue;
        in_group.Insert(port);
        if (!in_dest.Has(port)) {
          in_dest.Insert(port);
          ++in_use;
        }
        if (!exclusive_[p].Has(port)) ++extra;
      }
      std::uint32_t base = groups[group].unbound;
      if (base != kNoGroup) {
        for (std::uint32_t i = start[base]; i < start[base + 1]; ++i) {
          std::uint16_t port = ports[i];
          if (in_group.Has(port) || !counted.Has(port)) continue;
          in_group.Insert(port);
          if (!exclusive_[p].Has(port)) ++extra;
        }
        for (std::uint32_t i = start[base]; i < start[base + 1]; ++i)
          in_group.Erase(ports[i]);
      }
      for (std::uint32_t i = start[group]; i < start[group + 1]; ++i)
        in_group.Erase(ports[i]);
      std::uint32_t used = exclusive[f] + extra;
      worst[f] = std::max(worst[f], used);
      dest_worst = std::max(dest_worst, used);
      if (range_[p][f] != nullptr) capacity = range_[p][f]->Capacity();
    }
    for (std::uint32_t k = dest_start[d]; k < dest_start[d + 1]; ++k) {
      std::uint32_t group = by_dest[k];
      for (std::uint32_t i = start[group]; i < start[group + 1]; ++i)
        in_dest.Erase(ports[i]);
    }
    if (in_use == 0) continue;
    double ratio =
        per_destination ? Ratio(dest_worst, capacity) : Ratio(in_use, capacity);
    if (TimeWaitPerDestination(p)) {
      ratio = Ratio(not_time_wait[dest_family] + dest_time_wait_extra_[d],
                    capacity);
    }
    rows.push_back(Row{d, in_use, ratio});
  }
  if (per_destination && exhaustion_[p] != kNone)
    ChooseWorstRange(p, worst, exclusive, &report_.exhaustion[exhaustion_[p]]);
  auto busier = [&](const Row& a, const Row& b) {
    if (a.in_use != b.in_use) return a.in_use > b.in_use;
    return keys.key(a.dest) < keys.key(b.dest);
  };
  std::size_t keep = std::min(options_.top_destinations, rows.size());
  std::partial_sort(rows.begin(),
                    rows.begin() + static_cast<std::ptrdiff_t>(keep),
                    rows.end(), busier);
  const std::vector<DestinationPattern>& watched = options_.watch.destinations;
  std::vector<AddrBlock> blocks;
  blocks.reserve(watched.size());
  for (const DestinationPattern& w : watched)
    blocks.push_back(AddrBlock::Of(w.address));
  keep = KeepWatched(
      &rows, keep, watched.size(), busier, [&](const Row& row, std::size_t e) {
        const DestKey& key = keys.key(row.dest);
        return (watched[e].port == 0 || watched[e].port == key.remote_port) &&
               blocks[e].Has(key.remote);
      });
  std::size_t first = report_.destinations.size();
  for (std::size_t k = 0; k < keep; ++k) {
    DestinationUsage u;
    u.protocol = ProtocolAt(p);
    u.remote_address = keys.key(rows[k].dest).remote.ToString();
    u.remote_port = keys.key(rows[k].dest).remote_port;
    u.in_use = rows[k].in_use;
    u.usage_ratio = rows[k].ratio;
    report_.destinations.push_back(u);
  }
  if (p != 0) return;
  // A watched TCP destination named by one address and port is reported
  // when idle too, at what a connect() toward it would face.
  for (const DestinationPattern& w : watched) {
    if (!w.address.IsSingle() || w.port == 0) continue;
    AddrKey remote = AddrKey::From(w.address.network);
    std::string address = remote.ToString();
    if (std::any_of(
            report_.destinations.begin() + static_cast<std::ptrdiff_t>(first),
            report_.destinations.end(), [&](const DestinationUsage& d) {
              return d.remote_port == w.port && d.remote_address == address;
            }))
      continue;
    int f = Index(remote.family());
    std::uint32_t capacity =
        range_[p][f] != nullptr ? range_[p][f]->Capacity() : 0;
    DestinationUsage u;
    u.protocol = ProtocolAt(p);
    u.remote_address = address;
    u.remote_port = w.port;
    if (TimeWaitPerDestination(p)) {
      u.usage_ratio = Ratio(not_time_wait[f], capacity);
    } else if (per_destination) {
      u.usage_ratio = Ratio(exclusive[f], capacity);
    }
    report_.destinations.push_back(u);
  }
}

void Analyzer::ChooseWorstRange(
    int p, const std::array<std::uint32_t, kFamilies>& worst,
    const std::array<std::uint32_t, kFamilies>& exclusive,
    ExhaustionSummary* e) {
  bool have = false;
  for (const PortRange& r : snap_.ranges) {
    if (Index(r.protocol) != p) continue;
    int f = Index(r.family);
    double ratio = Ratio(worst[f], r.Capacity());
    if (!have || ratio > e->ratio) {
      e->capacity = r.Capacity();
      e->exclusive_in_use = exclusive[f];
      e->worst_in_use = worst[f];
      e->ratio = ratio;
      have = true;
    }
  }
}

}  // namespace port_usage

}  // namespace epx

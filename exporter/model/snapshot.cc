// SPDX-License-Identifier: Apache-2.0
#include "model/snapshot.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace epx {

bool PortRange::IsReserved(std::uint16_t port) const {
  for (const auto& r : reserved) {
    if (port >= r.first && port <= r.second) return true;
  }
  return false;
}

std::uint32_t PortRange::ReservedInRange() const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> clipped;
  std::uint32_t lo = start;
  std::uint32_t hi = start + size;  // exclusive
  for (const auto& r : reserved) {
    std::uint32_t a = std::max<std::uint32_t>(r.first, lo);
    std::uint32_t b = std::min<std::uint32_t>(r.second + 1u, hi);
    if (a < b) clipped.emplace_back(a, b);
  }
  std::sort(clipped.begin(), clipped.end());
  std::uint32_t total = 0;
  std::uint32_t covered_to = 0;
  for (const auto& c : clipped) {
    std::uint32_t a = std::max(c.first, covered_to);
    if (c.second > a) total += c.second - a;
    covered_to = std::max(covered_to, c.second);
  }
  return total;
}

std::uint32_t L3mdevMap::VrfOf(std::uint32_t device) const {
  if (device == 0) return 0;
  auto vrf = std::lower_bound(
      vrfs.begin(), vrfs.end(), device,
      [](const VrfDevice& v, std::uint32_t d) { return v.ifindex < d; });
  if (vrf != vrfs.end() && vrf->ifindex == device) return device;
  auto slave = std::lower_bound(slaves.begin(), slaves.end(),
                                std::make_pair(device, std::uint32_t{0}));
  if (slave != slaves.end() && slave->first == device) return slave->second;
  return 0;
}

namespace {

// Appends to out the sockets of from that keep accepts, and their extra
// owners renumbered.
void AppendKept(const std::vector<SocketRecord>& from,
                const std::vector<ExtraOwner>& from_owners,
                const SocketFilter& keep, Snapshot* out) {
  std::vector<std::uint32_t> new_index(from.size(), UINT32_MAX);
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (!keep(from[i])) continue;
    new_index[i] = static_cast<std::uint32_t>(out->sockets.size());
    out->sockets.push_back(from[i]);
  }
  for (const ExtraOwner& o : from_owners) {
    if (o.socket_index >= new_index.size() ||
        new_index[o.socket_index] == UINT32_MAX)
      continue;
    out->extra_owners.push_back({new_index[o.socket_index], o.pid});
  }
}

}  // namespace

Snapshot CopyKeepingSockets(const Snapshot& snapshot,
                            const SocketFilter& keep) {
  Snapshot out;
  static_cast<HostReadings&>(out) = snapshot;
  AppendKept(snapshot.sockets, snapshot.extra_owners, keep, &out);
  return out;
}

void KeepSockets(Snapshot* snapshot, const SocketFilter& keep) {
  Snapshot kept;
  AppendKept(snapshot->sockets, snapshot->extra_owners, keep, &kept);
  snapshot->sockets = std::move(kept.sockets);
  snapshot->extra_owners = std::move(kept.extra_owners);
}

void KeepSocketsFrom(std::vector<SocketRecord>* sockets, std::size_t from,
                     const SocketFilter& keep) {
  if (!keep || from >= sockets->size()) return;
  auto first = sockets->begin() + static_cast<std::ptrdiff_t>(from);
  sockets->erase(
      std::remove_if(first, sockets->end(),
                     [&keep](const SocketRecord& r) { return !keep(r); }),
      sockets->end());
}

}  // namespace epx

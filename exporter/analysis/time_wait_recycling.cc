// SPDX-License-Identifier: Apache-2.0
// Which TIME_WAIT sockets a new connect() can take over (Linux), and whom a
// TIME_WAIT port is lost to (Windows).
#include "analysis/port_usage_analyzer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace epx {
namespace port_usage {

// tcp_twsk_unique: connect() takes over a TIME_WAIT (not FIN_WAIT2) 4-tuple
// when tcp_tw_reuse allows it for the addresses (2: loopback source,
// destination or device), the peer sent timestamps (tw_ts_recent_stamp,
// from the BPF source's facts; otherwise taken as true when
// tcp_timestamps is on) and the socket is older than tcp_tw_reuse_delay.
bool Analyzer::TimeWaitRecyclable(const SocketRecord& s,
                                  const AddrKey& local) const {
  const TimeWaitReuse& reuse = snap_.time_wait_reuse;
  if (s.protocol != Protocol::kTcp || s.state != SocketState::kTimeWait ||
      !reuse.timestamps || reuse.mode == 0)
    return false;
  if ((s.kernel_facts & kFactsKnown) && !(s.kernel_facts & kFactTimestamps))
    return false;
  constexpr std::uint32_t kLoopbackIfindex = 1;
  if (reuse.mode == 2 && !local.IsLoopback() &&
      !AddrKey::From(s.remote_address).IsLoopback() &&
      s.bound_device != kLoopbackIfindex)
    return false;
  constexpr std::uint32_t kTimeWaitMs = 60000;
  std::uint32_t age =
      s.expires_ms < kTimeWaitMs ? kTimeWaitMs - s.expires_ms : 0;
  return age > reuse.delay_ms;
}

// Windows hands a port that only TIME_WAIT connections hold to a connect()
// toward another remote endpoint; it fails (event 4227) only when the port
// was recently used toward the same one. So under the host-wide TCP rule
// TIME_WAIT ports count per (local address, destination), all others
// host-wide.
bool Analyzer::TimeWaitPerDestination(int p) const {
  return p == 0 && RuleFor(p) == ExhaustionRule::kHostWide;
}

// For that rule: per destination and per family, the TIME_WAIT ports
// toward it (on its worst local address) that nothing else holds.
void Analyzer::TimeWaitExtras(int p) {
  if (!TimeWaitPerDestination(p)) return;
  const std::vector<GroupInfo>& groups = groups_[p];
  std::vector<std::uint16_t> ports(time_wait_members_.size());
  std::vector<std::uint32_t> start = CountingSort(
      time_wait_members_.size(), groups.size(),
      [&](std::size_t i) { return time_wait_members_[i] >> 16; },
      [&](std::size_t i, std::uint32_t slot) {
        ports[slot] =
            static_cast<std::uint16_t>(time_wait_members_[i] & 0xffff);
      });
  dest_time_wait_extra_.assign(dest_index_[p].size(), 0);
  PortBits& in_group = scratch_[0];
  for (std::uint32_t g = 0; g < groups.size(); ++g) {
    int f = Index(groups[g].local_family);
    std::uint32_t extra = 0;
    for (std::uint32_t i = start[g]; i < start[g + 1]; ++i) {
      std::uint16_t port = ports[i];
      if (in_group.Has(port) || !counted_[p][f].Has(port) ||
          held_not_time_wait_.Has(port))
        continue;
      in_group.Insert(port);
      ++extra;
    }
    for (std::uint32_t i = start[g]; i < start[g + 1]; ++i)
      in_group.Erase(ports[i]);
    worst_time_wait_extra_[f] = std::max(worst_time_wait_extra_[f], extra);
    std::uint32_t& d = dest_time_wait_extra_[groups[g].dest];
    d = std::max(d, extra);
  }
}

}  // namespace port_usage

}  // namespace epx

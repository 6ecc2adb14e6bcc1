// SPDX-License-Identifier: Apache-2.0
// How many ports each range has and how many are held host-wide, and the socket
// states.
#include "analysis/port_usage_analyzer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace epx {
namespace port_usage {

void Analyzer::Pools(int p) {
  ExhaustionSummary best;
  bool have = false;
  for (const PortRange& r : snap_.ranges) {
    if (Index(r.protocol) != p) continue;
    const PortBits& counted = counted_[p][Index(r.family)];
    PoolUsage pool;
    pool.protocol = r.protocol;
    pool.family = r.family;
    pool.range_start = r.start;
    pool.range_size = r.size;
    pool.reserved = r.ReservedInRange();
    pool.capacity = r.Capacity();
    pool.in_use = held_[p].CountAnd(counted);
    pool.usage_ratio = Ratio(pool.in_use, pool.capacity);
    report_.pools.push_back(pool);

    ExhaustionSummary e;
    e.protocol = r.protocol;
    e.rule = RuleFor(p);
    e.capacity = pool.capacity;
    e.exclusive_in_use = RuleFor(p) == ExhaustionRule::kHostWide
                             ? pool.in_use
                             : exclusive_[p].CountAnd(counted);
    e.worst_in_use = pool.in_use;
    e.ratio = pool.usage_ratio;
    if (TimeWaitPerDestination(p)) {
      e.exclusive_in_use = held_not_time_wait_.CountAnd(counted);
      e.worst_in_use =
          e.exclusive_in_use + worst_time_wait_extra_[Index(r.family)];
      e.ratio = Ratio(e.worst_in_use, pool.capacity);
    }
    e.recyclable_time_wait = recyclable_time_wait_[p];
    if (!have || e.ratio > best.ratio) best = e;
    have = true;
  }
  if (have) {
    exhaustion_[p] = report_.exhaustion.size();
    report_.exhaustion.push_back(best);
  }
}

void Analyzer::States() {
  static const SocketState kTcpStates[] = {
      SocketState::kEstablished, SocketState::kSynSent,
      SocketState::kSynRecv,     SocketState::kFinWait1,
      SocketState::kFinWait2,    SocketState::kTimeWait,
      SocketState::kClose,       SocketState::kCloseWait,
      SocketState::kLastAck,     SocketState::kListen,
      SocketState::kClosing,     SocketState::kBound};
  for (int p = 0; p < kProtocols; ++p) {
    for (int f = 0; f < kFamilies; ++f) {
      for (int st = 0; st < kSocketStateCount; ++st) {
        auto state = static_cast<SocketState>(st);
        bool always =
            p == 0 ? std::find(std::begin(kTcpStates), std::end(kTcpStates),
                               state) != std::end(kTcpStates)
                   : state == SocketState::kEstablished ||
                         state == SocketState::kUnconnected;
        std::uint64_t n = states_[p][f][st];
        if (n == 0 && !always) continue;
        report_.states.push_back(StateCount{
            ProtocolAt(p), f == 0 ? Family::kIpv4 : Family::kIpv6, state, n});
      }
    }
  }
}

}  // namespace port_usage

}  // namespace epx

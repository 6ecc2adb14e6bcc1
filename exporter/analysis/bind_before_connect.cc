// SPDX-License-Identifier: Apache-2.0
// The Linux TCP rule for clients that bind(addr, 0) before connect().
#include "analysis/port_usage_analyzer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace epx {
namespace port_usage {

// inet_csk_find_open_port: bind(A, 0) refuses every port that a socket
// holds on A or on a wildcard address, whatever its state or peer.
// IPV6_V6ONLY is not seen, so [::] sockets count against IPv4 too.
void Analyzer::BindBeforeConnect(int p) {
  if (RuleFor(p) != ExhaustionRule::kPerDestination || exhaustion_[p] == kNone)
    return;
  const AddrKey any4 = AddrKey::From(IpAddress::V4(0, 0, 0, 0));
  const AddrKey any6{};
  PortBits* wild = wild_;
  std::vector<std::uint16_t> set[kFamilies];
  for (const auto& [addr, acc] : addresses_[p]) {
    if (!(addr == any4) && !(addr == any6)) continue;
    for (std::uint16_t port : acc.ports) {
      for (int f = 0; f < kFamilies; ++f) {
        // 0.0.0.0 conflicts with IPv4 addresses only; [::] with both.
        if (addr == any4 && f == 1) continue;
        if (!wild[f].Has(port)) set[f].push_back(port);
        wild[f].Insert(port);
      }
    }
  }
  std::array<std::uint32_t, kFamilies> worst{};
  for (int f = 0; f < kFamilies; ++f)
    worst[f] = static_cast<std::uint32_t>(set[f].size());
  for (const auto& [addr, acc] : addresses_[p]) {
    if (addr == any4 || addr == any6) continue;
    int f = Index(addr.family());
    auto used = static_cast<std::uint32_t>(set[f].size());
    for (std::uint16_t port : acc.ports) used += !wild[f].Has(port);
    worst[f] = std::max(worst[f], used);
  }
  for (int f = 0; f < kFamilies; ++f) {
    for (std::uint16_t port : set[f]) wild[f].Erase(port);
  }
  ExhaustionSummary& e = report_.exhaustion[exhaustion_[p]];
  e.linux_rules = true;
  bool have = false;
  for (const PortRange& r : snap_.ranges) {
    if (Index(r.protocol) != p) continue;
    int f = Index(r.family);
    double ratio = Ratio(worst[f], r.Capacity());
    if (!have || ratio > e.bind_ratio) {
      e.bind_in_use = worst[f];
      e.bind_ratio = ratio;
      have = true;
    }
  }
}

}  // namespace port_usage

}  // namespace epx

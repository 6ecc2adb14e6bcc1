// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/connect_event_records.h"

#include <cstring>
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

}  // namespace

ConnectEvents DecodeConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_destination_key, std::uint64_t>>&
        destinations) {
  ConnectEvents e;
  e.valid = true;
  e.tcp_connect_failures[0] = Total(totals, EPX_TCP4_CONNECT_FAILED);
  e.tcp_connect_failures[1] = Total(totals, EPX_TCP6_CONNECT_FAILED);
  e.tcp_connects[0] = Minus(Total(totals, EPX_TCP4_CONNECT_ATTEMPTS),
                            e.tcp_connect_failures[0]);
  e.tcp_connects[1] = Minus(Total(totals, EPX_TCP6_CONNECT_ATTEMPTS),
                            e.tcp_connect_failures[1]);
  e.bind_failures[0] = Total(totals, EPX_TCP_BIND_FAILED);
  e.bind_failures[1] = Total(totals, EPX_UDP_BIND_FAILED);
  e.udp_autobind_failures = Total(totals, EPX_UDP_AUTOBIND_FAILED);
  e.processes_dropped = Total(totals, EPX_PROCESSES_DROPPED);
  e.destinations_dropped = Total(totals, EPX_DESTINATIONS_DROPPED);
  for (const auto& [key, counts] : processes) {
    ConnectEventProcess p;
    p.pid = key.pid;
    p.name.assign(key.comm, strnlen(key.comm, sizeof key.comm));
    p.connect_failures = counts.connect_failed;
    p.connects = Minus(counts.connect_attempts, counts.connect_failed);
    p.port_zero_failures = counts.port_zero_failed;
    e.processes.push_back(std::move(p));
  }
  for (const auto& [key, count] : destinations) {
    ConnectEventDestination d;
    d.protocol = key.protocol == kProtocolUdp ? Protocol::kUdp : Protocol::kTcp;
    if (key.family == 4) {
      d.address =
          IpAddress::V4(key.addr[0], key.addr[1], key.addr[2], key.addr[3]);
    } else if (key.family == 6) {
      d.address.family = Family::kIpv6;
      std::memcpy(d.address.bytes.data(), key.addr, 16);
    } else {
      continue;
    }
    d.port = key.port;
    d.failures = count;
    e.destinations.push_back(d);
  }
  return e;
}

}  // namespace epx

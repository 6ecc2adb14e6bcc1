// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/namespace_usage.h"
#include "analysis/watch_list.h"
#include "model/snapshot.h"

namespace epx {

/// Limits that keep label values bounded.
struct AnalysisOptions {
  std::size_t top_processes = 10;
  std::size_t top_destinations = 10;
  std::size_t top_local_addresses = 20;
  /// Network namespaces to report (the namespaces collector).
  std::size_t top_namespaces = 20;
  /// Reported besides the top N (config `watch`).
  WatchList watch;
};

/// Usage of one protocol/family range against the ports held host-wide.
struct PoolUsage {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  std::uint16_t range_start = 0;
  std::uint32_t range_size = 0;
  std::uint32_t reserved = 0;
  std::uint32_t capacity = 0;
  /// Distinct local ports in the range held by any socket of the protocol.
  std::uint32_t in_use = 0;
  double usage_ratio = 0;
};

/// The headline: how close a new connect() is to failing, by the OS rule.
struct ExhaustionSummary {
  Protocol protocol = Protocol::kTcp;
  ExhaustionRule rule = ExhaustionRule::kHostWide;
  std::uint32_t capacity = 0;
  /// Ports in range held for every destination (listeners, bound sockets).
  std::uint32_t exclusive_in_use = 0;
  /// Ports unavailable to connect() toward the worst destination.
  std::uint32_t worst_in_use = 0;
  double ratio = 0;
  /// TIME_WAIT sockets a new connect() may take over (Linux tcp_tw_reuse),
  /// left out of the worst destination.
  std::uint64_t recyclable_time_wait = 0;
  /// Linux TCP, for clients that bind(addr, 0) before connect(): ports held
  /// on the worst local address or on a wildcard address.
  std::uint32_t bind_in_use = 0;
  double bind_ratio = 0;
  /// True when the Linux TCP rules ran: bind_*, recyclable_time_wait and
  /// the bound-socket visibility apply.
  bool linux_rules = false;
};

/// The Windows auto-reuse pool of one family (TCP, when enabled): connect()
/// without bind() takes its port from this range, shared per destination.
struct AutoReusePoolUsage {
  Family family = Family::kIpv4;
  std::uint16_t range_start = 0;
  std::uint32_t range_size = 0;
  std::uint32_t capacity = 0;
  /// Distinct ports of the range held by any TCP socket.
  std::uint32_t in_use = 0;
  /// Ports of the range held for every destination (listeners, bound).
  std::uint32_t exclusive_in_use = 0;
  /// Ports unavailable toward the worst (local address, remote address,
  /// remote port): listeners and bound sockets plus that group's own.
  std::uint32_t worst_in_use = 0;
  double ratio = 0;
};

/// The headline of one Linux VRF ("default": sockets bound to no VRF).
struct VrfExhaustion {
  Protocol protocol = Protocol::kTcp;
  std::string vrf;
  std::uint32_t worst_in_use = 0;
  double ratio = 0;
};

/// Number of sockets in one state.
struct StateCount {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  SocketState state = SocketState::kEstablished;
  std::uint64_t sockets = 0;
};

/// The Log-EphemeralPortStats.ps1 row: one local address.
struct LocalAddressUsage {
  Protocol protocol = Protocol::kTcp;
  std::string address;
  std::uint32_t in_use = 0;
  std::uint32_t capacity = 0;
  double usage_ratio = 0;
  std::uint32_t listening_ports = 0;
  /// Distinct owning processes; 0 when per-process data is not collected.
  std::uint32_t processes = 0;
};

/// Sockets of one process in one protocol and state.
struct ProcessStateCount {
  Protocol protocol = Protocol::kTcp;
  SocketState state = SocketState::kEstablished;
  std::uint64_t sockets = 0;
};

/// Ports and sockets held by one process, and what names it for an admin
/// (the ProcessInfo fields of the snapshot).
struct ProcessUsage {
  std::int64_t pid = 0;
  std::string name;
  /// Windows services it hosts, sorted; on Linux its systemd unit.
  std::vector<std::string> services;
  /// Open handles (Windows) or file descriptors (Linux); -1 when not known.
  std::int64_t handles = -1;
  std::string executable;
  std::string user;
  /// Indexed by Protocol: distinct in-range ports the process holds.
  std::array<std::uint32_t, 2> in_use{};
  std::vector<ProcessStateCount> sockets;
};

/// A watched service; always reported, zero when idle or stopped.
struct ServiceUsage {
  std::string name;
  bool running = false;
  std::uint32_t processes = 0;
  /// Indexed by Protocol.
  std::array<std::uint32_t, 2> in_use{};
};

/// Ports used toward one remote address and port.
struct DestinationUsage {
  Protocol protocol = Protocol::kTcp;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  /// Distinct local in-range ports connected to this destination.
  std::uint32_t in_use = 0;
  /// Per-destination rule: worst (in_use + exclusive) / capacity over local
  /// addresses; host-wide rule: in_use / capacity.
  double usage_ratio = 0;
};

/// Sockets whose owner is not known, by reason: held by the kernel after
/// close ("time_wait", "fin_wait2" timewait objects, "orphaned" full
/// sockets), "syn_recv" request sockets of half-open inbound connections,
/// or "unknown" (owner not readable).
struct UnattributedUsage {
  Protocol protocol = Protocol::kTcp;
  std::string reason;
  std::uint32_t in_use = 0;
  std::uint64_t sockets = 0;
};

/// Everything the exposition and the console report show.
struct PortUsageReport {
  std::vector<PoolUsage> pools;
  std::vector<ExhaustionSummary> exhaustion;
  /// Empty unless the Linux namespace has VRFs.
  std::vector<VrfExhaustion> vrf_exhaustion;
  /// Empty unless the snapshot has auto-reuse ranges.
  std::vector<AutoReusePoolUsage> auto_reuse;
  std::vector<StateCount> states;
  std::vector<LocalAddressUsage> local_addresses;
  std::vector<ProcessUsage> processes;
  std::vector<ServiceUsage> services;
  std::vector<DestinationUsage> destinations;
  std::vector<UnattributedUsage> unattributed;
  bool processes_collected = false;
  /// False when bound-only TCP sockets cannot be seen (the headline is then
  /// a lower bound).
  bool bound_sockets_visible = true;
  std::uint32_t processes_seen = 0;
  std::uint32_t processes_unreadable = 0;
  /// Windows TcpTimedWaitDelay in seconds when configured, else -1.
  std::int64_t tcp_time_wait_delay_seconds = -1;
  std::vector<TcpCounters> tcp_counters;
  /// Linux connect events: totals, top processes and destinations.
  ConnectEvents connect_events;
  /// Linux: the other network namespaces (the namespaces collector).
  NamespaceReport namespaces;
  /// Where the ranges came from and when they were read (Snapshot).
  std::string range_source;
  double range_read_seconds = 0;
  EventCounts events;
  std::vector<CollectorStatus> collectors;
};

/// Pure: turns a snapshot into the numbers the exporter reports.
PortUsageReport AnalyzePortUsage(const Snapshot& snapshot,
                                 const AnalysisOptions& options);

}  // namespace epx

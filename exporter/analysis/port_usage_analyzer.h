// SPDX-License-Identifier: Apache-2.0
// The state of one analysis: what the pass over the sockets gathers and the
// rules read. Each rule's methods live in the file named beside them
// (internal to analysis/).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analysis/flat_index.h"
#include "analysis/port_keys.h"
#include "analysis/port_usage.h"
#include "model/snapshot.h"

namespace epx {
namespace port_usage {

/// What the pass gathers per local address.
struct AddressAcc {
  std::vector<std::uint16_t> ports;
  std::vector<std::uint16_t> listening;
  std::uint32_t processes = 0;
  std::int64_t last_pid = kUnknownPid;
};

/// What the pass gathers per process.
struct ProcessAcc {
  std::array<std::vector<std::uint16_t>, kProtocols> ports;
  std::array<std::array<std::uint64_t, kSocketStateCount>, kProtocols> states{};
  std::uint64_t sockets = 0;
};

/// What the pass gathers per reason a socket has no owner.
struct UnattributedAcc {
  std::vector<std::uint16_t> ports;
  std::uint64_t sockets = 0;
};

/// Runs the rules over one snapshot; one use per instance.
class Analyzer {
 public:
  Analyzer(const Snapshot& snapshot, const AnalysisOptions& options)
      : snap_(snapshot), options_(options) {}

  /// The report of every rule, in the order they depend on each other.
  PortUsageReport Run();

 private:
  // port_usage.cc: the entry point, and the one pass over the sockets that
  // every rule reads.
  void PrepareRanges();
  void PrepareServices();
  ExhaustionRule RuleFor(int p) const;
  void ScanSockets();

  // host_pools.cc: how many ports each range has and how many are held
  // host-wide, and the socket states.
  void Pools(int p);
  void States();

  // destination_rule.cc: the Linux TCP per-destination rule and the destination
  // series.
  std::uint32_t AddGroupMember(int p, const GroupKey& key, std::uint16_t port);
  void Groups(int p);
  void ChooseWorstRange(int p,
                        const std::array<std::uint32_t, kFamilies>& worst,
                        const std::array<std::uint32_t, kFamilies>& exclusive,
                        ExhaustionSummary* e);

  // bind_before_connect.cc: the Linux TCP rule for clients that bind(addr, 0)
  // before connect().
  void BindBeforeConnect(int p);

  // time_wait_recycling.cc: which TIME_WAIT sockets a new connect() can take
  // over (Linux), and whom a TIME_WAIT port is lost to (Windows).
  bool TimeWaitRecyclable(const SocketRecord& s, const AddrKey& local) const;
  bool TimeWaitPerDestination(int p) const;
  void TimeWaitExtras(int p);

  // attribution.cc: who holds the ports: local addresses, processes,
  // unattributed sockets and watched services, each limited to the top N
  // and what the watch lists name.
  void LocalAddresses(int p);
  void Processes();
  void Unattributed();
  void Services();

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  const Snapshot& snap_;
  const AnalysisOptions& options_;
  PortUsageReport report_;
  const PortRange* range_[kProtocols][kFamilies] = {};
  PortBits counted_[kProtocols][kFamilies];
  PortBits held_[kProtocols];
  PortBits exclusive_[kProtocols];
  /// Ports a listener, bound socket or remembered bucket holds: connections
  /// on them were accepted.
  PortBits server_[kProtocols];
  /// Host-wide TCP rule: ports held by a socket not in TIME_WAIT, and the
  /// TIME_WAIT members (group << 16 | port).
  PortBits held_not_time_wait_;
  /// Scratch bitmaps, each left empty after use: members rather than
  /// thread_local, whose 8 kB each every thread of the process would carry.
  PortBits scratch_[2];
  PortBits wild_[kFamilies];
  std::vector<std::uint64_t> time_wait_members_;
  std::vector<std::uint32_t> dest_time_wait_extra_;
  std::array<std::uint32_t, kFamilies> worst_time_wait_extra_{};
  std::uint64_t recyclable_time_wait_[kProtocols] = {};
  std::size_t exhaustion_[kProtocols] = {kNone, kNone};
  std::uint64_t states_[kProtocols][kFamilies][kSocketStateCount] = {};
  FlatIndex<GroupKey, GroupKeyHash> group_index_[kProtocols];
  std::vector<GroupInfo> groups_[kProtocols];
  FlatIndex<DestKey, DestKeyHash> dest_index_[kProtocols];
  std::vector<std::uint64_t> members_[kProtocols];
  FlatIndex<AddrKey, AddrKeyHash> address_index_[kProtocols];
  /// (protocol, address slot, pid) triples seen, to count distinct pids.
  FlatIndex<std::uint64_t, PairHash> address_pids_;
  std::vector<std::pair<AddrKey, AddressAcc>> addresses_[kProtocols];
  FlatIndex<std::int64_t, PidHash> process_index_;
  std::vector<ProcessAcc> processes_;
  std::map<std::string, UnattributedAcc> unattributed_[kProtocols];
  std::unordered_map<std::int64_t, std::vector<std::size_t>> pid_services_;
  std::vector<std::array<std::vector<std::uint16_t>, kProtocols>>
      service_ports_;
};

}  // namespace port_usage
}  // namespace epx

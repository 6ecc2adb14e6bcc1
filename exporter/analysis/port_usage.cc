// SPDX-License-Identifier: Apache-2.0
// The entry point, and the one pass over the sockets that every rule reads.
#include "analysis/port_usage.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "analysis/auto_reuse_pool.h"
#include "analysis/connect_event_summary.h"
#include "analysis/port_usage_analyzer.h"
#include "analysis/socket_port_ranges.h"
#include "analysis/vrf_pools.h"

namespace epx {
namespace port_usage {

PortUsageReport Analyzer::Run() {
  report_.processes_collected = snap_.processes_collected;
  report_.bound_sockets_visible = snap_.bound_sockets_visible;
  report_.processes_seen = static_cast<std::uint32_t>(snap_.processes.size());
  report_.processes_unreadable = snap_.processes_unreadable;
  report_.tcp_counters = snap_.tcp_counters;
  report_.range_source = snap_.range_source;
  report_.range_read_seconds = snap_.range_read_seconds;
  report_.tcp_time_wait_delay_seconds = snap_.tcp_time_wait_delay_seconds;
  report_.events = snap_.events;
  report_.collectors = snap_.collectors;
  PrepareRanges();
  PrepareServices();
  ScanSockets();
  for (int p = 0; p < kProtocols; ++p) {
    TimeWaitExtras(p);
    Pools(p);
    Groups(p);
    LocalAddresses(p);
    BindBeforeConnect(p);
  }
  States();
  if (snap_.processes_collected) {
    Processes();
    Unattributed();
  }
  Services();
  return std::move(report_);
}

void Analyzer::PrepareRanges() {
  for (int p = 0; p < kProtocols; ++p) {
    for (int f = 0; f < kFamilies; ++f) range_[p][f] = nullptr;
    for (const PortRange& r : snap_.ranges) {
      if (Index(r.protocol) != p) continue;
      int f = Index(r.family);
      if (range_[p][f] == nullptr) range_[p][f] = &r;
    }
    for (int f = 0; f < kFamilies; ++f) {
      if (range_[p][f] == nullptr) range_[p][f] = range_[p][1 - f];
      if (range_[p][f] == nullptr) continue;
      const PortRange& r = *range_[p][f];
      if (r.size == 0) continue;
      std::uint32_t last = std::min<std::uint32_t>(r.start + r.size - 1, 65535);
      counted_[p][f].Fill(r.start, last, true);
      for (const auto& [first, reserved_last] : r.reserved) {
        if (first <= reserved_last)
          counted_[p][f].Fill(first, reserved_last, false);
      }
    }
  }
}

void Analyzer::PrepareServices() {
  service_ports_.resize(snap_.services.size());
  for (std::size_t i = 0; i < snap_.services.size(); ++i) {
    for (std::int64_t pid : snap_.services[i].pids)
      pid_services_[pid].push_back(i);
  }
}

ExhaustionRule Analyzer::RuleFor(int p) const {
  return p == 0 ? snap_.tcp_rule : snap_.udp_rule;
}

void Analyzer::ScanSockets() {
  std::size_t tcp = 0;
  for (const SocketRecord& s : snap_.sockets)
    tcp += s.protocol == Protocol::kTcp;
  members_[0].reserve(tcp);
  members_[1].reserve(snap_.sockets.size() - tcp);
  for (const SocketRecord& s : snap_.sockets) {
    if (s.local_port == 0) continue;
    if (HoldsPortForEveryDestination(s))
      exclusive_[Index(s.protocol)].Insert(s.local_port);
    if (IsExclusiveState(s.state))
      server_[Index(s.protocol)].Insert(s.local_port);
  }
  for (std::uint16_t port : snap_.tcp_bucket_ports) {
    exclusive_[0].Insert(port);
    server_[0].Insert(port);
  }
  std::size_t extra = 0;
  std::vector<std::int64_t> owners;
  std::vector<std::size_t> touched_services;
  for (std::size_t i = 0; i < snap_.sockets.size(); ++i) {
    const SocketRecord& s = snap_.sockets[i];
    int p = Index(s.protocol);
    ++states_[p][Index(s.family)][static_cast<int>(s.state)];

    owners.clear();
    if (s.pid != kUnknownPid) owners.push_back(s.pid);
    while (extra < snap_.extra_owners.size() &&
           snap_.extra_owners[extra].socket_index <= i) {
      if (snap_.extra_owners[extra].socket_index == i)
        owners.push_back(snap_.extra_owners[extra].pid);
      ++extra;
    }

    AddrKey local = AddrKey::From(s.local_address);
    int f = Index(local.family());
    bool counted = s.local_port != 0 && range_[p][f] != nullptr &&
                   counted_[p][f].Has(s.local_port);

    for (std::int64_t pid : owners) {
      std::uint32_t slot = process_index_.SlotOf(pid);
      if (slot == processes_.size()) processes_.emplace_back();
      ProcessAcc& acc = processes_[slot];
      if (counted) acc.ports[p].push_back(s.local_port);
      ++acc.states[p][static_cast<int>(s.state)];
      ++acc.sockets;
    }
    if (owners.empty() && snap_.processes_collected) {
      const char* reason = "unknown";
      if (s.state == SocketState::kTimeWait) {
        reason = "time_wait";
      } else if (snap_.owners_from_inodes && s.inode == 0 &&
                 s.protocol == Protocol::kTcp) {
        reason = s.timewait_object                  ? "fin_wait2"
                 : s.state == SocketState::kSynRecv ? "syn_recv"
                                                    : "orphaned";
      }
      UnattributedAcc& acc = unattributed_[p][reason];
      ++acc.sockets;
      if (counted) acc.ports.push_back(s.local_port);
    }
    if (counted && !pid_services_.empty()) {
      touched_services.clear();
      for (std::int64_t pid : owners) {
        auto it = pid_services_.find(pid);
        if (it == pid_services_.end()) continue;
        touched_services.insert(touched_services.end(), it->second.begin(),
                                it->second.end());
      }
      std::sort(touched_services.begin(), touched_services.end());
      touched_services.erase(
          std::unique(touched_services.begin(), touched_services.end()),
          touched_services.end());
      for (std::size_t svc : touched_services)
        service_ports_[svc][p].push_back(s.local_port);
    }

    if (s.local_port == 0) continue;
    held_[p].Insert(s.local_port);
    bool time_wait = s.state == SocketState::kTimeWait;
    if (TimeWaitPerDestination(p) && !time_wait)
      held_not_time_wait_.Insert(s.local_port);
    // A connection on a port a listener, bound socket or remembered bucket
    // holds (an accepted one, usually) is no destination's. One whose own
    // bind() holds its port (bind before connect) is its destination's,
    // and Groups() counts that port once, as held for every destination.
    bool recyclable = TimeWaitRecyclable(s, local);
    recyclable_time_wait_[p] += recyclable;
    if (!IsExclusiveState(s.state) && s.remote_port != 0 && !recyclable &&
        !server_[p].Has(s.local_port)) {
      std::uint32_t group =
          AddGroupMember(p,
                         GroupKey{AddrKey::From(s.remote_address), local,
                                  s.remote_port, p == 0 ? s.bound_device : 0},
                         s.local_port);
      if (TimeWaitPerDestination(p) && time_wait)
        time_wait_members_.push_back(std::uint64_t{group} << 16 | s.local_port);
    }

    std::uint32_t addr_slot = address_index_[p].SlotOf(local);
    if (addr_slot == addresses_[p].size())
      addresses_[p].emplace_back(local, AddressAcc{});
    AddressAcc& addr = addresses_[p][addr_slot].second;
    if (counted) addr.ports.push_back(s.local_port);
    if (s.state == SocketState::kListen || s.state == SocketState::kUnconnected)
      addr.listening.push_back(s.local_port);
    for (std::int64_t pid : owners) {
      if (pid == addr.last_pid) continue;
      addr.last_pid = pid;
      std::uint32_t before = static_cast<std::uint32_t>(address_pids_.size());
      if (address_pids_.SlotOf(
              std::uint64_t{addr_slot} << 40 ^
              (static_cast<std::uint64_t>(pid) & 0xffffffffffull) ^
              (std::uint64_t{static_cast<std::uint32_t>(p)} << 63)) == before)
        ++addr.processes;
    }
  }
}

}  // namespace port_usage

PortUsageReport AnalyzePortUsage(const Snapshot& snapshot,
                                 const AnalysisOptions& options) {
  PortUsageReport report = port_usage::Analyzer(snapshot, options).Run();
  AnalyzeAutoReusePools(snapshot, &report);
  AnalyzeSocketPortRanges(snapshot, &report);
  AnalyzeVrfPools(snapshot, options, &report);
  report.connect_events =
      SummarizeConnectEvents(snapshot.connect_events, options);
  report.namespaces = AnalyzeNamespaces(snapshot.namespaces, options);
  return report;
}

}  // namespace epx

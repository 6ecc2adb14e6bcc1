// SPDX-License-Identifier: Apache-2.0
// Who holds the ports: local addresses, processes, unattributed sockets and
// watched services, each limited to the top N and what the watch lists name.
#include "analysis/port_usage_analyzer.h"
#include "analysis/watch_select.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace epx {
namespace port_usage {

void Analyzer::LocalAddresses(int p) {
  struct Row {
    std::size_t index;
    std::uint32_t in_use;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < addresses_[p].size(); ++i) {
    rows.push_back(
        Row{i, Dedupe(&addresses_[p][i].second.ports, &scratch_[0])});
  }
  auto busier = [&](const Row& a, const Row& b) {
    if (a.in_use != b.in_use) return a.in_use > b.in_use;
    return addresses_[p][a.index].first < addresses_[p][b.index].first;
  };
  std::size_t keep = std::min(options_.top_local_addresses, rows.size());
  std::partial_sort(rows.begin(),
                    rows.begin() + static_cast<std::ptrdiff_t>(keep),
                    rows.end(), busier);
  const std::vector<AddressPattern>& watched = options_.watch.local_addresses;
  std::vector<AddrBlock> blocks;
  blocks.reserve(watched.size());
  for (const AddressPattern& w : watched) blocks.push_back(AddrBlock::Of(w));
  keep = KeepWatched(&rows, keep, watched.size(), busier,
                     [&](const Row& row, std::size_t e) {
                       return blocks[e].Has(addresses_[p][row.index].first);
                     });
  std::size_t first = report_.local_addresses.size();
  for (std::size_t k = 0; k < keep; ++k) {
    auto& [addr, acc] = addresses_[p][rows[k].index];
    LocalAddressUsage u;
    u.protocol = ProtocolAt(p);
    u.address = addr.ToString();
    u.in_use = rows[k].in_use;
    const PortRange* r = range_[p][Index(addr.family())];
    u.capacity = r ? r->Capacity() : 0;
    u.usage_ratio = Ratio(u.in_use, u.capacity);
    u.listening_ports = Dedupe(&acc.listening, &scratch_[0]);
    u.processes = acc.processes;
    report_.local_addresses.push_back(u);
  }
  if (p != 0) return;
  // A watched single address is reported for TCP when it holds no socket.
  for (const AddressPattern& w : watched) {
    if (!w.IsSingle()) continue;
    AddrKey key = AddrKey::From(w.network);
    std::string address = key.ToString();
    if (std::any_of(
            report_.local_addresses.begin() +
                static_cast<std::ptrdiff_t>(first),
            report_.local_addresses.end(),
            [&](const LocalAddressUsage& a) { return a.address == address; }))
      continue;
    LocalAddressUsage u;
    u.protocol = ProtocolAt(p);
    u.address = address;
    const PortRange* r = range_[p][Index(key.family())];
    u.capacity = r ? r->Capacity() : 0;
    report_.local_addresses.push_back(u);
  }
}

void Analyzer::Processes() {
  struct Row {
    std::uint32_t in_use;
    std::uint64_t sockets;
    std::int64_t pid;
    ProcessAcc* acc;
  };
  std::vector<Row> rows;
  rows.reserve(processes_.size());
  for (std::uint32_t slot = 0; slot < processes_.size(); ++slot) {
    std::int64_t pid = process_index_.key(slot);
    ProcessAcc& acc = processes_[slot];
    std::uint32_t in_use = 0;
    for (int p = 0; p < kProtocols; ++p)
      in_use += Dedupe(&acc.ports[p], &scratch_[0]);
    rows.push_back(Row{in_use, acc.sockets, pid, &acc});
  }
  auto busier = [](const Row& a, const Row& b) {
    return std::tie(b.in_use, b.sockets, a.pid) <
           std::tie(a.in_use, a.sockets, b.pid);
  };
  std::size_t keep = std::min(options_.top_processes, rows.size());
  std::partial_sort(rows.begin(),
                    rows.begin() + static_cast<std::ptrdiff_t>(keep),
                    rows.end(), busier);
  const std::vector<ProcessPattern>& watched = options_.watch.processes;
  static const ProcessInfo kUnknown;
  keep = KeepWatched(
      &rows, keep, watched.size(), busier, [&](const Row& row, std::size_t e) {
        auto info = snap_.processes.find(row.pid);
        const ProcessInfo& p =
            info != snap_.processes.end() ? info->second : kUnknown;
        return watched[e].Matches(p.name, p.executable);
      });
  for (std::size_t k = 0; k < keep; ++k) {
    const Row& row = rows[k];
    ProcessUsage u;
    u.pid = row.pid;
    auto info = snap_.processes.find(row.pid);
    if (info != snap_.processes.end()) {
      u.name = info->second.name;
      u.services = info->second.services;
      u.handles = info->second.handles;
      u.executable = info->second.executable;
      u.user = info->second.user;
    }
    for (int p = 0; p < kProtocols; ++p) {
      u.in_use[p] = static_cast<std::uint32_t>(row.acc->ports[p].size());
      for (int st = 0; st < kSocketStateCount; ++st) {
        if (row.acc->states[p][st] == 0) continue;
        u.sockets.push_back(ProcessStateCount{ProtocolAt(p),
                                              static_cast<SocketState>(st),
                                              row.acc->states[p][st]});
      }
    }
    report_.processes.push_back(std::move(u));
  }
}

void Analyzer::Unattributed() {
  for (const char* reason :
       {"fin_wait2", "orphaned", "syn_recv", "time_wait", "unknown"})
    unattributed_[0][reason];
  unattributed_[1]["unknown"];
  for (int p = 0; p < kProtocols; ++p) {
    for (auto& [reason, acc] : unattributed_[p]) {
      UnattributedUsage u;
      u.protocol = ProtocolAt(p);
      u.reason = reason;
      u.in_use = Dedupe(&acc.ports, &scratch_[0]);
      u.sockets = acc.sockets;
      report_.unattributed.push_back(u);
    }
  }
}

void Analyzer::Services() {
  for (std::size_t i = 0; i < snap_.services.size(); ++i) {
    const ServiceInfo& svc = snap_.services[i];
    ServiceUsage u;
    u.name = svc.name;
    u.running = svc.running;
    u.processes = static_cast<std::uint32_t>(svc.pids.size());
    for (int p = 0; p < kProtocols; ++p)
      u.in_use[p] = Dedupe(&service_ports_[i][p], &scratch_[0]);
    report_.services.push_back(u);
  }
}

}  // namespace port_usage

}  // namespace epx

#include "analysis/port_usage.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace epx {
namespace {

constexpr int kProtocols = 2;

int Index(Protocol protocol) { return protocol == Protocol::kTcp ? 0 : 1; }

class PortSet {
 public:
  PortSet() : bits_(1024, 0) {}
  void Insert(std::uint16_t port) { bits_[port >> 6] |= Bit(port); }
  bool Has(std::uint16_t port) const { return bits_[port >> 6] & Bit(port); }
  std::uint32_t CountCounted(const PortRange& range) const {
    std::uint32_t n = 0;
    for (std::uint32_t p = range.start; p < range.start + range.size; ++p) {
      auto port = static_cast<std::uint16_t>(p);
      if (Has(port) && !range.IsReserved(port)) ++n;
    }
    return n;
  }

 private:
  static std::uint64_t Bit(std::uint16_t port) {
    return std::uint64_t{1} << (port & 63);
  }
  std::vector<std::uint64_t> bits_;
};

std::uint32_t CountDistinct(std::vector<std::uint16_t>* ports) {
  std::sort(ports->begin(), ports->end());
  return static_cast<std::uint32_t>(
      std::unique(ports->begin(), ports->end()) - ports->begin());
}

double Ratio(std::uint32_t used, std::uint32_t capacity) {
  if (capacity == 0) return used > 0 ? 1.0 : 0.0;
  return std::min(1.0, static_cast<double>(used) / capacity);
}

struct GroupKey {
  IpAddress local;
  IpAddress remote;
  std::uint16_t remote_port;
  bool operator==(const GroupKey& o) const {
    return local == o.local && remote == o.remote &&
           remote_port == o.remote_port;
  }
};

struct GroupKeyHash {
  std::size_t operator()(const GroupKey& k) const {
    std::size_t h = k.remote_port;
    for (std::uint8_t b : k.local.bytes) h = h * 131 + b;
    for (std::uint8_t b : k.remote.bytes) h = h * 131 + b;
    return h * 2 + (k.local.family == Family::kIpv6);
  }
};

class Analyzer {
 public:
  Analyzer(const Snapshot& snapshot, const AnalysisOptions& options)
      : snap_(snapshot), options_(options) {}

  PortUsageReport Run() {
    report_.processes_collected = snap_.processes_collected;
    report_.processes_seen =
        static_cast<std::uint32_t>(snap_.processes.size());
    report_.processes_unreadable = snap_.processes_unreadable;
    report_.tcp_counters = snap_.tcp_counters;
    report_.events = snap_.events;
    report_.collectors = snap_.collectors;
    IndexSockets();
    for (Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
      AnalyzePools(protocol);
      AnalyzeDestinations(protocol);
      AnalyzeLocalAddresses(protocol);
    }
    AnalyzeStates();
    if (snap_.processes_collected) {
      AnalyzeProcesses();
      AnalyzeUnattributed();
    }
    AnalyzeServices();
    return report_;
  }

 private:
  const PortRange* RangeFor(Protocol protocol, Family family) const {
    const PortRange* fallback = nullptr;
    for (const PortRange& r : snap_.ranges) {
      if (r.protocol != protocol) continue;
      if (r.family == family) return &r;
      if (fallback == nullptr) fallback = &r;
    }
    return fallback;
  }

  bool Counts(const SocketRecord& s) const {
    if (s.local_port == 0) return false;
    const PortRange* r =
        RangeFor(s.protocol, s.local_address.Canonical().family);
    return r != nullptr && r->CountsPort(s.local_port);
  }

  ExhaustionRule RuleFor(Protocol protocol) const {
    return protocol == Protocol::kTcp ? snap_.tcp_rule : snap_.udp_rule;
  }

  void OwnersOf(const SocketRecord& s, std::vector<std::int64_t>* out) const {
    out->clear();
    if (s.pid != kUnknownPid) {
      out->push_back(s.pid);
      return;
    }
    if (s.inode == 0) return;
    auto it = snap_.inode_owners.find(s.inode);
    if (it != snap_.inode_owners.end()) *out = it->second;
  }

  void IndexSockets() {
    for (const SocketRecord& s : snap_.sockets) {
      int p = Index(s.protocol);
      if (s.local_port != 0) held_[p].Insert(s.local_port);
      if (s.local_port == 0) continue;
      if (IsExclusiveState(s.state)) {
        exclusive_[p].Insert(s.local_port);
      } else if (s.remote_port != 0) {
        groups_[p][GroupKey{s.local_address.Canonical(),
                            s.remote_address.Canonical(), s.remote_port}]
            .push_back(s.local_port);
      }
    }
  }

  std::uint32_t GroupUsed(int p, const std::vector<std::uint16_t>& ports,
                          const PortRange& range,
                          std::uint32_t exclusive) const {
    std::vector<std::uint16_t> extra;
    for (std::uint16_t port : ports) {
      if (range.CountsPort(port) && !exclusive_[p].Has(port))
        extra.push_back(port);
    }
    return exclusive + CountDistinct(&extra);
  }

  void AnalyzePools(Protocol protocol) {
    int p = Index(protocol);
    ExhaustionSummary best;
    bool have = false;
    for (const PortRange& r : snap_.ranges) {
      if (r.protocol != protocol) continue;
      PoolUsage pool;
      pool.protocol = protocol;
      pool.family = r.family;
      pool.range_start = r.start;
      pool.range_size = r.size;
      pool.reserved = r.ReservedInRange();
      pool.capacity = r.Capacity();
      pool.in_use = held_[p].CountCounted(r);
      pool.usage_ratio = Ratio(pool.in_use, pool.capacity);
      report_.pools.push_back(pool);

      ExhaustionSummary e;
      e.protocol = protocol;
      e.rule = RuleFor(protocol);
      e.capacity = pool.capacity;
      e.exclusive_in_use = exclusive_[p].CountCounted(r);
      if (e.rule == ExhaustionRule::kHostWide) {
        e.worst_in_use = pool.in_use;
      } else {
        e.worst_in_use = e.exclusive_in_use;
        for (const auto& g : groups_[p]) {
          e.worst_in_use = std::max(
              e.worst_in_use, GroupUsed(p, g.second, r, e.exclusive_in_use));
        }
      }
      e.ratio = Ratio(e.worst_in_use, e.capacity);
      if (!have || e.ratio > best.ratio) best = e;
      have = true;
    }
    if (have) report_.exhaustion.push_back(best);
  }

  void AnalyzeDestinations(Protocol protocol) {
    int p = Index(protocol);
    struct Acc {
      std::vector<std::uint16_t> ports;
      std::uint32_t worst = 0;
      const PortRange* range = nullptr;
    };
    std::map<std::pair<IpAddress, std::uint16_t>, Acc> by_dest;
    for (const auto& g : groups_[p]) {
      const PortRange* r = RangeFor(protocol, g.first.local.family);
      if (r == nullptr) continue;
      Acc& acc = by_dest[{g.first.remote, g.first.remote_port}];
      acc.range = r;
      for (std::uint16_t port : g.second) {
        if (r->CountsPort(port)) acc.ports.push_back(port);
      }
      if (RuleFor(protocol) == ExhaustionRule::kPerDestination) {
        acc.worst = std::max(
            acc.worst,
            GroupUsed(p, g.second, *r, exclusive_[p].CountCounted(*r)));
      }
    }
    std::vector<DestinationUsage> all;
    for (auto& d : by_dest) {
      DestinationUsage u;
      u.protocol = protocol;
      u.remote_address = d.first.first.ToString();
      u.remote_port = d.first.second;
      u.in_use = CountDistinct(&d.second.ports);
      if (u.in_use == 0) continue;
      std::uint32_t cap = d.second.range->Capacity();
      u.usage_ratio = RuleFor(protocol) == ExhaustionRule::kPerDestination
                          ? Ratio(d.second.worst, cap)
                          : Ratio(u.in_use, cap);
      all.push_back(u);
    }
    std::sort(all.begin(), all.end(),
              [](const DestinationUsage& a, const DestinationUsage& b) {
                return std::tie(b.in_use, a.remote_address, a.remote_port) <
                       std::tie(a.in_use, b.remote_address, b.remote_port);
              });
    if (all.size() > options_.top_destinations)
      all.resize(options_.top_destinations);
    report_.destinations.insert(report_.destinations.end(), all.begin(),
                                all.end());
  }

  void AnalyzeLocalAddresses(Protocol protocol) {
    struct Acc {
      std::vector<std::uint16_t> ports;
      std::vector<std::uint16_t> listening;
      std::set<std::int64_t> pids;
    };
    std::map<IpAddress, Acc> by_addr;
    std::vector<std::int64_t> owners;
    for (const SocketRecord& s : snap_.sockets) {
      if (s.protocol != protocol || s.local_port == 0) continue;
      Acc& acc = by_addr[s.local_address.Canonical()];
      if (Counts(s)) acc.ports.push_back(s.local_port);
      if (s.state == SocketState::kListen ||
          s.state == SocketState::kUnconnected)
        acc.listening.push_back(s.local_port);
      OwnersOf(s, &owners);
      acc.pids.insert(owners.begin(), owners.end());
    }
    std::vector<LocalAddressUsage> all;
    for (auto& a : by_addr) {
      LocalAddressUsage u;
      u.protocol = protocol;
      u.address = a.first.ToString();
      u.in_use = CountDistinct(&a.second.ports);
      const PortRange* r = RangeFor(protocol, a.first.family);
      u.capacity = r ? r->Capacity() : 0;
      u.usage_ratio = Ratio(u.in_use, u.capacity);
      u.listening_ports = CountDistinct(&a.second.listening);
      u.processes = static_cast<std::uint32_t>(a.second.pids.size());
      all.push_back(u);
    }
    std::sort(all.begin(), all.end(),
              [](const LocalAddressUsage& a, const LocalAddressUsage& b) {
                return std::tie(b.in_use, a.address) <
                       std::tie(a.in_use, b.address);
              });
    if (all.size() > options_.top_local_addresses)
      all.resize(options_.top_local_addresses);
    report_.local_addresses.insert(report_.local_addresses.end(), all.begin(),
                                   all.end());
  }

  void AnalyzeStates() {
    std::map<std::tuple<Protocol, Family, SocketState>, std::uint64_t> counts;
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      for (SocketState st :
           {SocketState::kEstablished, SocketState::kSynSent,
            SocketState::kSynRecv, SocketState::kFinWait1,
            SocketState::kFinWait2, SocketState::kTimeWait,
            SocketState::kClose, SocketState::kCloseWait,
            SocketState::kLastAck, SocketState::kListen,
            SocketState::kClosing, SocketState::kBound}) {
        counts[{Protocol::kTcp, f, st}] = 0;
      }
      counts[{Protocol::kUdp, f, SocketState::kEstablished}] = 0;
      counts[{Protocol::kUdp, f, SocketState::kUnconnected}] = 0;
    }
    for (const SocketRecord& s : snap_.sockets) {
      ++counts[{s.protocol, s.family, s.state}];
    }
    for (const auto& c : counts) {
      report_.states.push_back(StateCount{std::get<0>(c.first),
                                          std::get<1>(c.first),
                                          std::get<2>(c.first), c.second});
    }
  }

  void AnalyzeProcesses() {
    struct Acc {
      std::array<std::vector<std::uint16_t>, kProtocols> ports;
      std::map<std::pair<Protocol, SocketState>, std::uint64_t> states;
      std::uint64_t sockets = 0;
    };
    std::map<std::int64_t, Acc> by_pid;
    std::vector<std::int64_t> owners;
    for (const SocketRecord& s : snap_.sockets) {
      OwnersOf(s, &owners);
      for (std::int64_t pid : owners) {
        Acc& acc = by_pid[pid];
        if (Counts(s)) acc.ports[Index(s.protocol)].push_back(s.local_port);
        ++acc.states[{s.protocol, s.state}];
        ++acc.sockets;
      }
    }
    struct Ranked {
      std::uint32_t in_use;
      std::uint64_t sockets;
      std::int64_t pid;
      ProcessUsage usage;
    };
    std::vector<Ranked> ranked;
    for (auto& entry : by_pid) {
      ProcessUsage u;
      u.pid = entry.first;
      auto info = snap_.processes.find(entry.first);
      u.name = info != snap_.processes.end() ? info->second.name : "";
      for (int p = 0; p < kProtocols; ++p)
        u.in_use[p] = CountDistinct(&entry.second.ports[p]);
      for (const auto& st : entry.second.states) {
        u.sockets.push_back(
            ProcessStateCount{st.first.first, st.first.second, st.second});
      }
      ranked.push_back(Ranked{u.in_use[0] + u.in_use[1], entry.second.sockets,
                              entry.first, u});
    }
    std::sort(ranked.begin(), ranked.end(),
              [](const Ranked& a, const Ranked& b) {
                return std::tie(b.in_use, b.sockets, a.pid) <
                       std::tie(a.in_use, a.sockets, b.pid);
              });
    if (ranked.size() > options_.top_processes)
      ranked.resize(options_.top_processes);
    for (auto& r : ranked) report_.processes.push_back(std::move(r.usage));
  }

  void AnalyzeUnattributed() {
    std::map<std::pair<Protocol, std::string>, std::vector<std::uint16_t>>
        ports;
    std::map<std::pair<Protocol, std::string>, std::uint64_t> sockets;
    for (const char* reason : {"time_wait", "orphaned", "unknown"}) {
      ports[{Protocol::kTcp, reason}];
      sockets[{Protocol::kTcp, reason}] = 0;
    }
    ports[{Protocol::kUdp, "unknown"}];
    sockets[{Protocol::kUdp, "unknown"}] = 0;
    std::vector<std::int64_t> owners;
    for (const SocketRecord& s : snap_.sockets) {
      OwnersOf(s, &owners);
      if (!owners.empty()) continue;
      std::string reason = "unknown";
      if (s.state == SocketState::kTimeWait) {
        reason = "time_wait";
      } else if (s.inode == 0 && s.pid == kUnknownPid &&
                 s.protocol == Protocol::kTcp) {
        reason = "orphaned";
      }
      auto key = std::make_pair(s.protocol, reason);
      ++sockets[key];
      if (Counts(s)) ports[key].push_back(s.local_port);
    }
    for (auto& entry : ports) {
      UnattributedUsage u;
      u.protocol = entry.first.first;
      u.reason = entry.first.second;
      u.in_use = CountDistinct(&entry.second);
      u.sockets = sockets[entry.first];
      report_.unattributed.push_back(u);
    }
  }

  void AnalyzeServices() {
    std::vector<std::int64_t> owners;
    for (const ServiceInfo& svc : snap_.services) {
      ServiceUsage u;
      u.name = svc.name;
      u.running = svc.running;
      u.processes = static_cast<std::uint32_t>(svc.pids.size());
      std::set<std::int64_t> pids(svc.pids.begin(), svc.pids.end());
      std::array<std::vector<std::uint16_t>, kProtocols> ports;
      if (!pids.empty()) {
        for (const SocketRecord& s : snap_.sockets) {
          if (!Counts(s)) continue;
          OwnersOf(s, &owners);
          for (std::int64_t pid : owners) {
            if (pids.count(pid)) {
              ports[Index(s.protocol)].push_back(s.local_port);
              break;
            }
          }
        }
      }
      for (int p = 0; p < kProtocols; ++p) u.in_use[p] = CountDistinct(&ports[p]);
      report_.services.push_back(u);
    }
  }

  const Snapshot& snap_;
  const AnalysisOptions& options_;
  PortUsageReport report_;
  std::array<PortSet, kProtocols> held_;
  std::array<PortSet, kProtocols> exclusive_;
  std::array<std::unordered_map<GroupKey, std::vector<std::uint16_t>,
                                GroupKeyHash>,
             kProtocols>
      groups_;
};

}  // namespace

PortUsageReport AnalyzePortUsage(const Snapshot& snapshot,
                                 const AnalysisOptions& options) {
  return Analyzer(snapshot, options).Run();
}

}  // namespace epx

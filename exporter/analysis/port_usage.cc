// SPDX-License-Identifier: Apache-2.0
#include "analysis/port_usage.h"

#include "analysis/auto_reuse_pool.h"
#include "analysis/connect_event_summary.h"
#include "analysis/flat_index.h"
#include "analysis/socket_port_ranges.h"
#include "analysis/vrf_pools.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace epx {
namespace {

constexpr int kProtocols = 2;
constexpr int kFamilies = 2;

int Index(Protocol protocol) { return protocol == Protocol::kTcp ? 0 : 1; }
int Index(Family family) { return family == Family::kIpv4 ? 0 : 1; }
Protocol ProtocolAt(int i) { return i == 0 ? Protocol::kTcp : Protocol::kUdp; }

class PortBits {
 public:
  PortBits() : bits_(1024, 0) {}
  void Insert(std::uint16_t port) { bits_[port >> 6] |= Bit(port); }
  /// Sets (or with set = false clears) every port in [first, last].
  void Fill(std::uint32_t first, std::uint32_t last, bool set) {
    for (std::uint32_t port = first; port <= last;) {
      std::uint32_t word = port >> 6;
      std::uint32_t end = std::min(last, word * 64 + 63);
      std::uint32_t width = end - port + 1;
      std::uint64_t mask =
          (width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1)
          << (port & 63);
      if (set) {
        bits_[word] |= mask;
      } else {
        bits_[word] &= ~mask;
      }
      port = end + 1;
    }
  }
  void Erase(std::uint16_t port) { bits_[port >> 6] &= ~Bit(port); }
  bool Has(std::uint16_t port) const { return bits_[port >> 6] & Bit(port); }
  std::uint32_t CountAnd(const PortBits& other) const {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < bits_.size(); ++i) {
      std::uint64_t both = bits_[i] & other.bits_[i];
      if (both != 0)
        n += static_cast<std::uint32_t>(__builtin_popcountll(both));
    }
    return n;
  }

 private:
  static std::uint64_t Bit(std::uint16_t port) {
    return std::uint64_t{1} << (port & 63);
  }
  std::vector<std::uint64_t> bits_;
};

// An address as two big-endian 64-bit halves, IPv4 as ::ffff:a.b.c.d, so
// IPv4 and IPv4-mapped IPv6 sockets group together and comparisons are
// two integer compares in byte order.
struct AddrKey {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  static AddrKey From(const IpAddress& ip) {
    std::array<std::uint8_t, 16> b{};
    if (ip.family == Family::kIpv4) {
      b[10] = 0xff;
      b[11] = 0xff;
      std::memcpy(&b[12], ip.bytes.data(), 4);
    } else {
      b = ip.bytes;
    }
    AddrKey k;
    std::memcpy(&k.hi, b.data(), 8);
    std::memcpy(&k.lo, b.data() + 8, 8);
    k.hi = __builtin_bswap64(k.hi);
    k.lo = __builtin_bswap64(k.lo);
    return k;
  }
  bool IsV4() const { return hi == 0 && (lo >> 32) == 0xffff; }
  /// 127.0.0.0/8 (native or v4-mapped) or ::1.
  bool IsLoopback() const {
    return IsV4() ? ((lo >> 24) & 0xff) == 127 : hi == 0 && lo == 1;
  }
  Family family() const { return IsV4() ? Family::kIpv4 : Family::kIpv6; }
  std::string ToString() const {
    IpAddress ip;
    if (IsV4()) {
      return IpAddress::V4(static_cast<std::uint8_t>(lo >> 24),
                           static_cast<std::uint8_t>(lo >> 16),
                           static_cast<std::uint8_t>(lo >> 8),
                           static_cast<std::uint8_t>(lo))
          .ToString();
    }
    ip.family = Family::kIpv6;
    for (int i = 0; i < 8; ++i) {
      ip.bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
      ip.bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    return ip.ToString();
  }
  bool operator==(const AddrKey& o) const { return hi == o.hi && lo == o.lo; }
  bool operator<(const AddrKey& o) const {
    return hi != o.hi ? hi < o.hi : lo < o.lo;
  }
};

struct AddrKeyHash {
  std::size_t operator()(const AddrKey& k) const {
    return static_cast<std::size_t>(
        MixBits(k.hi * 0x9E3779B97F4A7C15ull ^ k.lo));
  }
};

struct PidHash {
  std::size_t operator()(std::int64_t pid) const {
    return static_cast<std::size_t>(MixBits(static_cast<std::uint64_t>(pid)));
  }
};

struct PairHash {
  std::size_t operator()(std::uint64_t v) const {
    return static_cast<std::size_t>(MixBits(v));
  }
};

// A (remote address, remote port, local address) group of connected
// sockets: the unit of the Linux per-destination rule.
// device is the interface the sockets are bound to (0: none): the kernel
// matches a device-bound socket's 4-tuple only for new sockets bound to the
// same device (inet_bound_dev_eq).
struct GroupKey {
  AddrKey remote;
  AddrKey local;
  std::uint16_t remote_port;
  std::uint32_t device = 0;
  bool operator==(const GroupKey& o) const {
    return remote == o.remote && local == o.local &&
           remote_port == o.remote_port && device == o.device;
  }
};

struct GroupKeyHash {
  std::size_t operator()(const GroupKey& k) const {
    std::uint64_t h = k.remote.hi * 0x9E3779B97F4A7C15ull ^ k.remote.lo;
    h = (h ^ k.local.hi) * 0xC2B2AE3D27D4EB4Full ^ k.local.lo;
    return static_cast<std::size_t>(
        MixBits(h ^ k.remote_port ^ std::uint64_t{k.device} << 16));
  }
};

struct DestKey {
  AddrKey remote;
  std::uint16_t remote_port;
  bool operator==(const DestKey& o) const {
    return remote == o.remote && remote_port == o.remote_port;
  }
  bool operator<(const DestKey& o) const {
    return remote == o.remote ? remote_port < o.remote_port : remote < o.remote;
  }
};

struct DestKeyHash {
  std::size_t operator()(const DestKey& k) const {
    return static_cast<std::size_t>(MixBits(
        k.remote.hi * 0x9E3779B97F4A7C15ull ^ k.remote.lo ^ k.remote_port));
  }
};

constexpr std::uint32_t kNoGroup = ~std::uint32_t{0};

struct GroupInfo {
  std::uint32_t dest;
  Family local_family;
  /// For a device-bound group, the unbound group of the same 4-tuple, whose
  /// sockets also block a connect() bound to the device; else kNoGroup.
  std::uint32_t unbound = kNoGroup;
};

// Removes repeated ports in linear time with a reusable bitmap; the order
// of what remains is the order of first appearance.
std::uint32_t Dedupe(std::vector<std::uint16_t>* ports) {
  static thread_local PortBits seen;
  std::size_t kept = 0;
  for (std::uint16_t port : *ports) {
    if (seen.Has(port)) continue;
    seen.Insert(port);
    (*ports)[kept++] = port;
  }
  ports->resize(kept);
  for (std::uint16_t port : *ports) seen.Erase(port);
  return static_cast<std::uint32_t>(kept);
}

// Counting sort of items 0..n-1 by key_of(i) < keys: calls place(i, slot)
// with slots grouped by key and returns where each key's run starts (and,
// last, n), in linear time.
template <typename KeyOf, typename Place>
std::vector<std::uint32_t> CountingSort(std::size_t n, std::size_t keys,
                                        KeyOf key_of, Place place) {
  std::vector<std::uint32_t> start(keys + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[key_of(i) + 1];
  for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) place(i, next[key_of(i)]++);
  return start;
}

double Ratio(std::uint32_t used, std::uint32_t capacity) {
  if (capacity == 0) return used > 0 ? 1.0 : 0.0;
  return std::min(1.0, static_cast<double>(used) / capacity);
}

struct AddressAcc {
  std::vector<std::uint16_t> ports;
  std::vector<std::uint16_t> listening;
  std::uint32_t processes = 0;
  std::int64_t last_pid = kUnknownPid;
};

struct ProcessAcc {
  std::array<std::vector<std::uint16_t>, kProtocols> ports;
  std::array<std::array<std::uint64_t, kSocketStateCount>, kProtocols> states{};
  std::uint64_t sockets = 0;
};

struct UnattributedAcc {
  std::vector<std::uint16_t> ports;
  std::uint64_t sockets = 0;
};

class Analyzer {
 public:
  Analyzer(const Snapshot& snapshot, const AnalysisOptions& options)
      : snap_(snapshot), options_(options) {}

  PortUsageReport Run() {
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

 private:
  void PrepareRanges() {
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
        std::uint32_t last =
            std::min<std::uint32_t>(r.start + r.size - 1, 65535);
        counted_[p][f].Fill(r.start, last, true);
        for (const auto& [first, reserved_last] : r.reserved) {
          if (first <= reserved_last)
            counted_[p][f].Fill(first, reserved_last, false);
        }
      }
    }
  }

  void PrepareServices() {
    service_ports_.resize(snap_.services.size());
    for (std::size_t i = 0; i < snap_.services.size(); ++i) {
      for (std::int64_t pid : snap_.services[i].pids)
        pid_services_[pid].push_back(i);
    }
  }

  ExhaustionRule RuleFor(int p) const {
    return p == 0 ? snap_.tcp_rule : snap_.udp_rule;
  }

  void ScanSockets() {
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
          time_wait_members_.push_back(std::uint64_t{group} << 16 |
                                       s.local_port);
      }

      std::uint32_t addr_slot = address_index_[p].SlotOf(local);
      if (addr_slot == addresses_[p].size())
        addresses_[p].emplace_back(local, AddressAcc{});
      AddressAcc& addr = addresses_[p][addr_slot].second;
      if (counted) addr.ports.push_back(s.local_port);
      if (s.state == SocketState::kListen ||
          s.state == SocketState::kUnconnected)
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

  // tcp_twsk_unique: connect() takes over a TIME_WAIT (not FIN_WAIT2) 4-tuple
  // when tcp_tw_reuse allows it for the addresses (2: loopback source,
  // destination or device), the peer sent timestamps (tw_ts_recent_stamp,
  // from the BPF source's facts; otherwise taken as true when
  // tcp_timestamps is on) and the socket is older than tcp_tw_reuse_delay.
  bool TimeWaitRecyclable(const SocketRecord& s, const AddrKey& local) const {
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

  void Pools(int p) {
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

  std::uint32_t AddGroupMember(int p, const GroupKey& key, std::uint16_t port) {
    std::uint32_t group = group_index_[p].SlotOf(key);
    if (group == groups_[p].size()) {
      std::uint32_t dest =
          dest_index_[p].SlotOf(DestKey{key.remote, key.remote_port});
      groups_[p].push_back(GroupInfo{dest, key.local.family()});
      if (key.device != 0) {
        GroupKey unbound = key;
        unbound.device = 0;
        std::uint32_t base = group_index_[p].SlotOf(unbound);
        if (base == groups_[p].size())
          groups_[p].push_back(GroupInfo{dest, key.local.family()});
        groups_[p][group].unbound = base;
      }
    }
    members_[p].push_back(std::uint64_t{group} << 16 | port);
    return group;
  }

  // Windows hands a port that only TIME_WAIT connections hold to a connect()
  // toward another remote endpoint; it fails (event 4227) only when the port
  // was recently used toward the same one. So under the host-wide TCP rule
  // TIME_WAIT ports count per (local address, destination), all others
  // host-wide.
  bool TimeWaitPerDestination(int p) const {
    return p == 0 && RuleFor(p) == ExhaustionRule::kHostWide;
  }

  // For that rule: per destination and per family, the TIME_WAIT ports
  // toward it (on its worst local address) that nothing else holds.
  void TimeWaitExtras(int p) {
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
    static thread_local PortBits in_group;
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

  // The Linux TCP rule and the destination view. members_ holds
  // (group << 16 | port); counting sorts put each group's ports together
  // and each destination's groups together, in linear time and without a
  // container per destination.
  void Groups(int p) {
    const std::vector<GroupInfo>& groups = groups_[p];
    const std::vector<std::uint64_t>& members = members_[p];
    std::vector<std::uint16_t> ports(members.size());
    std::vector<std::uint32_t> start = CountingSort(
        members.size(), groups.size(),
        [&](std::size_t i) { return members[i] >> 16; },
        [&](std::size_t i, std::uint32_t slot) {
          ports[slot] = static_cast<std::uint16_t>(members[i] & 0xffff);
        });
    std::vector<std::uint64_t>().swap(members_[p]);
    const FlatIndex<DestKey, DestKeyHash>& keys = dest_index_[p];
    std::vector<std::uint32_t> by_dest(groups.size());
    std::vector<std::uint32_t> dest_start = CountingSort(
        groups.size(), keys.size(),
        [&](std::size_t g) { return groups[g].dest; },
        [&](std::size_t g, std::uint32_t slot) {
          by_dest[slot] = static_cast<std::uint32_t>(g);
        });
    static thread_local PortBits in_group;
    static thread_local PortBits in_dest;
    bool per_destination = RuleFor(p) == ExhaustionRule::kPerDestination;
    std::array<std::uint32_t, kFamilies> exclusive{};
    std::array<std::uint32_t, kFamilies> worst{};
    std::array<std::uint32_t, kFamilies> not_time_wait{};
    for (int f = 0; f < kFamilies; ++f) {
      exclusive[f] = exclusive_[p].CountAnd(counted_[p][f]);
      worst[f] = exclusive[f];
      not_time_wait[f] = held_not_time_wait_.CountAnd(counted_[p][f]);
    }
    struct Row {
      std::uint32_t dest;
      std::uint32_t in_use;
      double ratio;
    };
    std::vector<Row> rows;
    for (std::uint32_t d = 0; d + 1 < dest_start.size(); ++d) {
      std::uint32_t in_use = 0, dest_worst = 0, capacity = 0;
      int dest_family = 0;
      for (std::uint32_t k = dest_start[d]; k < dest_start[d + 1]; ++k) {
        std::uint32_t group = by_dest[k];
        int f = Index(groups[group].local_family);
        dest_family = f;
        const PortBits& counted = counted_[p][f];
        std::uint32_t extra = 0;
        for (std::uint32_t i = start[group]; i < start[group + 1]; ++i) {
          std::uint16_t port = ports[i];
          if (in_group.Has(port) || !counted.Has(port)) continue;
          in_group.Insert(port);
          if (!in_dest.Has(port)) {
            in_dest.Insert(port);
            ++in_use;
          }
          if (!exclusive_[p].Has(port)) ++extra;
        }
        std::uint32_t base = groups[group].unbound;
        if (base != kNoGroup) {
          for (std::uint32_t i = start[base]; i < start[base + 1]; ++i) {
            std::uint16_t port = ports[i];
            if (in_group.Has(port) || !counted.Has(port)) continue;
            in_group.Insert(port);
            if (!exclusive_[p].Has(port)) ++extra;
          }
          for (std::uint32_t i = start[base]; i < start[base + 1]; ++i)
            in_group.Erase(ports[i]);
        }
        for (std::uint32_t i = start[group]; i < start[group + 1]; ++i)
          in_group.Erase(ports[i]);
        std::uint32_t used = exclusive[f] + extra;
        worst[f] = std::max(worst[f], used);
        dest_worst = std::max(dest_worst, used);
        if (range_[p][f] != nullptr) capacity = range_[p][f]->Capacity();
      }
      for (std::uint32_t k = dest_start[d]; k < dest_start[d + 1]; ++k) {
        std::uint32_t group = by_dest[k];
        for (std::uint32_t i = start[group]; i < start[group + 1]; ++i)
          in_dest.Erase(ports[i]);
      }
      if (in_use == 0) continue;
      double ratio = per_destination ? Ratio(dest_worst, capacity)
                                     : Ratio(in_use, capacity);
      if (TimeWaitPerDestination(p)) {
        ratio = Ratio(not_time_wait[dest_family] + dest_time_wait_extra_[d],
                      capacity);
      }
      rows.push_back(Row{d, in_use, ratio});
    }
    if (per_destination && exhaustion_[p] != kNone)
      ChooseWorstRange(p, worst, exclusive,
                       &report_.exhaustion[exhaustion_[p]]);
    std::size_t keep = std::min(options_.top_destinations, rows.size());
    std::partial_sort(rows.begin(),
                      rows.begin() + static_cast<std::ptrdiff_t>(keep),
                      rows.end(), [&](const Row& a, const Row& b) {
                        if (a.in_use != b.in_use) return a.in_use > b.in_use;
                        return keys.key(a.dest) < keys.key(b.dest);
                      });
    for (std::size_t k = 0; k < keep; ++k) {
      DestinationUsage u;
      u.protocol = ProtocolAt(p);
      u.remote_address = keys.key(rows[k].dest).remote.ToString();
      u.remote_port = keys.key(rows[k].dest).remote_port;
      u.in_use = rows[k].in_use;
      u.usage_ratio = rows[k].ratio;
      report_.destinations.push_back(u);
    }
  }

  void ChooseWorstRange(int p,
                        const std::array<std::uint32_t, kFamilies>& worst,
                        const std::array<std::uint32_t, kFamilies>& exclusive,
                        ExhaustionSummary* e) {
    bool have = false;
    for (const PortRange& r : snap_.ranges) {
      if (Index(r.protocol) != p) continue;
      int f = Index(r.family);
      double ratio = Ratio(worst[f], r.Capacity());
      if (!have || ratio > e->ratio) {
        e->capacity = r.Capacity();
        e->exclusive_in_use = exclusive[f];
        e->worst_in_use = worst[f];
        e->ratio = ratio;
        have = true;
      }
    }
  }

  // inet_csk_find_open_port: bind(A, 0) refuses every port that a socket
  // holds on A or on a wildcard address, whatever its state or peer.
  // IPV6_V6ONLY is not seen, so [::] sockets count against IPv4 too.
  void BindBeforeConnect(int p) {
    if (RuleFor(p) != ExhaustionRule::kPerDestination ||
        exhaustion_[p] == kNone)
      return;
    const AddrKey any4 = AddrKey::From(IpAddress::V4(0, 0, 0, 0));
    const AddrKey any6{};
    static thread_local PortBits wild[kFamilies];
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

  void LocalAddresses(int p) {
    struct Row {
      std::size_t index;
      std::uint32_t in_use;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < addresses_[p].size(); ++i) {
      rows.push_back(Row{i, Dedupe(&addresses_[p][i].second.ports)});
    }
    std::size_t keep = std::min(options_.top_local_addresses, rows.size());
    std::partial_sort(
        rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep),
        rows.end(), [&](const Row& a, const Row& b) {
          if (a.in_use != b.in_use) return a.in_use > b.in_use;
          return addresses_[p][a.index].first < addresses_[p][b.index].first;
        });
    for (std::size_t k = 0; k < keep; ++k) {
      auto& [addr, acc] = addresses_[p][rows[k].index];
      LocalAddressUsage u;
      u.protocol = ProtocolAt(p);
      u.address = addr.ToString();
      u.in_use = rows[k].in_use;
      const PortRange* r = range_[p][Index(addr.family())];
      u.capacity = r ? r->Capacity() : 0;
      u.usage_ratio = Ratio(u.in_use, u.capacity);
      u.listening_ports = Dedupe(&acc.listening);
      u.processes = acc.processes;
      report_.local_addresses.push_back(u);
    }
  }

  void States() {
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

  void Processes() {
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
      for (int p = 0; p < kProtocols; ++p) in_use += Dedupe(&acc.ports[p]);
      rows.push_back(Row{in_use, acc.sockets, pid, &acc});
    }
    std::size_t keep = std::min(options_.top_processes, rows.size());
    std::partial_sort(rows.begin(),
                      rows.begin() + static_cast<std::ptrdiff_t>(keep),
                      rows.end(), [](const Row& a, const Row& b) {
                        return std::tie(b.in_use, b.sockets, a.pid) <
                               std::tie(a.in_use, a.sockets, b.pid);
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

  void Unattributed() {
    for (const char* reason :
         {"fin_wait2", "orphaned", "syn_recv", "time_wait", "unknown"})
      unattributed_[0][reason];
    unattributed_[1]["unknown"];
    for (int p = 0; p < kProtocols; ++p) {
      for (auto& [reason, acc] : unattributed_[p]) {
        UnattributedUsage u;
        u.protocol = ProtocolAt(p);
        u.reason = reason;
        u.in_use = Dedupe(&acc.ports);
        u.sockets = acc.sockets;
        report_.unattributed.push_back(u);
      }
    }
  }

  void Services() {
    for (std::size_t i = 0; i < snap_.services.size(); ++i) {
      const ServiceInfo& svc = snap_.services[i];
      ServiceUsage u;
      u.name = svc.name;
      u.running = svc.running;
      u.processes = static_cast<std::uint32_t>(svc.pids.size());
      for (int p = 0; p < kProtocols; ++p)
        u.in_use[p] = Dedupe(&service_ports_[i][p]);
      report_.services.push_back(u);
    }
  }

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

}  // namespace

PortUsageReport AnalyzePortUsage(const Snapshot& snapshot,
                                 const AnalysisOptions& options) {
  PortUsageReport report = Analyzer(snapshot, options).Run();
  AnalyzeAutoReusePools(snapshot, &report);
  AnalyzeSocketPortRanges(snapshot, &report);
  AnalyzeVrfPools(snapshot, options, &report);
  report.connect_events =
      SummarizeConnectEvents(snapshot.connect_events, options);
  return report;
}

}  // namespace epx

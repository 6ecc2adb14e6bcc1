// SPDX-License-Identifier: Apache-2.0
// The port analysis' vocabulary: port sets, address and group keys, and the
// linear-time helpers every rule shares (internal to analysis/).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/flat_index.h"
#include "model/ip_address.h"
#include "model/socket_record.h"

namespace epx {
namespace port_usage {

/// Protocols (TCP, UDP) and families (IPv4, IPv6): array dimensions.
inline constexpr int kProtocols = 2;
inline constexpr int kFamilies = 2;

/// The array index of a protocol (TCP 0, UDP 1) or family (IPv4 0, IPv6 1).
inline int Index(Protocol protocol) {
  return protocol == Protocol::kTcp ? 0 : 1;
}
inline int Index(Family family) { return family == Family::kIpv4 ? 0 : 1; }
/// The protocol of an array index.
inline Protocol ProtocolAt(int i) {
  return i == 0 ? Protocol::kTcp : Protocol::kUdp;
}

/// A set of the 65,536 ports as a bitmap: O(1) insert and lookup.
class PortBits {
 public:
  PortBits() : bits_{} {}
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
  std::array<std::uint64_t, 1024> bits_;
};

/// An address as two big-endian 64-bit halves, IPv4 as ::ffff:a.b.c.d, so
/// IPv4 and IPv4-mapped IPv6 sockets group together and comparisons are
/// two integer compares in byte order.
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

/// FlatIndex hashes of the keys below.
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

/// A (remote address, remote port, local address) group of connected
/// sockets: the unit of the Linux per-destination rule.
/// device is the interface the sockets are bound to (0: none): the kernel
/// matches a device-bound socket's 4-tuple only for new sockets bound to the
/// same device (inet_bound_dev_eq).
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

/// A (remote address, remote port) destination.
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

/// No group (GroupInfo::unbound).
inline constexpr std::uint32_t kNoGroup = ~std::uint32_t{0};

/// What a group belongs to: its destination and its local family.
struct GroupInfo {
  std::uint32_t dest;
  Family local_family;
  /// For a device-bound group, the unbound group of the same 4-tuple, whose
  /// sockets also block a connect() bound to the device; else kNoGroup.
  std::uint32_t unbound = kNoGroup;
};

/// Removes repeated ports in linear time with the bitmap seen (empty, and
/// left empty); the order of what remains is the order of first appearance.
/// Returns how many remain.
std::uint32_t Dedupe(std::vector<std::uint16_t>* ports, PortBits* seen);

/// Counting sort of items 0..n-1 by key_of(i) < keys: calls place(i, slot)
/// with slots grouped by key and returns where each key's run starts (and,
/// last, n), in linear time.
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

/// used / capacity, at most 1; a pool of no capacity with ports in use is full.
inline double Ratio(std::uint32_t used, std::uint32_t capacity) {
  if (capacity == 0) return used > 0 ? 1.0 : 0.0;
  return std::min(1.0, static_cast<double>(used) / capacity);
}

}  // namespace port_usage
}  // namespace epx

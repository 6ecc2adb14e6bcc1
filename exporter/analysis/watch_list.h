// SPDX-License-Identifier: Apache-2.0
// What an administrator names to be reported besides the top N: destinations,
// processes and local addresses. Pure parsing and matching.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/ip_address.h"

namespace epx {

/// Most entries in one watch list (a config error beyond it).
constexpr std::size_t kMaxWatchEntries = 100;
/// Most matches one entry adds beyond the top N: its busiest ones.
constexpr std::size_t kWatchMatchesPerEntry = 10;

/// An address or a CIDR block. Addresses compare as the analysis groups them,
/// IPv4 as ::ffff:a.b.c.d: an IPv4 block matches IPv4-mapped IPv6 too, and
/// ::/0 matches every address.
struct AddressPattern {
  /// The block's first address (host bits cleared).
  IpAddress network;
  /// 32 (IPv4) or 128 (IPv6) for one address.
  int prefix_length = 32;

  /// True when the pattern names one address, not a block.
  bool IsSingle() const;
  /// The prefix length over the 128-bit mapped form (IPv4: + 96).
  int MappedPrefixLength() const;
  bool Matches(const IpAddress& ip) const;
  /// "ADDR" or "ADDR/LEN".
  std::string ToString() const;
};

/// A watched destination: address or block, and a remote port (0: any).
struct DestinationPattern {
  AddressPattern address;
  std::uint16_t port = 0;

  /// The config form: "10.0.0.0/8:443", "[2001:db8::/32]:443", "192.0.2.10".
  std::string ToString() const;
};

/// A glob over a process name or, when it holds a slash or backslash, over
/// the executable path: `*` any run of characters (slashes too), `?` one
/// byte, `[abc]`, `[a-z]`, `[!a-z]` one byte of a set; no escape character.
struct ProcessPattern {
  std::string glob;
  bool matches_path = false;
  /// Windows: ASCII case-insensitive, and `/` and `\` alike.
  bool windows = false;

  /// Matches name, or executable when matches_path.
  bool Matches(const std::string& name, const std::string& executable) const;
};

/// The watch lists (config `watch`); empty lists watch nothing.
struct WatchList {
  std::vector<DestinationPattern> destinations;
  std::vector<ProcessPattern> processes;
  std::vector<AddressPattern> local_addresses;
};

/// Parses "ADDR", "ADDR/LEN" or, for IPv6, "[ADDR]" and "[ADDR/LEN]"; false
/// with *problem for bad text or host bits set past the prefix.
bool ParseAddressPattern(const std::string& text, AddressPattern* out,
                         std::string* problem);

/// Parses an address pattern with an optional ":PORT" (1..65535); an IPv6
/// one takes a port only in brackets: "[2001:db8::/32]:443".
bool ParseDestinationPattern(const std::string& text, DestinationPattern* out,
                             std::string* problem);

/// Checks the glob's sets (closed, ranges in order); false with *problem.
bool ParseProcessPattern(const std::string& text, bool windows,
                         ProcessPattern* out, std::string* problem);

}  // namespace epx

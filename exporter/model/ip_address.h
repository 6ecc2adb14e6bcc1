// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace epx {

/// Address family of a socket or address.
enum class Family : std::uint8_t { kIpv4, kIpv6 };

/// Returns "ipv4" or "ipv6".
const char* FamilyName(Family family);

/// An IPv4 or IPv6 address; bytes are in network order, unused bytes zero.
struct IpAddress {
  Family family = Family::kIpv4;
  std::array<std::uint8_t, 16> bytes{};

  /// Builds an IPv4 address from four bytes in network order.
  static IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                      std::uint8_t d);
  /// Parses dotted-quad or RFC 4291 text; returns false on bad input.
  static bool Parse(const std::string& text, IpAddress* out);

  /// True for 0.0.0.0 and ::.
  bool IsUnspecified() const;
  /// True for ::ffff:a.b.c.d.
  bool IsV4Mapped() const;
  /// The IPv4 address for a v4-mapped IPv6 address, otherwise *this.
  IpAddress Canonical() const;
  /// RFC 5952 text for IPv6, dotted quad for IPv4.
  std::string ToString() const;

  bool operator==(const IpAddress& o) const {
    return family == o.family && bytes == o.bytes;
  }
  bool operator!=(const IpAddress& o) const { return !(*this == o); }
  bool operator<(const IpAddress& o) const {
    return family != o.family ? family < o.family : bytes < o.bytes;
  }
};

}  // namespace epx

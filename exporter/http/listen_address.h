// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace epx {

/// One --web.listen-address value split into its parts.
struct ListenAddress {
  /// IP literal without brackets or a host name; empty for ":port" (every
  /// IPv4 and IPv6 address).
  std::string host;
  int port = 0;
};

/// Pure: parses "host:port", ":port", "0.0.0.0:port" or "[v6]:port"; false
/// with *error naming the address.
bool ParseListenAddress(const std::string& text, ListenAddress* out,
                        std::string* error);

/// Pure: civetweb listening_ports entries for one address whose host is
/// empty or an IP literal: "+19152" (dual stack), "19152" (IPv4 only, when
/// the host has no IPv6), "127.0.0.1:19152", "[::1]:19152"; with tls the
/// entry ends in "s".
std::string CivetwebPort(const std::string& ip, int port, bool ipv6_available,
                         bool tls);

}  // namespace epx

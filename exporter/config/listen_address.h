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

}  // namespace epx

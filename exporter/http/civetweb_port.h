// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace epx {

/// Pure: civetweb listening_ports entries for one address whose host is
/// empty or an IP literal: "+19152" (dual stack), "19152" (IPv4 only, when
/// the host has no IPv6), "127.0.0.1:19152", "[::1]:19152"; with tls the
/// entry ends in "s".
std::string CivetwebPort(const std::string& ip, int port, bool ipv6_available,
                         bool tls);

}  // namespace epx

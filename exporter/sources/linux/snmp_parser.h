// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "model/snapshot.h"

namespace epx {

/// Pure: reads the Tcp: header/value line pair of /proc/net/snmp; false
/// with *error set if the Tcp lines are missing or malformed.
bool ParseProcNetSnmp(const std::string& text, TcpCounters* out,
                      std::string* error);

/// Pure: sockets the kernel reports in /proc/net/sockstat and sockstat6
/// ("inuse" of TCP, UDP, TCP6, UDP6 plus TCP "tw"), a size hint for a dump;
/// 0 when nothing parses.
std::uint64_t SocketCountHint(const std::string& sockstat,
                              const std::string& sockstat6);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Result of parsing one /proc/net/{tcp,tcp6,udp,udp6} file.
struct ProcNetParseResult {
  std::vector<SocketRecord> sockets;
  /// Lines that were neither the header nor a valid socket row.
  std::size_t malformed_lines = 0;
};

/// Pure: parses the text of /proc/net/{tcp,tcp6,udp,udp6}. Addresses are
/// read in this host's byte order, as the kernel wrote them.
ProcNetParseResult ParseProcNet(const std::string& text, Protocol protocol,
                                Family family);

/// Maps a Linux TCP state number (include/net/tcp_states.h) to a state;
/// TCP 7 (TCP_CLOSE) and 13 (TCP_BOUND_INACTIVE) mean bound but neither
/// listening nor connected; UDP uses 1 (connected) and 7 (unconnected).
/// False if unknown.
bool LinuxStateFromNumber(int number, Protocol protocol, SocketState* out);

}  // namespace epx

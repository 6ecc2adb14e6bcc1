// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Result of parsing one /proc/net/{tcp,tcp6,udp,udp6} file.
struct ProcNetParseResult {
  std::vector<SocketRecord> sockets;
  /// Lines that were neither the header nor a valid socket row.
  std::size_t malformed_lines = 0;
};

/// Pure: parses /proc/net/{tcp,tcp6,udp,udp6} fed in pieces of any size,
/// appending each socket row to *out as soon as its line is complete, so a
/// file of 100,000 rows is never held whole. Addresses are read in this
/// host's byte order, as the kernel wrote them.
class ProcNetStreamParser {
 public:
  ProcNetStreamParser(Protocol protocol, Family family,
                      std::vector<SocketRecord>* out);
  /// Parses the complete lines of data; keeps an unfinished last line.
  void Feed(std::string_view data);
  /// Parses an unfinished last line, if any.
  void Finish();
  /// Lines that were neither the header nor a valid socket row.
  std::size_t malformed_lines() const { return malformed_lines_; }

 private:
  void Line(std::string_view line);

  Protocol protocol_;
  Family family_;
  std::vector<SocketRecord>* out_;
  std::string partial_;
  bool first_ = true;
  std::size_t malformed_lines_ = 0;
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

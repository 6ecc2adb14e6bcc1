// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/procfs_net_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <sstream>

namespace epx {
namespace {

bool ParseHex(const std::string& text, std::uint64_t max, std::uint64_t* out) {
  if (text.empty() || text.size() > 16) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool ParseEndpoint(const std::string& text, Family family, IpAddress* addr,
                   std::uint16_t* port) {
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  std::string hex = text.substr(0, colon);
  std::size_t words = family == Family::kIpv4 ? 1 : 4;
  if (hex.size() != words * 8) return false;
  IpAddress ip;
  ip.family = family;
  for (std::size_t w = 0; w < words; ++w) {
    std::uint64_t v;
    if (!ParseHex(hex.substr(w * 8, 8), 0xffffffffu, &v)) return false;
    auto word = static_cast<std::uint32_t>(v);
    std::memcpy(&ip.bytes[w * 4], &word, 4);
  }
  std::uint64_t p;
  if (!ParseHex(text.substr(colon + 1), 0xffff, &p)) return false;
  *addr = ip;
  *port = static_cast<std::uint16_t>(p);
  return true;
}

bool ParseDecimal(const std::string& text, std::uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    std::uint64_t next = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != v) return false;
    v = next;
  }
  *out = v;
  return true;
}

}  // namespace

bool LinuxStateFromNumber(int number, Protocol protocol, SocketState* out) {
  if (protocol == Protocol::kUdp) {
    if (number == 1) {
      *out = SocketState::kEstablished;
      return true;
    }
    if (number == 7) {
      *out = SocketState::kUnconnected;
      return true;
    }
    return false;
  }
  static const SocketState kStates[] = {
      SocketState::kEstablished, SocketState::kSynSent,
      SocketState::kSynRecv,     SocketState::kFinWait1,
      SocketState::kFinWait2,    SocketState::kTimeWait,
      SocketState::kBound,       SocketState::kCloseWait,
      SocketState::kLastAck,     SocketState::kListen,
      SocketState::kClosing,     SocketState::kNewSynRecv,
      SocketState::kBound};
  if (number < 1 || number > 13) return false;
  *out = kStates[number - 1];
  return true;
}

ProcNetParseResult ParseProcNet(const std::string& text, Protocol protocol,
                                Family family) {
  ProcNetParseResult result;
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first) {
      first = false;
      if (line.find("local_address") != std::string::npos) continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
    if (!(fields >> sl >> local >> remote >> st >> queues >> timer >> retr >>
          uid >> timeout >> inode) ||
        sl.empty() || sl.back() != ':') {
      ++result.malformed_lines;
      continue;
    }
    SocketRecord s;
    s.protocol = protocol;
    s.family = family;
    std::uint64_t state_number;
    std::uint64_t inode_number;
    if (!ParseEndpoint(local, family, &s.local_address, &s.local_port) ||
        !ParseEndpoint(remote, family, &s.remote_address, &s.remote_port) ||
        !ParseHex(st, 0xff, &state_number) ||
        !LinuxStateFromNumber(static_cast<int>(state_number), protocol,
                              &s.state) ||
        !ParseDecimal(inode, &inode_number)) {
      ++result.malformed_lines;
      continue;
    }
    s.inode = inode_number;
    // "tr:tm->when": timer kind, then clock ticks (USER_HZ, 100/s) left.
    std::size_t colon = timer.find(':');
    std::uint64_t kind = 0, ticks = 0;
    if (colon != std::string::npos &&
        ParseHex(timer.substr(0, colon), 0xff, &kind) &&
        ParseHex(timer.substr(colon + 1), 0xffffffffu, &ticks)) {
      s.timewait_object = protocol == Protocol::kTcp && kind == 3;
      s.expires_ms = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(ticks * 10, 0xffffffffu));
    }
    result.sockets.push_back(s);
  }
  return result;
}

}  // namespace epx

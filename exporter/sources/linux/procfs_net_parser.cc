// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/procfs_net_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace epx {
namespace {

bool ParseHex(std::string_view text, std::uint64_t max, std::uint64_t* out) {
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

bool ParseEndpoint(std::string_view text, Family family, IpAddress* addr,
                   std::uint16_t* port) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = text.substr(0, colon);
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

bool ParseDecimal(std::string_view text, std::uint64_t* out) {
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

// Splits line at blanks into up to n fields; the number found.
std::size_t SplitFields(std::string_view line, std::string_view* fields,
                        std::size_t n) {
  std::size_t found = 0, i = 0;
  while (found < n) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    fields[found++] = line.substr(start, i - start);
  }
  return found;
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

ProcNetStreamParser::ProcNetStreamParser(Protocol protocol, Family family,
                                         std::vector<SocketRecord>* out)
    : protocol_(protocol), family_(family), out_(out) {}

void ProcNetStreamParser::Feed(std::string_view data) {
  while (!data.empty()) {
    std::size_t end = data.find('\n');
    if (end == std::string_view::npos) {
      partial_.append(data);
      return;
    }
    if (partial_.empty()) {
      Line(data.substr(0, end));
    } else {
      partial_.append(data.substr(0, end));
      Line(partial_);
      partial_.clear();
    }
    data.remove_prefix(end + 1);
  }
}

void ProcNetStreamParser::Finish() {
  if (!partial_.empty()) Line(partial_);
  partial_.clear();
}

void ProcNetStreamParser::Line(std::string_view line) {
  if (first_) {
    first_ = false;
    if (line.find("local_address") != std::string_view::npos) return;
  }
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  // sl local remote st queues timer retr uid timeout inode
  std::string_view f[10];
  if (SplitFields(line, f, 10) < 10 || f[0].back() != ':') {
    ++malformed_lines_;
    return;
  }
  SocketRecord s;
  s.protocol = protocol_;
  s.family = family_;
  std::uint64_t state_number;
  std::uint64_t inode_number;
  if (!ParseEndpoint(f[1], family_, &s.local_address, &s.local_port) ||
      !ParseEndpoint(f[2], family_, &s.remote_address, &s.remote_port) ||
      !ParseHex(f[3], 0xff, &state_number) ||
      !LinuxStateFromNumber(static_cast<int>(state_number), protocol_,
                            &s.state) ||
      !ParseDecimal(f[9], &inode_number) || inode_number > UINT32_MAX) {
    ++malformed_lines_;
    return;
  }
  s.inode = static_cast<std::uint32_t>(inode_number);
  // "tr:tm->when": timer kind, then clock ticks (USER_HZ, 100/s) left.
  std::string_view timer = f[5];
  std::size_t colon = timer.find(':');
  std::uint64_t kind = 0, ticks = 0;
  if (colon != std::string_view::npos &&
      ParseHex(timer.substr(0, colon), 0xff, &kind) &&
      ParseHex(timer.substr(colon + 1), 0xffffffffu, &ticks)) {
    s.timewait_object = protocol_ == Protocol::kTcp && kind == 3;
    s.expires_ms = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(ticks * 10, 0xffffffffu));
  }
  out_->push_back(s);
}

ProcNetParseResult ParseProcNet(const std::string& text, Protocol protocol,
                                Family family) {
  ProcNetParseResult result;
  ProcNetStreamParser parser(protocol, family, &result.sockets);
  parser.Feed(text);
  parser.Finish();
  result.malformed_lines = parser.malformed_lines();
  return result;
}

}  // namespace epx

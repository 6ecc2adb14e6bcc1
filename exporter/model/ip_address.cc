// SPDX-License-Identifier: Apache-2.0
#include "model/ip_address.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace epx {

const char* FamilyName(Family family) {
  return family == Family::kIpv4 ? "ipv4" : "ipv6";
}

IpAddress IpAddress::V4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                        std::uint8_t d) {
  IpAddress ip;
  ip.family = Family::kIpv4;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

namespace {

bool ParseV4(const std::string& text, std::uint8_t* out) {
  int part = 0;
  int value = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = (value < 0 ? 0 : value * 10) + (c - '0');
      if (value > 255) return false;
    } else if (c == '.') {
      if (value < 0 || part >= 3) return false;
      out[part++] = static_cast<std::uint8_t>(value);
      value = -1;
    } else {
      return false;
    }
  }
  if (value < 0 || part != 3) return false;
  out[3] = static_cast<std::uint8_t>(value);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseGroups(const std::string& text, std::vector<std::uint16_t>* groups,
                 bool allow_v4_tail) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(':', pos);
    std::string piece = text.substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    if (end == std::string::npos && allow_v4_tail &&
        piece.find('.') != std::string::npos) {
      std::uint8_t v4[4];
      if (!ParseV4(piece, v4)) return false;
      groups->push_back(static_cast<std::uint16_t>(v4[0] << 8 | v4[1]));
      groups->push_back(static_cast<std::uint16_t>(v4[2] << 8 | v4[3]));
      return true;
    }
    if (piece.empty() || piece.size() > 4) return false;
    int value = 0;
    for (char c : piece) {
      int h = HexValue(c);
      if (h < 0) return false;
      value = value * 16 + h;
    }
    groups->push_back(static_cast<std::uint16_t>(value));
    if (end == std::string::npos) break;
    pos = end + 1;
    if (pos == text.size()) return false;
  }
  return true;
}

}  // namespace

bool IpAddress::Parse(const std::string& text, IpAddress* out) {
  IpAddress ip;
  if (text.find(':') == std::string::npos) {
    if (!ParseV4(text, ip.bytes.data())) return false;
    ip.family = Family::kIpv4;
    *out = ip;
    return true;
  }
  ip.family = Family::kIpv6;
  std::size_t gap = text.find("::");
  if (gap != std::string::npos && text.find("::", gap + 1) != std::string::npos)
    return false;
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  if (gap == std::string::npos) {
    if (!ParseGroups(text, &head, true)) return false;
    if (head.size() != 8) return false;
  } else {
    if (!ParseGroups(text.substr(0, gap), &head, false) ||
        !ParseGroups(text.substr(gap + 2), &tail, true)) {
      return false;
    }
    if (head.size() + tail.size() > 7) return false;
  }
  std::vector<std::uint16_t> groups = head;
  groups.resize(8 - tail.size(), 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  for (std::size_t i = 0; i < 8; ++i) {
    ip.bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    ip.bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
  }
  *out = ip;
  return true;
}

bool IpAddress::IsUnspecified() const {
  int n = family == Family::kIpv4 ? 4 : 16;
  for (int i = 0; i < n; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

bool IpAddress::IsV4Mapped() const {
  if (family != Family::kIpv6) return false;
  for (int i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

IpAddress IpAddress::Canonical() const {
  if (!IsV4Mapped()) return *this;
  return V4(bytes[12], bytes[13], bytes[14], bytes[15]);
}

std::string IpAddress::ToString() const {
  char buf[64];
  if (family == Family::kIpv4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2],
                  bytes[3]);
    return buf;
  }
  if (IsV4Mapped()) {
    std::snprintf(buf, sizeof buf, "::ffff:%u.%u.%u.%u", bytes[12], bytes[13],
                  bytes[14], bytes[15]);
    return buf;
  }
  std::uint16_t g[8];
  for (std::size_t i = 0; i < 8; ++i)
    g[i] = static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  int best_start = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "analysis/watch_list.h"

#include <algorithm>
#include <array>

namespace epx {
namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

int Bits(Family family) { return family == Family::kIpv4 ? 32 : 128; }

// True when the first `bits` bits of a and b agree.
bool SamePrefix(const std::uint8_t* a, const std::uint8_t* b, int bits) {
  int whole = bits / 8;
  if (!std::equal(a, a + whole, b)) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

char Upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

char Fold(char c, bool windows) {
  if (!windows) return c;
  return c == '\\' ? '/' : Lower(c);
}

// The set starting at glob[at] ('['): sets *end past its ']' and *in when
// c is a member. False when the set is not closed or a range is reversed.
bool ReadSet(const std::string& glob, std::size_t at, char c, bool windows,
             std::size_t* end, bool* in, std::string* problem) {
  std::size_t i = at + 1;
  bool negate = i < glob.size() && (glob[i] == '!' || glob[i] == '^');
  if (negate) ++i;
  bool member = false;
  for (bool first = true;; first = false) {
    if (i >= glob.size()) {
      *problem =
          "'[' at character " + std::to_string(at + 1) + " has no closing ']'";
      return false;
    }
    if (glob[i] == ']' && !first) break;
    char lo = glob[i];
    char hi = lo;
    if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
      hi = glob[i + 2];
      i += 3;
    } else {
      i += 1;
    }
    if (static_cast<unsigned char>(lo) > static_cast<unsigned char>(hi)) {
      *problem = std::string("range '") + lo + "-" + hi + "' is reversed";
      return false;
    }
    auto within = [&](char x) {
      return static_cast<unsigned char>(x) >= static_cast<unsigned char>(lo) &&
             static_cast<unsigned char>(x) <= static_cast<unsigned char>(hi);
    };
    if (within(c) || (windows && (within(Lower(c)) || within(Upper(c)))))
      member = true;
  }
  *end = i + 1;
  *in = member != negate;
  return true;
}

bool Glob(const std::string& glob, const std::string& text, bool windows) {
  const std::size_t kNone = std::string::npos;
  std::size_t g = 0, t = 0, star = kNone, resume = 0;
  std::string ignored;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
      continue;
    }
    if (g < glob.size()) {
      if (glob[g] == '?') {
        ++g;
        ++t;
        continue;
      }
      if (glob[g] == '[') {
        std::size_t end = 0;
        bool in = false;
        if (ReadSet(glob, g, text[t], windows, &end, &in, &ignored) && in) {
          g = end;
          ++t;
          continue;
        }
      } else if (Fold(glob[g], windows) == Fold(text[t], windows)) {
        ++g;
        ++t;
        continue;
      }
    }
    if (star == kNone) return false;
    g = star + 1;
    t = ++resume;
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

// IPv4 as ::ffff:a.b.c.d, IPv6 as is.
std::array<std::uint8_t, 16> Mapped(const IpAddress& ip) {
  if (ip.family == Family::kIpv6) return ip.bytes;
  std::array<std::uint8_t, 16> b{};
  b[10] = 0xff;
  b[11] = 0xff;
  std::copy(ip.bytes.begin(), ip.bytes.begin() + 4, b.begin() + 12);
  return b;
}

}  // namespace

bool AddressPattern::IsSingle() const {
  return prefix_length == Bits(network.family);
}

int AddressPattern::MappedPrefixLength() const {
  return network.family == Family::kIpv4 ? prefix_length + 96 : prefix_length;
}

bool AddressPattern::Matches(const IpAddress& ip) const {
  std::array<std::uint8_t, 16> a = Mapped(ip);
  std::array<std::uint8_t, 16> n = Mapped(network);
  return SamePrefix(a.data(), n.data(), MappedPrefixLength());
}

std::string AddressPattern::ToString() const {
  std::string text = network.ToString();
  if (!IsSingle()) text += "/" + std::to_string(prefix_length);
  return text;
}

std::string DestinationPattern::ToString() const {
  if (port == 0) return address.ToString();
  if (address.network.family == Family::kIpv6)
    return "[" + address.ToString() + "]:" + std::to_string(port);
  return address.ToString() + ":" + std::to_string(port);
}

bool ParseAddressPattern(const std::string& text, AddressPattern* out,
                         std::string* problem) {
  std::string body = text;
  if (!body.empty() && body.front() == '[') {
    if (body.back() != ']') {
      *problem = "'" + text + "' has no closing ']'";
      return false;
    }
    body = body.substr(1, body.size() - 2);
  }
  std::size_t slash = body.find('/');
  std::string address = body.substr(0, slash);
  AddressPattern p;
  if (!IpAddress::Parse(address, &p.network)) {
    *problem = "'" + address + "' is not an IPv4 or IPv6 address";
    return false;
  }
  int bits = Bits(p.network.family);
  p.prefix_length = bits;
  if (slash != std::string::npos) {
    std::string length = body.substr(slash + 1);
    if (!AllDigits(length) || length.size() > 3 || std::stoi(length) > bits) {
      *problem =
          "prefix length '" + length + "' must be 0.." + std::to_string(bits);
      return false;
    }
    p.prefix_length = std::stoi(length);
  }
  IpAddress cleared;
  cleared.family = p.network.family;
  for (int i = 0; i < bits / 8; ++i) {
    int keep = std::clamp(p.prefix_length - 8 * i, 0, 8);
    cleared.bytes[i] = static_cast<std::uint8_t>(
        p.network.bytes[i] & (keep == 0 ? 0 : 0xff << (8 - keep)));
  }
  if (cleared != p.network) {
    *problem = "'" + body + "' has bits set past the prefix (the block is " +
               cleared.ToString() + "/" + std::to_string(p.prefix_length) + ")";
    return false;
  }
  *out = p;
  return true;
}

bool ParseDestinationPattern(const std::string& text, DestinationPattern* out,
                             std::string* problem) {
  std::string address = text;
  std::string port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos) {
      *problem = "'" + text + "' has no closing ']'";
      return false;
    }
    address = text.substr(0, close + 1);
    std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *problem = "expected ':PORT' after ']', got '" + rest + "'";
        return false;
      }
      has_port = true;
      port = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    std::size_t colon = text.find(':');
    address = text.substr(0, colon);
    has_port = true;
    port = text.substr(colon + 1);
  }
  DestinationPattern d;
  if (!ParseAddressPattern(address, &d.address, problem)) return false;
  if (has_port) {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(port) < 1 ||
        std::stoi(port) > 65535) {
      *problem = "port '" + port + "' must be 1..65535";
      return false;
    }
    d.port = static_cast<std::uint16_t>(std::stoi(port));
  }
  *out = d;
  return true;
}

bool ParseProcessPattern(const std::string& text, bool windows,
                         ProcessPattern* out, std::string* problem) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '[') continue;
    std::size_t end = 0;
    bool in = false;
    if (!ReadSet(text, i, 'x', windows, &end, &in, problem)) return false;
    i = end - 1;
  }
  ProcessPattern p;
  p.glob = text;
  p.windows = windows;
  p.matches_path = text.find_first_of("/\\") != std::string::npos;
  *out = p;
  return true;
}

bool ProcessPattern::Matches(const std::string& name,
                             const std::string& executable) const {
  return Glob(glob, matches_path ? executable : name, windows);
}

}  // namespace epx

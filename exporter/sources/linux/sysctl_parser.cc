// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/sysctl_parser.h"

#include <sstream>

namespace epx {
namespace {

bool ParsePort(const std::string& text, std::uint16_t* out) {
  if (text.empty() || text.size() > 5) return false;
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  *out = static_cast<std::uint16_t>(v);
  return true;
}

std::string Trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

}  // namespace

bool ParseLocalPortRange(const std::string& text, std::uint16_t* low,
                         std::uint16_t* high, std::string* error) {
  std::istringstream in(text);
  std::string a, b, extra;
  if (!(in >> a >> b) || (in >> extra)) {
    *error = "expected two port numbers, got \"" + Trim(text) + "\"";
    return false;
  }
  if (!ParsePort(a, low) || !ParsePort(b, high) || *low == 0 || *low > *high) {
    *error = "not a valid port range: \"" + Trim(text) + "\"";
    return false;
  }
  return true;
}

bool ParseReservedPorts(
    const std::string& text,
    std::vector<std::pair<std::uint16_t, std::uint16_t>>* out,
    std::string* error) {
  out->clear();
  std::string body = Trim(text);
  if (body.empty()) return true;
  std::istringstream in(body);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    std::size_t dash = item.find('-');
    std::uint16_t a, b;
    bool ok = dash == std::string::npos
                  ? ParsePort(item, &a) && (b = a, true)
                  : ParsePort(item.substr(0, dash), &a) &&
                        ParsePort(item.substr(dash + 1), &b) && a <= b;
    if (!ok) {
      *error = "not a port or port interval: \"" + item + "\"";
      return false;
    }
    out->emplace_back(a, b);
  }
  return true;
}

bool ParseSysctlInteger(const std::string& text, std::int64_t min,
                        std::int64_t max, std::int64_t* out,
                        std::string* error) {
  std::string t = Trim(text);
  bool negative = !t.empty() && t[0] == '-';
  std::string digits = negative ? t.substr(1) : t;
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    *error = "expected an integer, got \"" + t + "\"";
    return false;
  }
  std::int64_t v = std::stoll(digits);
  if (negative) v = -v;
  if (v < min || v > max) {
    *error = "value " + t + " outside " + std::to_string(min) + ".." +
             std::to_string(max);
    return false;
  }
  *out = v;
  return true;
}

bool ParseKernelRelease(const std::string& text, KernelVersion* out,
                        std::string* error) {
  std::string t = Trim(text);
  std::size_t dot = t.find('.');
  std::size_t end = dot == std::string::npos
                        ? std::string::npos
                        : t.find_first_not_of("0123456789", dot + 1);
  std::string major = t.substr(0, dot);
  std::string minor =
      dot == std::string::npos
          ? ""
          : t.substr(dot + 1, end == std::string::npos ? std::string::npos
                                                       : end - dot - 1);
  if (major.empty() || minor.empty() || major.size() > 4 || minor.size() > 4 ||
      major.find_first_not_of("0123456789") != std::string::npos) {
    *error = "expected MAJOR.MINOR..., got \"" + t + "\"";
    return false;
  }
  out->major = std::stoi(major);
  out->minor = std::stoi(minor);
  return true;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "config/listen_address.h"

#include <algorithm>

namespace epx {
namespace {

bool IsPort(const std::string& s, int* port) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return false;
  *port = std::stoi(s);
  return *port <= 65535;
}

bool IsHostName(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

bool ParseListenAddress(const std::string& text, ListenAddress* out,
                        std::string* error) {
  auto fail = [&](const std::string& problem) {
    *error = "listen address '" + text + "': " + problem;
    return false;
  };
  std::size_t colon = text.rfind(':');
  ListenAddress a;
  if (colon == std::string::npos || !IsPort(text.substr(colon + 1), &a.port))
    return fail("expected host:port, :port or [ipv6]:port");
  std::string host = text.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']' ||
        host.find_first_not_of("0123456789abcdefABCDEF:.", 1) !=
            host.size() - 1)
      return fail("expected an IPv6 address in brackets, e.g. [::1]:19152");
    a.host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return fail("put an IPv6 address in brackets, e.g. [::1]:19152");
  } else if (!host.empty() && !IsHostName(host)) {
    return fail("'" + host + "' is neither an IP address nor a host name");
  } else {
    a.host = host;
  }
  *out = a;
  return true;
}

}  // namespace epx

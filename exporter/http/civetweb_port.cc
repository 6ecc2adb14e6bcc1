// SPDX-License-Identifier: Apache-2.0
#include "http/civetweb_port.h"

namespace epx {

std::string CivetwebPort(const std::string& ip, int port, bool ipv6_available,
                         bool tls) {
  std::string p = std::to_string(port);
  std::string entry;
  if (ip.empty()) {
    entry = ipv6_available ? "+" + p : p;
  } else if (ip.find(':') != std::string::npos) {
    entry = "[" + ip + "]:" + p;
  } else {
    entry = ip + ":" + p;
  }
  return tls ? entry + "s" : entry;
}

}  // namespace epx

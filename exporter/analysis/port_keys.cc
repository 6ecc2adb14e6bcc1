// SPDX-License-Identifier: Apache-2.0
#include "analysis/port_keys.h"

namespace epx {
namespace port_usage {

std::uint32_t Dedupe(std::vector<std::uint16_t>* ports, PortBits* seen) {
  std::size_t kept = 0;
  for (std::uint16_t port : *ports) {
    if (seen->Has(port)) continue;
    seen->Insert(port);
    (*ports)[kept++] = port;
  }
  ports->resize(kept);
  for (std::uint16_t port : *ports) seen->Erase(port);
  return static_cast<std::uint32_t>(kept);
}

}  // namespace port_usage
}  // namespace epx

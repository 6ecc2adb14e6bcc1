// SPDX-License-Identifier: Apache-2.0
// ip_local_port_range and ip_local_reserved_ports text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_input.h"
#include "sources/linux/sysctl_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::uint16_t low = 0, high = 0;
  std::string error;
  if (!epx::ParseLocalPortRange(text, &low, &high, &error))
    EPX_FUZZ_CHECK(!error.empty(), text);
  std::vector<std::pair<std::uint16_t, std::uint16_t>> reserved;
  error.clear();
  if (epx::ParseReservedPorts(text, &reserved, &error)) {
    for (const auto& [from, to] : reserved) EPX_FUZZ_CHECK(from <= to, text);
  } else {
    EPX_FUZZ_CHECK(!error.empty(), text);
  }
  return 0;
}

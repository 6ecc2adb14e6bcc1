// SPDX-License-Identifier: Apache-2.0
// /proc/net/{tcp,tcp6,udp,udp6} text: the first byte picks the file kind.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "sources/linux/procfs_net_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  epx::Protocol protocol =
      (data[0] & 1) ? epx::Protocol::kUdp : epx::Protocol::kTcp;
  epx::Family family = (data[0] & 2) ? epx::Family::kIpv6 : epx::Family::kIpv4;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  epx::ProcNetParseResult result = epx::ParseProcNet(text, protocol, family);
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  EPX_FUZZ_CHECK(result.sockets.size() + result.malformed_lines <= lines, text);
  return 0;
}

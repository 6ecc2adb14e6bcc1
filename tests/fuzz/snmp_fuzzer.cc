// SPDX-License-Identifier: Apache-2.0
// /proc/net/snmp text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "sources/linux/snmp_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  epx::TcpCounters counters;
  std::string error;
  if (!epx::ParseProcNetSnmp(text, &counters, &error))
    EPX_FUZZ_CHECK(!error.empty(), text);
  return 0;
}

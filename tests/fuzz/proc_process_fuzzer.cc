// SPDX-License-Identifier: Apache-2.0
// /proc/<pid>/fd link targets, /proc/<pid>/cgroup and /proc/<pid>/comm.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "sources/linux/proc_process_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)epx::ParseSocketLinkInode(text);
  std::string unit = epx::ParseSystemdUnit(text);
  EPX_FUZZ_CHECK(unit.size() <= text.size(), text);
  std::string comm = epx::ParseComm(text);
  EPX_FUZZ_CHECK(comm.size() <= text.size(), text);
  return 0;
}

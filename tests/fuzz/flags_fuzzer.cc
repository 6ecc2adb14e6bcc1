// SPDX-License-Identifier: Apache-2.0
// Command lines: the input split at NUL bytes into argv[1..].
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/flags.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::vector<std::string> args = epx_fuzz::SplitAtNul(data, size);
  if (size == 0) args.clear();
  epx::CommandLine command_line;
  std::string error;
  if (!epx::ParseCommandLine(args, &command_line, &error)) {
    EPX_FUZZ_CHECK(!error.empty(), "no error text");
    return 0;
  }
  epx::Config config = epx::DefaultConfig();
  if (!epx::ApplyFlagOverrides(command_line, &config, &error))
    EPX_FUZZ_CHECK(!error.empty(), "no error text");
  return 0;
}

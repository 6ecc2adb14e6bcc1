// SPDX-License-Identifier: Apache-2.0
// The exporter's YAML config file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  epx::Config config = epx::DefaultConfig();
  std::string error;
  if (!epx::ApplyConfigYaml(text, "fuzz.yml", &config, &error)) {
    EPX_FUZZ_CHECK(error.rfind("fuzz.yml", 0) == 0, error);
  } else {
    EPX_FUZZ_CHECK(config.telemetry_path.rfind('/', 0) == 0, text);
    EPX_FUZZ_CHECK(config.limits.top_processes <= 1000, text);
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace epx_fuzz {

/// Splits fuzz bytes into pieces at each NUL byte (the pieces may be empty).
inline std::vector<std::string> SplitAtNul(const std::uint8_t* data,
                                           std::size_t size) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      parts.emplace_back();
    } else {
      parts.back().push_back(static_cast<char>(data[i]));
    }
  }
  return parts;
}

/// Stops the run with a message when an invariant does not hold; libFuzzer
/// and the replay driver both report the abort as a failure.
[[noreturn]] void Fail(const char* what, const std::string& detail);

#define EPX_FUZZ_CHECK(cond, detail)                \
  do {                                              \
    if (!(cond)) ::epx_fuzz::Fail(#cond, (detail)); \
  } while (0)

}  // namespace epx_fuzz

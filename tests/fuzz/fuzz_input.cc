// SPDX-License-Identifier: Apache-2.0
#include "fuzz_input.h"

#include <cstdio>
#include <cstdlib>

namespace epx_fuzz {

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n  detail: %.2000s\n", what,
               detail.c_str());
  std::abort();
}

}  // namespace epx_fuzz

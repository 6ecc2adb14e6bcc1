// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace epx::testing {

/// Exit status that CTest reads as "skipped" (SKIP_RETURN_CODE).
constexpr int kSkipExitCode = 77;

/// Moves the calling thread (and threads it starts later) into a new,
/// empty network namespace and brings its loopback up; false with *why
/// (to print as the reason for skipping) when that is not possible here:
/// not root, or no network namespaces.
bool EnterPrivateNetwork(std::string* why);

}  // namespace epx::testing

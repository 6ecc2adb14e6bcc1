// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "selftest/self_test.h"

namespace epx {

/// Pure: the incident page's self-test section: one row per check of the
/// last run (nullptr: not run yet), failures first, and a link to
/// /selftest to run it again.
std::string SelfTestSectionHtml(const SelfTestResult* result);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "prometheus/metric_family.h"
#include "selftest/self_test.h"

namespace epx {

/// Pure: ephemeral_port_selftest_success{check} (1 PASS, 0 FAIL; a skipped
/// check has no series) and ephemeral_port_selftest_timestamp_seconds of
/// the last run.
std::vector<prometheus::MetricFamily> SelfTestFamilies(
    const SelfTestResult& result);

}  // namespace epx

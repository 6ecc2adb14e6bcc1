// SPDX-License-Identifier: Apache-2.0
#include "metrics/self_test_families.h"

#include <utility>

namespace epx {

std::vector<prometheus::MetricFamily> SelfTestFamilies(
    const SelfTestResult& result) {
  prometheus::MetricFamily success;
  success.name = "ephemeral_port_selftest_success";
  success.help =
      "1 when the last self-test's check passed, 0 when it failed (skipped "
      "checks have no series).";
  success.type = prometheus::MetricType::Gauge;
  for (const SelfTestCheck& check : result.checks) {
    if (check.outcome == CheckOutcome::kSkip) continue;
    prometheus::ClientMetric m;
    m.label.push_back({"check", check.name});
    m.gauge.value = check.outcome == CheckOutcome::kPass ? 1 : 0;
    success.metric.push_back(std::move(m));
  }
  prometheus::MetricFamily timestamp;
  timestamp.name = "ephemeral_port_selftest_timestamp_seconds";
  timestamp.help = "Unix time the last self-test ended.";
  timestamp.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric t;
  t.gauge.value = result.finished_seconds;
  timestamp.metric.push_back(std::move(t));
  std::vector<prometheus::MetricFamily> out;
  if (!success.metric.empty()) out.push_back(std::move(success));
  out.push_back(std::move(timestamp));
  return out;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "metrics/self_test_families.h"

#include "metrics/family_builder.h"

namespace epx {

std::vector<prometheus::MetricFamily> SelfTestFamilies(
    const SelfTestResult& result) {
  FamilyBuilder b;
  prometheus::MetricFamily& success = b.Gauge(
      "selftest_success",
      "1 when the last self-test's check passed, 0 when it failed (skipped "
      "checks have no series).");
  for (const SelfTestCheck& check : result.checks) {
    if (check.outcome == CheckOutcome::kSkip) continue;
    FamilyBuilder::Set(success, {{"check", check.name}},
                       check.outcome == CheckOutcome::kPass ? 1 : 0);
  }
  FamilyBuilder::Set(b.Gauge("selftest_timestamp_seconds",
                             "Unix time the last self-test ended."),
                     {}, result.finished_seconds);
  return b.TakeNonEmpty();
}

}  // namespace epx

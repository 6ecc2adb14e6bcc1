// SPDX-License-Identifier: Apache-2.0
#include "http/headline_history.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

HeadlineSample At(double t, double ratio) {
  HeadlineSample s;
  s.unix_seconds = t;
  s.present[0] = true;
  s.ratio[0] = ratio;
  return s;
}

TEST(HeadlineHistoryTest, KeepsTheLastHourAtMostOneSampleEverySpacing) {
  HeadlineHistory h(3600, 5);
  EXPECT_EQ(h.Capacity(), 722u);
  // A sample every second for two hours.
  for (int t = 0; t <= 7200; ++t) h.Add(At(t, t / 7200.0));
  std::vector<HeadlineSample> s = h.Samples(7200);
  ASSERT_FALSE(s.empty());
  EXPECT_LE(s.size(), h.Capacity());
  EXPECT_GE(s.size(), 700u);
  EXPECT_GE(s.front().unix_seconds, 3600);
  EXPECT_EQ(s.back().unix_seconds, 7200);
  EXPECT_DOUBLE_EQ(s.back().ratio[0], 1.0);
  for (std::size_t i = 1; i < s.size(); ++i)
    EXPECT_LT(s[i - 1].unix_seconds, s[i].unix_seconds);
  for (std::size_t i = 1; i + 1 < s.size(); ++i)
    EXPECT_GE(s[i].unix_seconds - s[i - 1].unix_seconds, 5) << i;
}

TEST(HeadlineHistoryTest, DropsSamplesOlderThanTheWindow) {
  HeadlineHistory h(60, 5);
  h.Add(At(0, 0.1));
  h.Add(At(30, 0.2));
  h.Add(At(100, 0.3));
  std::vector<HeadlineSample> s = h.Samples(100);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DOUBLE_EQ(s[0].ratio[0], 0.3);
}

TEST(HeadlineHistoryTest, HeadlineOfAReportIsItsWorstInUseOfCapacity) {
  PortUsageReport r;
  ExhaustionSummary tcp;
  tcp.protocol = Protocol::kTcp;
  tcp.worst_in_use = 120;
  tcp.capacity = 200;
  tcp.ratio = 0.6;
  r.exhaustion.push_back(tcp);
  HeadlineSample s = HeadlineOf(r, 42);
  EXPECT_TRUE(s.present[0]);
  EXPECT_FALSE(s.present[1]);
  EXPECT_EQ(s.in_use[0], 120u);
  EXPECT_EQ(s.capacity[0], 200u);
  EXPECT_DOUBLE_EQ(s.unix_seconds, 42);
}

}  // namespace
}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/range_cache.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

PortRangeReading Reading(std::uint16_t start, const std::string& source,
                         const std::string& error, double at) {
  PortRangeReading r;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      PortRange range;
      range.protocol = p;
      range.family = f;
      range.start = start;
      range.size = 1000;
      r.ranges.push_back(range);
    }
  }
  r.source = source;
  r.error = error;
  r.read_seconds = at;
  return r;
}

TEST(PortRangeCacheTest, NothingReadYetIsAFailure) {
  PortRangeCache cache;
  Snapshot s;
  std::string error;
  EXPECT_FALSE(cache.Fill(&s, &error));
  EXPECT_TRUE(s.ranges.empty());
  EXPECT_NE(error.find("not been read"), std::string::npos);
}

TEST(PortRangeCacheTest, AFailedRefreshKeepsTheLastGoodRangesAndSaysSo) {
  PortRangeCache cache;
  cache.Update(Reading(10000, "wmi", "", 1700000000));
  cache.Update(Reading(49152, "default", "WMI: timed out", 1700000300));
  Snapshot s;
  std::string error;
  EXPECT_FALSE(cache.Fill(&s, &error));
  ASSERT_EQ(s.ranges.size(), 4u);
  EXPECT_EQ(s.ranges[0].start, 10000);
  EXPECT_EQ(s.range_source, "wmi");
  EXPECT_EQ(s.range_read_seconds, 1700000000);
  EXPECT_NE(error.find("WMI: timed out"), std::string::npos);
  EXPECT_NE(error.find("2023-11-14T22:13:20Z from wmi"), std::string::npos)
      << error;

  cache.Update(Reading(20000, "netsh", "", 1700000600));
  Snapshot again;
  error.clear();
  EXPECT_TRUE(cache.Fill(&again, &error)) << error;
  EXPECT_EQ(again.ranges[0].start, 20000);
  EXPECT_EQ(again.range_source, "netsh");
}

TEST(PortRangeCacheTest, ServesTheFallbackUntilAnythingBetterArrives) {
  PortRangeCache cache;
  cache.Update(Reading(49152, "default", "netsh: no answer", 1700000000));
  Snapshot s;
  std::string error;
  EXPECT_FALSE(cache.Fill(&s, &error));
  EXPECT_EQ(s.range_source, "default");
  EXPECT_EQ(s.ranges.size(), 4u);
  EXPECT_EQ(error, "netsh: no answer");
}

}  // namespace
}  // namespace epx

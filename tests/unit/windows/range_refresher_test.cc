// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/range_refresher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace epx {
namespace {

using Clock = std::chrono::steady_clock;

long long Milliseconds(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Stands in for WMI and netsh at boot: answers only when released (or
// when the refresher cancels it), as a 20 s WMI query would.
struct HeldReader {
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};

  RangeRefresher::Reader Reader() {
    return [this](const std::atomic<bool>* cancel, PortRangeReading* out) {
      ++calls;
      while (!release && !*cancel)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      PortRange r;
      r.start = 10000;
      r.size = 5000;
      out->ranges.push_back(r);
      out->source = "wmi";
    };
  }
};

// The first collection after a start does not wait for the first reading:
// port_range fails with "not read yet" and a later collection serves it.
TEST(RangeRefresherTest, ACollectionDoesNotWaitForTheFirstReading) {
  HeldReader reader;
  RangeRefresher refresher(reader.Reader());
  Snapshot s;
  std::string error;
  Clock::time_point start = Clock::now();
  EXPECT_FALSE(refresher.Fill(&s, &error));
  EXPECT_LT(Milliseconds(Clock::now() - start), 200);
  EXPECT_NE(error.find("not been read yet"), std::string::npos) << error;
  EXPECT_TRUE(s.ranges.empty());

  reader.release = true;
  bool filled = false;
  for (int i = 0; i < 1000 && !filled; ++i) {
    Snapshot later;
    error.clear();
    filled = refresher.Fill(&later, &error);
    if (filled) {
      ASSERT_EQ(later.ranges.size(), 1u);
      EXPECT_EQ(later.ranges[0].start, 10000);
      EXPECT_EQ(later.range_source, "wmi");
      EXPECT_GT(later.range_read_seconds, 0);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(filled) << error;
  EXPECT_EQ(reader.calls, 1);
}

// The report command, which may collect only once, waits for the first
// reading, and no longer than it asked.
TEST(RangeRefresherTest, WaitsForTheFirstReadingWhenAsked) {
  HeldReader reader;
  RangeRefresher refresher(reader.Reader());
  Clock::time_point start = Clock::now();
  EXPECT_FALSE(refresher.WaitForFirstReading(std::chrono::milliseconds(50)));
  EXPECT_GE(Milliseconds(Clock::now() - start), 50);
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reader.release = true;
  });
  start = Clock::now();
  EXPECT_TRUE(refresher.WaitForFirstReading(std::chrono::seconds(30)));
  EXPECT_LT(Milliseconds(Clock::now() - start), 10000);
  releaser.join();
  Snapshot s;
  std::string error;
  EXPECT_TRUE(refresher.Fill(&s, &error)) << error;
  EXPECT_EQ(s.ranges.size(), 1u);
}

// Stopping cancels a read still in progress instead of waiting for it.
TEST(RangeRefresherTest, StoppingCancelsAReadInProgress) {
  HeldReader reader;
  Clock::time_point start;
  {
    RangeRefresher refresher(reader.Reader());
    for (int i = 0; i < 1000 && reader.calls == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(reader.calls, 1);
    start = Clock::now();
  }
  EXPECT_LT(Milliseconds(Clock::now() - start), 5000);
  EXPECT_FALSE(reader.release);
}

}  // namespace
}  // namespace epx

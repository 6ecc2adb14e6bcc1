#include "platform/log_limiter.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(LogLimiterTest, RepeatsWithinTheWindowAreHeldBackAndCounted) {
  LogLimiter limiter(minutes(10), 100);
  auto t0 = LogLimiter::Clock::time_point{} + seconds(1000);
  const std::string error = "level=error collector=events msg=\"EvtQuery\"";
  EXPECT_EQ(limiter.Filter(error, t0), error);
  for (int i = 1; i <= 39; ++i)
    EXPECT_EQ(limiter.Filter(error, t0 + seconds(15 * i)), "");
  EXPECT_EQ(limiter.Filter(error, t0 + minutes(10)), error + " repeated=39");
  EXPECT_EQ(limiter.Filter(error, t0 + minutes(10) + seconds(1)), "");
  EXPECT_EQ(limiter.Filter(error, t0 + minutes(25)), error + " repeated=1");
  EXPECT_EQ(limiter.Filter(error, t0 + minutes(40)), error);
}

TEST(LogLimiterTest, DifferentLinesPassAndAFullTableForgets) {
  LogLimiter limiter(minutes(10), 2);
  auto t0 = LogLimiter::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(limiter.Filter("a", t0), "a");
  EXPECT_EQ(limiter.Filter("b", t0), "b");
  EXPECT_EQ(limiter.Filter("a", t0), "");
  EXPECT_EQ(limiter.Filter("c", t0), "c");  // table full: forgets a and b
  EXPECT_EQ(limiter.Filter("a", t0), "a");
}

TEST(LogLimiterTest, RotationWhenTheCapWouldBePassed) {
  EXPECT_FALSE(LogNeedsRotation(0, 500, 100));
  EXPECT_FALSE(LogNeedsRotation(50, 50, 100));
  EXPECT_TRUE(LogNeedsRotation(50, 51, 100));
}

}  // namespace
}  // namespace epx

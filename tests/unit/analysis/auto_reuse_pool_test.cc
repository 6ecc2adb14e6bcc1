// SPDX-License-Identifier: Apache-2.0
#include "analysis/auto_reuse_pool.h"

#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"

namespace epx {
namespace {

using testing::SnapshotBuilder;

// Windows: dynamic range 49152-49161 (host-wide rule), auto-reuse range
// 40000-40009 when enabled (Set-NetTCPSetting -AutoReusePortRange*).
SnapshotBuilder WindowsHost() {
  SnapshotBuilder b;
  b.Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide);
  b.Range(49152, 10);
  return b;
}

void EnableAutoReuse(Snapshot* s) {
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    PortRange r;
    r.protocol = Protocol::kTcp;
    r.family = f;
    r.start = 40000;
    r.size = 10;
    s->auto_reuse_ranges.push_back(r);
  }
}

TEST(AutoReusePoolTest, SharesPortsPerDestinationAndLeadsTheHeadline) {
  SnapshotBuilder b = WindowsHost();
  for (std::uint16_t p = 40000; p < 40008; ++p)
    b.Tcp("10.0.0.5", p, "10.0.0.9", 443);
  for (std::uint16_t p = 40000; p < 40004; ++p)
    b.Tcp("10.0.0.5", p, "10.0.0.7", 443);
  b.Tcp("10.0.0.5", 49152, "10.0.0.9", 80);
  b.Socket(Protocol::kTcp, SocketState::kListen, "0.0.0.0", 40009, "0.0.0.0",
           0);
  Snapshot& s = b.Get();
  PortUsageReport before = AnalyzePortUsage(s, {});
  ASSERT_TRUE(before.auto_reuse.empty());

  EnableAutoReuse(&s);
  PortUsageReport r = AnalyzePortUsage(s, {});
  ASSERT_EQ(r.auto_reuse.size(), 2u);
  const AutoReusePoolUsage& v4 = r.auto_reuse[0];
  EXPECT_EQ(v4.family, Family::kIpv4);
  EXPECT_EQ(v4.in_use, 9u);            // 40000-40007 and the listener
  EXPECT_EQ(v4.exclusive_in_use, 1u);  // the listener holds 40009 for all
  EXPECT_EQ(v4.worst_in_use, 9u);      // 8 toward 10.0.0.9:443 + listener
  EXPECT_DOUBLE_EQ(v4.ratio, 0.9);
  EXPECT_EQ(r.auto_reuse[1].in_use, 0u);
  for (const ExhaustionSummary& e : r.exhaustion) {
    if (e.protocol != Protocol::kTcp) continue;
    EXPECT_DOUBLE_EQ(e.ratio, 0.9);
    EXPECT_EQ(e.rule, ExhaustionRule::kPerDestination);
  }
}

TEST(AutoReusePoolTest, AFullerDynamicRangeKeepsTheHeadline) {
  SnapshotBuilder b = WindowsHost();
  for (std::uint16_t p = 49152; p < 49161; ++p)
    b.Tcp("10.0.0.5", p, "10.0.0.9", 443);
  b.Tcp("10.0.0.5", 40000, "10.0.0.9", 443);
  Snapshot& s = b.Get();
  EnableAutoReuse(&s);
  PortUsageReport r = AnalyzePortUsage(s, {});
  ASSERT_FALSE(r.auto_reuse.empty());
  EXPECT_DOUBLE_EQ(r.auto_reuse[0].ratio, 0.1);
  for (const ExhaustionSummary& e : r.exhaustion) {
    if (e.protocol != Protocol::kTcp) continue;
    EXPECT_DOUBLE_EQ(e.ratio, 0.9);
    EXPECT_EQ(e.rule, ExhaustionRule::kHostWide);
  }
}

}  // namespace
}  // namespace epx

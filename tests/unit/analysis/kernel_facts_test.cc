// SPDX-License-Identifier: Apache-2.0
// The analysis with the kernel's own facts (the Linux BPF source): a port
// whose bind bucket was made by bind() is held for every destination.
#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"
#include "analysis/port_usage.h"

namespace epx {
namespace {

using testing::SnapshotBuilder;

// The case: 250 plain and 100 bind-before-connect connections to
// :5000 and 300 plain ones to :6000 in a 1000-port range.
Snapshot BindBeforeConnect(bool with_facts) {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  std::uint16_t port = 40000;
  for (int i = 0; i < 250; ++i) b.Tcp("127.0.0.1", port++, "127.0.0.1", 5000);
  for (int i = 0; i < 100; ++i) b.Tcp("127.0.0.1", port++, "127.0.0.1", 5000);
  // connect() skips the bound ports 40250-40349 for every destination.
  for (int i = 0; i < 300; ++i) {
    std::uint16_t p =
        static_cast<std::uint16_t>(40000 + i + (i >= 250 ? 100 : 0));
    b.Tcp("127.0.0.1", p, "127.0.0.1", 6000);
  }
  Snapshot s = b.Get();
  if (with_facts) {
    for (std::size_t i = 0; i < s.sockets.size(); ++i) {
      s.sockets[i].kernel_facts = kFactsKnown;
      if (i >= 250 && i < 350) s.sockets[i].kernel_facts |= kFactBindBucket;
    }
  }
  return s;
}

const ExhaustionSummary& Tcp(const PortUsageReport& r) {
  for (const auto& e : r.exhaustion) {
    if (e.protocol == Protocol::kTcp) return e;
  }
  static ExhaustionSummary none;
  ADD_FAILURE() << "no TCP headline";
  return none;
}

TEST(KernelFactsTest, WithoutFactsBindBeforeConnectCountsInItsOwnGroupOnly) {
  PortUsageReport r = AnalyzePortUsage(BindBeforeConnect(false), {});
  EXPECT_EQ(Tcp(r).exclusive_in_use, 0u);
  EXPECT_DOUBLE_EQ(Tcp(r).ratio, 0.35);
}

TEST(KernelFactsTest, BindTypeBucketHoldsThePortForEveryDestination) {
  PortUsageReport r = AnalyzePortUsage(BindBeforeConnect(true), {});
  EXPECT_EQ(Tcp(r).exclusive_in_use, 100u);
  EXPECT_EQ(Tcp(r).worst_in_use, 400u);
  EXPECT_DOUBLE_EQ(Tcp(r).ratio, 0.40);
}

const DestinationUsage* Destination(const PortUsageReport& r,
                                    std::uint16_t remote_port) {
  for (const auto& d : r.destinations) {
    if (d.protocol == Protocol::kTcp && d.remote_port == remote_port) return &d;
  }
  return nullptr;
}

// ss shows 350 local ports connected to :5000, bound or not: the
// destination series says the same, and its ratio still counts the bound
// ports once (as held for every destination).
TEST(KernelFactsTest, DestinationCountsBindBeforeConnectPorts) {
  for (bool with_facts : {false, true}) {
    PortUsageReport r = AnalyzePortUsage(BindBeforeConnect(with_facts), {});
    const DestinationUsage* d5000 = Destination(r, 5000);
    const DestinationUsage* d6000 = Destination(r, 6000);
    ASSERT_NE(d5000, nullptr);
    ASSERT_NE(d6000, nullptr);
    EXPECT_EQ(d5000->in_use, 350u) << "with_facts=" << with_facts;
    EXPECT_EQ(d6000->in_use, 300u) << "with_facts=" << with_facts;
    EXPECT_DOUBLE_EQ(d5000->usage_ratio, 0.35) << "with_facts=" << with_facts;
    EXPECT_DOUBLE_EQ(d6000->usage_ratio, with_facts ? 0.40 : 0.30)
        << "with_facts=" << with_facts;
  }
}

// Accepted connections share their listener's bucket (the kernel marks them
// too): on a port a listener holds they are still no destination's.
TEST(KernelFactsTest, AcceptedConnectionsWithTheBucketFactAreNotDestinations) {
  SnapshotBuilder b;
  b.Range(40000, 100);
  b.Tcp("0.0.0.0", 40005, "0.0.0.0", 0, 0, SocketState::kListen);
  b.Tcp("127.0.0.1", 40005, "127.0.0.1", 51000);
  b.Tcp("127.0.0.1", 40005, "127.0.0.1", 51001);
  b.Tcp("127.0.0.1", 40010, "127.0.0.1", 443);
  Snapshot s = b.Get();
  for (SocketRecord& socket : s.sockets)
    socket.kernel_facts = kFactsKnown | kFactBindBucket;
  PortUsageReport r = AnalyzePortUsage(s, {});
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_EQ(r.destinations[0].remote_port, 443);
  EXPECT_EQ(r.destinations[0].in_use, 1u);
}

TEST(KernelFactsTest, BucketOutlivingItsListenerStaysExclusive) {
  // Accepted children of a closed listener on 40005: no listener left, but
  // their bucket still refuses every connect (review F2).
  SnapshotBuilder b;
  b.Range(40000, 10);
  b.Tcp("127.0.0.1", 40005, "127.0.0.1", 51000);
  b.Tcp("127.0.0.1", 40005, "127.0.0.1", 51001);
  b.Tcp("127.0.0.1", 40000, "127.0.0.1", 443);
  Snapshot s = b.Get();
  PortUsageReport before = AnalyzePortUsage(s, {});
  EXPECT_EQ(Tcp(before).worst_in_use, 1u);
  EXPECT_EQ(before.destinations.size(), 3u);
  s.sockets[0].kernel_facts = kFactsKnown | kFactBindBucket;
  s.sockets[1].kernel_facts = kFactsKnown | kFactBindBucket;
  // The source remembers the closed listener's bucket (BindBucketMemory).
  s.tcp_bucket_ports = {40005};
  PortUsageReport after = AnalyzePortUsage(s, {});
  EXPECT_EQ(Tcp(after).exclusive_in_use, 1u);
  EXPECT_EQ(Tcp(after).worst_in_use, 2u);
  EXPECT_EQ(after.destinations.size(), 1u);
}

TEST(KernelFactsTest, UdpIgnoresTheBucketFact) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  b.Socket(Protocol::kUdp, SocketState::kEstablished, "127.0.0.1", 40001,
           "127.0.0.1", 53);
  Snapshot s = b.Get();
  s.sockets[0].kernel_facts = kFactsKnown | kFactBindBucket;
  EXPECT_FALSE(HoldsPortForEveryDestination(s.sockets[0]));
  s.sockets[0].protocol = Protocol::kTcp;
  EXPECT_TRUE(HoldsPortForEveryDestination(s.sockets[0]));
}

// Ten clients with IP_LOCAL_PORT_RANGE 40100-40109 connected to one
// destination: their next connect() fails, whatever the wide range says.
Snapshot NarrowRange(std::uint16_t low, std::uint16_t high) {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  for (std::uint16_t p = 40100; p < 40110; ++p)
    b.Tcp("127.0.0.1", p, "127.0.0.1", 5100);
  b.Tcp("127.0.0.1", 40500, "127.0.0.1", 443);
  Snapshot s = b.Get();
  for (std::size_t i = 0; i < 10; ++i) {
    s.sockets[i].kernel_facts = kFactsKnown;
    s.sockets[i].port_range_low = low;
    s.sockets[i].port_range_high = high;
  }
  return s;
}

TEST(KernelFactsTest, PerSocketRangeFullMakesTheHeadline) {
  PortUsageReport r = AnalyzePortUsage(NarrowRange(40100, 40109), {});
  EXPECT_EQ(Tcp(r).capacity, 10u);
  EXPECT_EQ(Tcp(r).worst_in_use, 10u);
  EXPECT_DOUBLE_EQ(Tcp(r).ratio, 1.0);
}

TEST(KernelFactsTest, PerSocketRangeCountsExclusivePortsInsideIt) {
  Snapshot s = NarrowRange(40100, 40119);
  SocketRecord listener = s.sockets.back();
  listener.state = SocketState::kListen;
  listener.local_port = 40115;
  listener.remote_port = 0;
  s.sockets.push_back(listener);
  PortUsageReport r = AnalyzePortUsage(s, {});
  EXPECT_EQ(Tcp(r).capacity, 20u);
  EXPECT_EQ(Tcp(r).exclusive_in_use, 1u);
  EXPECT_EQ(Tcp(r).worst_in_use, 11u);
}

TEST(KernelFactsTest, PerSocketRangeFollowsTheKernelsNarrowingRule) {
  // Outside the namespace's range: ignored, the wide headline stays.
  PortUsageReport outside = AnalyzePortUsage(NarrowRange(50000, 50009), {});
  EXPECT_EQ(Tcp(outside).capacity, 1000u);
  EXPECT_DOUBLE_EQ(Tcp(outside).ratio, 0.01);
  // Only an upper bound: 40000-40109, 110 ports.
  PortUsageReport upper = AnalyzePortUsage(NarrowRange(0, 40109), {});
  EXPECT_EQ(Tcp(upper).capacity, 110u);
  EXPECT_EQ(Tcp(upper).worst_in_use, 10u);
}

// K2: tcp_tw_reuse recycles a TIME_WAIT socket only if it kept the peer's
// timestamp (tw_ts_recent_stamp). With the kernel's facts that is known per
// socket; without them it is assumed whenever tcp_timestamps is on.
TEST(KernelFactsTest, TimeWaitWithoutThePeersTimestampIsNotRecycled) {
  auto pool = [](int with_timestamps) {
    SnapshotBuilder b;
    b.Range(40000, 10);
    for (std::uint16_t p = 40000; p < 40010; ++p)
      b.Tcp("127.0.0.1", p, "127.0.0.1", 5000, 0, SocketState::kTimeWait);
    Snapshot s = b.Get();
    s.time_wait_reuse.mode = 2;
    s.time_wait_reuse.timestamps = true;
    int i = 0;
    for (SocketRecord& r : s.sockets) {
      r.expires_ms = 55000;
      r.kernel_facts = kFactsKnown;
      if (i++ < with_timestamps) r.kernel_facts |= kFactTimestamps;
    }
    return s;
  };
  PortUsageReport all = AnalyzePortUsage(pool(10), {});
  EXPECT_EQ(Tcp(all).recyclable_time_wait, 10u);
  EXPECT_DOUBLE_EQ(Tcp(all).ratio, 0.0);
  PortUsageReport some = AnalyzePortUsage(pool(4), {});
  EXPECT_EQ(Tcp(some).recyclable_time_wait, 4u);
  EXPECT_DOUBLE_EQ(Tcp(some).ratio, 0.6);
  Snapshot unknown = pool(0);
  for (SocketRecord& r : unknown.sockets) r.kernel_facts = 0;
  EXPECT_DOUBLE_EQ(Tcp(AnalyzePortUsage(unknown, {})).ratio, 0.0)
      << "without facts, timestamps are assumed";
}

}  // namespace
}  // namespace epx

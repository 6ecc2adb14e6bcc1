// SPDX-License-Identifier: Apache-2.0
#include "analysis/port_usage.h"

#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"

namespace epx {
namespace {

using testing::SnapshotBuilder;

const ExhaustionSummary& Headline(const PortUsageReport& r, Protocol p) {
  for (const auto& e : r.exhaustion) {
    if (e.protocol == p) return e;
  }
  static ExhaustionSummary none;
  ADD_FAILURE() << "no exhaustion summary for " << ProtocolName(p);
  return none;
}

const PoolUsage& Pool(const PortUsageReport& r, Protocol p, Family f) {
  for (const auto& pool : r.pools) {
    if (pool.protocol == p && pool.family == f) return pool;
  }
  static PoolUsage none;
  ADD_FAILURE() << "no pool";
  return none;
}

std::uint64_t States(const PortUsageReport& r, Protocol p, Family f,
                     SocketState s) {
  for (const auto& c : r.states) {
    if (c.protocol == p && c.family == f && c.state == s) return c.sockets;
  }
  return 999999;
}

TEST(PortUsageTest, CountsDistinctPortsInsideTheRangeOnly) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443)
      .Tcp("10.0.0.1", 40002, "10.0.0.8", 443)   // same port, other dest
      .Tcp("10.0.0.1", 39999, "10.0.0.9", 443)   // below the range
      .Tcp("10.0.0.1", 40100, "10.0.0.9", 443);  // just past the end
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Pool(r, Protocol::kTcp, Family::kIpv4).in_use, 2u);
  EXPECT_EQ(Pool(r, Protocol::kTcp, Family::kIpv4).capacity, 100u);
  EXPECT_DOUBLE_EQ(Pool(r, Protocol::kTcp, Family::kIpv4).usage_ratio, 0.02);
}

TEST(PortUsageTest, ReservedPortsShrinkCapacityAndDoNotCount) {
  SnapshotBuilder b;
  b.Range(40000, 100, {{40010, 40019}, {40015, 40024}, {50000, 50010}})
      .Tcp("10.0.0.1", 40012, "10.0.0.9", 443)
      .Tcp("10.0.0.1", 40030, "10.0.0.9", 443);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  const PoolUsage& pool = Pool(r, Protocol::kTcp, Family::kIpv4);
  EXPECT_EQ(pool.reserved, 15u);
  EXPECT_EQ(pool.capacity, 85u);
  EXPECT_EQ(pool.in_use, 1u);
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 1u);
}

TEST(PortUsageTest, LinuxRuleTakesWorstDestinationPlusExclusivePorts) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  for (std::uint16_t p = 40000; p < 40006; ++p)
    b.Tcp("10.0.0.1", p, "10.0.0.9", 443);  // 6 ports toward :443
  for (std::uint16_t p = 40000; p < 40003; ++p)
    b.Tcp("10.0.0.1", p, "10.0.0.9", 80);  // reuse toward :80
  b.Tcp("0.0.0.0", 40008, "0.0.0.0", 0, 0, SocketState::kListen);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  const ExhaustionSummary& e = Headline(r, Protocol::kTcp);
  EXPECT_EQ(e.rule, ExhaustionRule::kPerDestination);
  EXPECT_EQ(e.exclusive_in_use, 1u);
  EXPECT_EQ(e.worst_in_use, 7u);
  EXPECT_EQ(e.recyclable_time_wait, 0u);
  EXPECT_DOUBLE_EQ(e.ratio, 0.7);
  EXPECT_EQ(Pool(r, Protocol::kTcp, Family::kIpv4).in_use, 7u);
}

TEST(PortUsageTest, ListenerInsideRangeIsNotCountedTwiceWithItsConnections) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Tcp("0.0.0.0", 40005, "0.0.0.0", 0, 0, SocketState::kListen)
      .Tcp("10.0.0.1", 40005, "10.0.0.7", 51000)  // accepted connection
      .Tcp("10.0.0.1", 40001, "10.0.0.7", 51000);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 2u);
}

TEST(PortUsageTest, AcceptedConnectionsAreNotDestinations) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("0.0.0.0", 40005, "0.0.0.0", 0, 0, SocketState::kListen)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443);
  for (std::uint16_t client = 51000; client < 51020; ++client)
    b.Tcp("10.0.0.1", 40005, "10.0.0.7", client);  // accepted
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_EQ(r.destinations[0].remote_address, "10.0.0.9");
  EXPECT_EQ(r.destinations[0].remote_port, 443);
  EXPECT_EQ(r.destinations[0].in_use, 2u);
  EXPECT_DOUBLE_EQ(r.destinations[0].usage_ratio, 3.0 / 100);
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 3u);
  EXPECT_EQ(States(r, Protocol::kTcp, Family::kIpv4, SocketState::kEstablished),
            22u);
}

TEST(PortUsageTest, DestinationCountsPortsOnceAcrossLocalAddresses) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443)
      .Tcp("10.0.0.2", 40001, "10.0.0.9", 443)
      .Tcp("10.0.0.2", 40002, "10.0.0.9", 443)
      .Tcp("10.0.0.2", 40003, "10.0.0.8", 443);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.destinations.size(), 2u);
  EXPECT_EQ(r.destinations[0].remote_address, "10.0.0.9");
  EXPECT_EQ(r.destinations[0].in_use, 2u);
  EXPECT_DOUBLE_EQ(r.destinations[0].usage_ratio, 2.0 / 100);
  EXPECT_EQ(r.destinations[1].remote_address, "10.0.0.8");
  EXPECT_EQ(r.destinations[1].in_use, 1u);
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 2u);
}

TEST(PortUsageTest, HostWideRuleCountsEveryHeldPort) {
  SnapshotBuilder b;
  b.Range(49152, 16384)
      .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide)
      .Tcp("10.0.0.1", 50000, "10.0.0.9", 443)
      .Tcp("10.0.0.1", 50001, "10.0.0.8", 443)
      .Tcp("10.0.0.1", 50002, "10.0.0.7", 80, 0, SocketState::kTimeWait)
      .Tcp("0.0.0.0", 50003, "0.0.0.0", 0, 0, SocketState::kBound);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 4u);
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 4.0 / 16384);
}

// Windows: a port that only TIME_WAIT holds goes to a connect() toward
// another remote endpoint (event 4227 names the same-endpoint case).
TEST(PortUsageTest, WindowsTimeWaitPortsCountOnlyTowardTheirDestination) {
  auto windows = [](bool one_destination) {
    SnapshotBuilder b;
    b.Range(49152, 10)
        .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide)
        .Tcp("10.0.0.1", 49152, "10.0.0.9", 443)
        .Tcp("0.0.0.0", 49153, "0.0.0.0", 0, 0, SocketState::kBound);
    for (std::uint16_t p = 49154; p < 49162; ++p) {
      auto remote = static_cast<std::uint16_t>(one_destination ? 80 : p);
      b.Tcp("10.0.0.1", p, "10.0.0.7", remote, 0, SocketState::kTimeWait);
    }
    return AnalyzePortUsage(b.Get(), {});
  };
  PortUsageReport spread = windows(false);
  const ExhaustionSummary& e = Headline(spread, Protocol::kTcp);
  EXPECT_EQ(e.exclusive_in_use, 2u);
  EXPECT_EQ(e.worst_in_use, 3u);
  EXPECT_DOUBLE_EQ(e.ratio, 0.3);
  EXPECT_EQ(Pool(spread, Protocol::kTcp, Family::kIpv4).in_use, 10u);
  for (const DestinationUsage& d : spread.destinations) {
    EXPECT_DOUBLE_EQ(d.usage_ratio, d.remote_port == 443 ? 0.2 : 0.3)
        << d.remote_port;
  }

  PortUsageReport one = windows(true);
  EXPECT_EQ(Headline(one, Protocol::kTcp).worst_in_use, 10u);
  EXPECT_DOUBLE_EQ(Headline(one, Protocol::kTcp).ratio, 1.0);
}

TEST(PortUsageTest, HeadlineReadsOneWhenThePoolIsFull) {
  SnapshotBuilder b;
  b.Range(40000, 4, {{40002, 40002}});
  b.Tcp("127.0.0.1", 40000, "127.0.0.1", 5000)
      .Tcp("127.0.0.1", 40001, "127.0.0.1", 5000)
      .Tcp("127.0.0.1", 40003, "127.0.0.1", 5000);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_DOUBLE_EQ(r.destinations[0].usage_ratio, 1.0);
}

TEST(PortUsageTest, Ipv6AndV4MappedSocketsShareThePortSpace) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("::ffff:127.0.0.1", 40001, "::ffff:127.0.0.1", 5000)
      .Tcp("127.0.0.1", 40002, "127.0.0.1", 5000)
      .Tcp("2001:db8::1", 40003, "2001:db8::2", 443)
      .Tcp("2001:db8::1", 40001, "2001:db8::2", 443);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Pool(r, Protocol::kTcp, Family::kIpv6).in_use, 3u);
  EXPECT_EQ(States(r, Protocol::kTcp, Family::kIpv6, SocketState::kEstablished),
            3u);
  EXPECT_EQ(States(r, Protocol::kTcp, Family::kIpv4, SocketState::kEstablished),
            1u);
  ASSERT_GE(r.destinations.size(), 2u);
  EXPECT_EQ(r.destinations[0].remote_address, "127.0.0.1");
  EXPECT_EQ(r.destinations[0].remote_port, 5000);
  EXPECT_EQ(r.destinations[0].in_use, 2u);
  EXPECT_EQ(r.destinations[1].remote_address, "2001:db8::2");
  EXPECT_EQ(r.destinations[1].in_use, 2u);
}

TEST(PortUsageTest, UdpUsesTheHostWideRule) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Socket(Protocol::kUdp, SocketState::kEstablished, "10.0.0.1", 40001,
              "10.0.0.53", 53)
      .Socket(Protocol::kUdp, SocketState::kEstablished, "10.0.0.1", 40002,
              "10.0.0.54", 53)
      .Socket(Protocol::kUdp, SocketState::kUnconnected, "0.0.0.0", 40003,
              "0.0.0.0", 0);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kUdp).rule, ExhaustionRule::kHostWide);
  EXPECT_EQ(Headline(r, Protocol::kUdp).worst_in_use, 3u);
  EXPECT_EQ(States(r, Protocol::kUdp, Family::kIpv4, SocketState::kUnconnected),
            1u);
}

TEST(PortUsageTest, AttributesSocketsToProcessesAndCountsTheRestHonestly) {
  SnapshotBuilder b;
  b.Get().owners_from_inodes = true;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 101)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443, 102)
      .Tcp("10.0.0.1", 40003, "10.0.0.9", 443, 0, SocketState::kTimeWait)
      .Tcp("10.0.0.1", 40004, "10.0.0.9", 443, 0, SocketState::kFinWait2)
      .Tcp("10.0.0.1", 40005, "10.0.0.9", 443, 555)  // owner unreadable
      .Tcp("10.0.0.1", 40006, "10.0.0.9", 443, 103)
      .Process(10, "porthog", {101, 102})
      .Process(20, "other", {103});
  b.Get().processes_unreadable = 1;
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.processes.size(), 2u);
  EXPECT_EQ(r.processes[0].name, "porthog");
  EXPECT_EQ(r.processes[0].pid, 10);
  EXPECT_EQ(r.processes[0].in_use[0], 2u);
  EXPECT_EQ(r.processes[1].name, "other");
  EXPECT_EQ(r.processes_unreadable, 1u);
  std::map<std::string, std::uint64_t> unattributed;
  for (const auto& u : r.unattributed) {
    if (u.protocol == Protocol::kTcp) unattributed[u.reason] = u.sockets;
  }
  EXPECT_EQ(unattributed["time_wait"], 1u);
  EXPECT_EQ(unattributed["orphaned"], 1u);
  EXPECT_EQ(unattributed["unknown"], 1u);
}

TEST(PortUsageTest, KernelHeldSocketsAreNamedByWhatHoldsThem) {
  SnapshotBuilder b;
  b.Get().owners_from_inodes = true;
  b.Range(40000, 100)
      .Tcp("0.0.0.0", 40050, "0.0.0.0", 0, 7, SocketState::kListen)
      .Tcp("10.0.0.1", 40050, "10.0.0.7", 51000, 0, SocketState::kSynRecv)
      .Tcp("10.0.0.1", 40004, "10.0.0.9", 443, 0, SocketState::kFinWait2)
      .Tcp("10.0.0.1", 40005, "10.0.0.9", 443, 0, SocketState::kFinWait2)
      .Tcp("10.0.0.1", 40006, "10.0.0.9", 443, 0, SocketState::kLastAck)
      .Process(10, "server", {7});
  b.Get().sockets[3].timewait_object = true;
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  std::map<std::string, std::uint64_t> reasons;
  for (const auto& u : r.unattributed) {
    if (u.protocol == Protocol::kTcp) reasons[u.reason] = u.sockets;
  }
  EXPECT_EQ(reasons["syn_recv"], 1u);
  EXPECT_EQ(reasons["fin_wait2"], 1u);
  EXPECT_EQ(reasons["orphaned"], 2u);
  EXPECT_EQ(reasons["time_wait"], 0u);
}

// n TIME_WAIT sockets from 10.0.0.1 (or 127.0.0.1) toward :5000, aged
// age_ms, filling a 10-port range.
SnapshotBuilder TimeWaitPool(const std::string& local,
                             const std::string& remote, int mode,
                             std::uint32_t age_ms = 5000,
                             bool timestamps = true) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  for (std::uint16_t p = 40000; p < 40010; ++p)
    b.Tcp(local, p, remote, 5000, 0, SocketState::kTimeWait);
  for (SocketRecord& s : b.Get().sockets) s.expires_ms = 60000 - age_ms;
  b.Get().time_wait_reuse.mode = mode;
  b.Get().time_wait_reuse.timestamps = timestamps;
  return b;
}

TEST(PortUsageTest, TimeWaitTheKernelRecyclesLeavesTheHeadline) {
  // tcp_tw_reuse 2 (the default): loopback only.
  PortUsageReport loop =
      AnalyzePortUsage(TimeWaitPool("127.0.0.1", "127.0.0.1", 2).Get(), {});
  EXPECT_EQ(Headline(loop, Protocol::kTcp).worst_in_use, 0u);
  EXPECT_DOUBLE_EQ(Headline(loop, Protocol::kTcp).ratio, 0.0);
  EXPECT_EQ(Headline(loop, Protocol::kTcp).recyclable_time_wait, 10u);
  EXPECT_TRUE(loop.destinations.empty());
  // ... but still held host-wide and counted in the states.
  EXPECT_EQ(Pool(loop, Protocol::kTcp, Family::kIpv4).in_use, 10u);
  EXPECT_EQ(States(loop, Protocol::kTcp, Family::kIpv4, SocketState::kTimeWait),
            10u);

  PortUsageReport remote =
      AnalyzePortUsage(TimeWaitPool("10.0.0.1", "10.0.0.9", 2).Get(), {});
  EXPECT_DOUBLE_EQ(Headline(remote, Protocol::kTcp).ratio, 1.0);
  EXPECT_EQ(Headline(remote, Protocol::kTcp).recyclable_time_wait, 0u);

  PortUsageReport everywhere =
      AnalyzePortUsage(TimeWaitPool("10.0.0.1", "10.0.0.9", 1).Get(), {});
  EXPECT_DOUBLE_EQ(Headline(everywhere, Protocol::kTcp).ratio, 0.0);

  PortUsageReport off =
      AnalyzePortUsage(TimeWaitPool("127.0.0.1", "127.0.0.1", 0).Get(), {});
  EXPECT_DOUBLE_EQ(Headline(off, Protocol::kTcp).ratio, 1.0);

  SnapshotBuilder lo_bound = TimeWaitPool("10.0.0.1", "10.0.0.9", 2);
  for (SocketRecord& s : lo_bound.Get().sockets) s.bound_device = 1;
  EXPECT_DOUBLE_EQ(
      Headline(AnalyzePortUsage(lo_bound.Get(), {}), Protocol::kTcp).ratio,
      0.0);
}

TEST(PortUsageTest, TimeWaitIsKeptWhenTheKernelWouldRefuseIt) {
  // Younger than tcp_tw_reuse_delay.
  EXPECT_DOUBLE_EQ(
      Headline(AnalyzePortUsage(
                   TimeWaitPool("127.0.0.1", "127.0.0.1", 2, 900).Get(), {}),
               Protocol::kTcp)
          .ratio,
      1.0);
  // No timestamps, no recycling.
  EXPECT_DOUBLE_EQ(
      Headline(
          AnalyzePortUsage(
              TimeWaitPool("127.0.0.1", "127.0.0.1", 1, 5000, false).Get(), {}),
          Protocol::kTcp)
          .ratio,
      1.0);
  // FIN_WAIT2 timewait objects are never recycled.
  SnapshotBuilder fw2 = TimeWaitPool("127.0.0.1", "127.0.0.1", 2);
  for (SocketRecord& s : fw2.Get().sockets) {
    s.state = SocketState::kFinWait2;
    s.timewait_object = true;
  }
  EXPECT_DOUBLE_EQ(
      Headline(AnalyzePortUsage(fw2.Get(), {}), Protocol::kTcp).ratio, 1.0);
}

TEST(PortUsageTest, PortsABindBucketStillHoldsCountForEveryDestination) {
  SnapshotBuilder b;
  b.Range(40000, 100);
  // Children of closed listeners on 40000..40019.
  for (std::uint16_t p = 40000; p < 40020; ++p)
    b.Tcp("127.0.0.1", p, "127.0.0.1", static_cast<std::uint16_t>(p + 10000));
  for (std::uint16_t p = 40020; p < 40100; ++p)
    b.Tcp("127.0.0.1", p, "127.0.0.1", 5000);
  for (std::uint16_t p = 40000; p < 40020; ++p)
    b.Get().tcp_bucket_ports.push_back(p);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kTcp).exclusive_in_use, 20u);
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 100u);
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_EQ(r.destinations[0].remote_port, 5000);
}

TEST(PortUsageTest, BindBeforeConnectCountsTheAddressAndTheWildcards) {
  SnapshotBuilder b;
  b.Range(40000, 100);
  // 127.0.0.1: ten destinations, ten ports each; one TIME_WAIT among them.
  for (std::uint16_t p = 40000; p < 40040; ++p)
    b.Tcp("127.0.0.1", p, "127.0.0.1",
          static_cast<std::uint16_t>(5000 + p % 10));
  b.Tcp("127.0.0.1", 40040, "127.0.0.1", 5000, 0, SocketState::kTimeWait);
  // Another address does not conflict with 127.0.0.1 ...
  for (std::uint16_t p = 40050; p < 40070; ++p)
    b.Tcp("10.0.0.1", p, "10.0.0.9", 443);
  // ... wildcards do: a 0.0.0.0 listener, a [::] one and a [::] bound socket
  // on a port 127.0.0.1 already uses.
  b.Tcp("0.0.0.0", 40080, "0.0.0.0", 0, 0, SocketState::kListen)
      .Tcp("::", 40081, "::", 0, 0, SocketState::kListen)
      .Tcp("::", 40001, "::", 0, 0, SocketState::kBound)
      .Tcp("2001:db8::1", 40090, "2001:db8::2", 443);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  const ExhaustionSummary& e = Headline(r, Protocol::kTcp);
  EXPECT_EQ(e.bind_in_use, 41u + 2u);
  EXPECT_DOUBLE_EQ(e.bind_ratio, 0.43);
  // The connect headline: the worst destination is far from full.
  EXPECT_LT(e.ratio, 0.3);
}

TEST(PortUsageTest, BindHeadlineReadsOneWhenTheAddressIsFull) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  for (std::uint16_t p = 40000; p < 40010; ++p)
    b.Tcp("127.0.0.1", p, "127.0.0.1",
          static_cast<std::uint16_t>(5000 + p % 10), 0, SocketState::kTimeWait);
  b.Get().time_wait_reuse.mode = 2;
  b.Get().time_wait_reuse.timestamps = true;
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).bind_ratio, 1.0);
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 0.0);
}

TEST(PortUsageTest, DeviceBoundFourTuplesCountPerDevice) {
  // Five sockets bound to device 2 and five to device 3, same 4-tuples
  // apart from the device: a connect bound to either has five ports left.
  SnapshotBuilder b;
  b.Range(40000, 10);
  for (std::uint16_t p = 40000; p < 40010; ++p) {
    b.Tcp("10.0.0.1", p, "10.0.0.9", 443);
    b.Get().sockets.back().bound_device = p < 40005 ? 2 : 3;
  }
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kTcp).worst_in_use, 5u);
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_EQ(r.destinations[0].in_use, 10u);
  EXPECT_DOUBLE_EQ(r.destinations[0].usage_ratio, 0.5);

  // Unbound sockets block device-bound connects too.
  SnapshotBuilder mixed;
  mixed.Range(40000, 10);
  for (std::uint16_t p = 40000; p < 40010; ++p) {
    mixed.Tcp("127.0.0.1", p, "127.0.0.1", 5000);
    if (p >= 40006) mixed.Get().sockets.back().bound_device = 1;
  }
  EXPECT_EQ(
      Headline(AnalyzePortUsage(mixed.Get(), {}), Protocol::kTcp).worst_in_use,
      10u);
}

TEST(PortUsageTest, UnreachablePortsShrinkTheCapacity) {
  SnapshotBuilder b;
  b.Range(40000, 3);
  for (PortRange& r : b.Get().ranges) {
    if (r.protocol == Protocol::kTcp) r.unreachable = 1;
  }
  b.Tcp("127.0.0.1", 40000, "127.0.0.1", 5000)
      .Tcp("127.0.0.1", 40001, "127.0.0.1", 5000);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Pool(r, Protocol::kTcp, Family::kIpv4).capacity, 2u);
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
  EXPECT_EQ(Pool(r, Protocol::kUdp, Family::kIpv4).capacity, 3u);
}

TEST(PortUsageTest, HostWideExclusiveIsEveryPortInUse) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Socket(Protocol::kUdp, SocketState::kEstablished, "10.0.0.1", 40001,
              "10.0.0.53", 53)
      .Socket(Protocol::kUdp, SocketState::kUnconnected, "0.0.0.0", 40003,
              "0.0.0.0", 0);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_EQ(Headline(r, Protocol::kUdp).exclusive_in_use, 2u);
}

TEST(PortUsageTest, SharedSocketCountsForEveryOwner) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 101)
      .Process(10, "parent", {101})
      .Process(11, "child", {101});
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.processes.size(), 2u);
  EXPECT_EQ(r.processes[0].in_use[0], 1u);
  EXPECT_EQ(r.processes[1].in_use[0], 1u);
}

TEST(PortUsageTest, TopNLimitsProcessesDestinationsAndAddresses) {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  std::uint64_t inode = 1;
  for (int pid = 1; pid <= 5; ++pid) {
    std::vector<std::uint64_t> inodes;
    for (int i = 0; i < pid; ++i) {
      b.Tcp("10.0.0." + std::to_string(pid), 40000 + static_cast<int>(inode),
            "10.1.0." + std::to_string(pid), 443, inode);
      inodes.push_back(inode++);
    }
    b.Process(pid, "p" + std::to_string(pid), inodes);
  }
  AnalysisOptions options;
  options.top_processes = 2;
  options.top_destinations = 3;
  options.top_local_addresses = 1;
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  ASSERT_EQ(r.processes.size(), 2u);
  EXPECT_EQ(r.processes[0].pid, 5);
  EXPECT_EQ(r.processes[1].pid, 4);
  std::size_t tcp_destinations = 0;
  for (const auto& d : r.destinations)
    tcp_destinations += d.protocol == Protocol::kTcp;
  EXPECT_EQ(tcp_destinations, 3u);
  EXPECT_EQ(r.destinations[0].remote_address, "10.1.0.5");
  std::size_t tcp_addresses = 0;
  for (const auto& a : r.local_addresses)
    tcp_addresses += a.protocol == Protocol::kTcp;
  EXPECT_EQ(tcp_addresses, 1u);
  EXPECT_EQ(r.local_addresses[0].address, "10.0.0.5");
}

TEST(PortUsageTest, LocalAddressRowMatchesTheClassicScript) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 1)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443, 2)
      .Tcp("10.0.0.1", 22, "10.0.0.50", 51234, 3)
      .Tcp("10.0.0.1", 22, "0.0.0.0", 0, 4, SocketState::kListen)
      .Tcp("10.0.0.1", 80, "0.0.0.0", 0, 5, SocketState::kListen)
      .Process(7, "a", {1})
      .Process(8, "b", {2, 3, 4, 5});
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_FALSE(r.local_addresses.empty());
  const LocalAddressUsage& a = r.local_addresses[0];
  EXPECT_EQ(a.address, "10.0.0.1");
  EXPECT_EQ(a.in_use, 2u);
  EXPECT_EQ(a.capacity, 100u);
  EXPECT_EQ(a.listening_ports, 2u);
  EXPECT_EQ(a.processes, 2u);
}

TEST(PortUsageTest, WatchedServicesAreReportedEvenWhenStopped) {
  SnapshotBuilder b;
  b.Range(40000, 100)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 1)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443, 2)
      .Process(7, "nginx", {1, 2}, "nginx.service")
      .Service("nginx.service", {7})
      .Service("WAPCSvc", {});
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.services.size(), 2u);
  EXPECT_EQ(r.services[0].name, "nginx.service");
  EXPECT_TRUE(r.services[0].running);
  EXPECT_EQ(r.services[0].in_use[0], 2u);
  EXPECT_EQ(r.services[1].name, "WAPCSvc");
  EXPECT_FALSE(r.services[1].running);
  EXPECT_EQ(r.services[1].in_use[0], 0u);
}

TEST(PortUsageTest, PidSourcesNeverCallAnUnownedSocketOrphaned) {
  SnapshotBuilder b;
  b.Range(49152, 16384)
      .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide);
  b.Tcp("10.0.0.1", 50000, "10.0.0.9", 443);
  b.Tcp("10.0.0.1", 50001, "10.0.0.9", 443, 0, SocketState::kTimeWait);
  b.Get().processes_collected = true;
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  std::map<std::string, std::uint64_t> reasons;
  for (const auto& u : r.unattributed) {
    if (u.protocol == Protocol::kTcp) reasons[u.reason] = u.sockets;
  }
  EXPECT_EQ(reasons["unknown"], 1u);
  EXPECT_EQ(reasons["time_wait"], 1u);
  EXPECT_EQ(reasons["orphaned"], 0u);
}

TEST(PortUsageTest, WindowsPidsNeedNoProcessScan) {
  SnapshotBuilder b;
  b.Range(49152, 16384)
      .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide);
  b.Tcp("10.0.0.1", 50000, "10.0.0.9", 443);
  b.Get().sockets.back().pid = 4242;
  b.Get().processes_collected = true;
  ProcessInfo& info = b.Get().processes[4242];
  info.pid = 4242;
  info.name = "ApplicationProxyConnectorService.exe";
  info.services = {"WAPCSvc"};
  b.Service("WAPCSvc", {4242});
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.processes.size(), 1u);
  EXPECT_EQ(r.processes[0].name, "ApplicationProxyConnectorService.exe");
  EXPECT_EQ(r.services[0].in_use[0], 1u);
}

TEST(PortUsageTest, TopProcessesCarryWhatNamesThemForAnAdmin) {
  SnapshotBuilder b;
  b.Range(49152, 16384)
      .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide);
  b.Tcp("10.0.0.1", 50000, "10.0.0.9", 443);
  b.Get().sockets.back().pid = 1234;
  b.Tcp("10.0.0.1", 50001, "10.0.0.9", 443);
  b.Get().sockets.back().pid = 77;
  b.Get().processes_collected = true;
  ProcessInfo& svchost = b.Get().processes[1234];
  svchost.pid = 1234;
  svchost.name = "svchost.exe";
  svchost.services = {"Dnscache", "NlaSvc"};
  svchost.handles = 12001;
  svchost.executable = "C:\\Windows\\System32\\svchost.exe";
  svchost.user = "NT AUTHORITY\\NETWORK SERVICE";
  b.Get().processes[77].pid = 77;
  b.Get().processes[77].name = "unknown-details";
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  ASSERT_EQ(r.processes.size(), 2u);
  const ProcessUsage& top =
      r.processes[0].pid == 1234 ? r.processes[0] : r.processes[1];
  const ProcessUsage& bare =
      r.processes[0].pid == 77 ? r.processes[0] : r.processes[1];
  EXPECT_EQ(top.services, (std::vector<std::string>{"Dnscache", "NlaSvc"}));
  EXPECT_EQ(top.handles, 12001);
  EXPECT_EQ(top.executable, "C:\\Windows\\System32\\svchost.exe");
  EXPECT_EQ(top.user, "NT AUTHORITY\\NETWORK SERVICE");
  EXPECT_EQ(bare.handles, -1);
  EXPECT_TRUE(bare.services.empty());
  EXPECT_TRUE(bare.executable.empty());
}

TEST(PortUsageTest, EmptySnapshotGivesZerosNotGarbage) {
  SnapshotBuilder b;
  b.Range(32768, 28232);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 0.0);
  EXPECT_TRUE(r.destinations.empty());
  EXPECT_EQ(States(r, Protocol::kTcp, Family::kIpv4, SocketState::kTimeWait),
            0u);
}

TEST(PortUsageTest, NoRangeMeansNoHeadlineInsteadOfADivisionByZero) {
  SnapshotBuilder b;
  b.Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  PortUsageReport r = AnalyzePortUsage(b.Get(), {});
  EXPECT_TRUE(r.exhaustion.empty());
  EXPECT_TRUE(r.pools.empty());
}

}  // namespace
}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
// Pools split by VRF as the kernel keys them: TCP bind buckets and 4-tuples
// per l3mdev (tcp_l3mdev_accept 0), UDP per bound device.
#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"
#include "analysis/port_usage.h"

namespace epx {
namespace {

using testing::SnapshotBuilder;

constexpr std::uint32_t kRed = 5;
constexpr std::uint32_t kRedSlave = 6;
constexpr std::uint32_t kBlue = 7;

// The review's F5 pattern: 50 listeners in VRF red on 40000-40049 of a
// 100-port range, then 50 connects from the default VRF toward :5000.
Snapshot RedListenersDefaultClients(bool with_vrfs, bool tcp_l3mdev_accept) {
  SnapshotBuilder b;
  b.Range(40000, 100);
  for (std::uint16_t i = 0; i < 50; ++i)
    b.Tcp("0.0.0.0", 40000 + i, "0.0.0.0", 0, 0, SocketState::kListen);
  for (std::uint16_t i = 0; i < 50; ++i)
    b.Tcp("127.0.0.1", 40050 + i, "127.0.0.1", 5000);
  Snapshot s = b.Get();
  for (std::size_t i = 0; i < 50; ++i) s.sockets[i].bound_device = kRed;
  if (with_vrfs) {
    s.l3mdev.vrfs = {{kRed, "red"}, {kBlue, "blue"}};
    s.l3mdev.slaves = {{kRedSlave, kRed}};
  }
  s.l3mdev.tcp_l3mdev_accept = tcp_l3mdev_accept;
  return s;
}

const ExhaustionSummary& Headline(const PortUsageReport& r, Protocol p) {
  for (const auto& e : r.exhaustion) {
    if (e.protocol == p) return e;
  }
  static ExhaustionSummary none;
  ADD_FAILURE() << "no headline";
  return none;
}

double Vrf(const PortUsageReport& r, Protocol p, const std::string& vrf) {
  for (const VrfExhaustion& v : r.vrf_exhaustion) {
    if (v.protocol == p && v.vrf == vrf) return v.ratio;
  }
  return -1;
}

TEST(VrfPoolsTest, WithoutVrfsThePoolsAreOneAndNoVrfSeriesIsMade) {
  PortUsageReport r =
      AnalyzePortUsage(RedListenersDefaultClients(false, false), {});
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
  EXPECT_TRUE(r.vrf_exhaustion.empty());
}

TEST(VrfPoolsTest, ListenersInAVrfDoNotHoldPortsForTheDefaultVrf) {
  PortUsageReport r =
      AnalyzePortUsage(RedListenersDefaultClients(true, false), {});
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "default"), 0.5);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "red"), 0.5);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "blue"), 0.0);
  const ExhaustionSummary& tcp = Headline(r, Protocol::kTcp);
  EXPECT_DOUBLE_EQ(tcp.ratio, 0.5);
  EXPECT_EQ(tcp.worst_in_use, 50u);
  // The pools and states stay host-wide.
  EXPECT_EQ(r.pools[0].in_use, 100u);
}

TEST(VrfPoolsTest, TcpL3mdevAcceptSharesOneTcpPool) {
  PortUsageReport r =
      AnalyzePortUsage(RedListenersDefaultClients(true, true), {});
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "red"), -1);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kUdp, "red"), 0.0);
}

TEST(VrfPoolsTest, SocketsOnAVrfSlaveBelongToThatVrf) {
  Snapshot s = RedListenersDefaultClients(true, false);
  for (std::size_t i = 0; i < 50; ++i) s.sockets[i].bound_device = kRedSlave;
  // The red clients: toward the same destination as the default ones,
  // which does not collide across VRFs.
  for (std::size_t i = 50; i < 100; ++i) s.sockets[i].bound_device = kRed;
  PortUsageReport r = AnalyzePortUsage(s, {});
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "red"), 1.0);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kTcp, "default"), 0.0);
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kTcp).ratio, 1.0);
}

TEST(VrfPoolsTest, UdpVrfPoolIsUnboundAndVrfBoundSockets) {
  SnapshotBuilder b;
  b.Range(40000, 100);
  for (std::uint16_t i = 0; i < 30; ++i)
    b.Socket(Protocol::kUdp, SocketState::kUnconnected, "0.0.0.0", 40000 + i,
             "0.0.0.0", 0);
  for (std::uint16_t i = 0; i < 20; ++i)
    b.Socket(Protocol::kUdp, SocketState::kUnconnected, "0.0.0.0", 40030 + i,
             "0.0.0.0", 0);
  for (std::uint16_t i = 0; i < 10; ++i)
    b.Socket(Protocol::kUdp, SocketState::kUnconnected, "0.0.0.0", 40050 + i,
             "0.0.0.0", 0);
  Snapshot s = b.Get();
  for (std::size_t i = 30; i < 50; ++i) s.sockets[i].bound_device = kRed;
  for (std::size_t i = 50; i < 60; ++i) s.sockets[i].bound_device = kBlue;
  s.l3mdev.vrfs = {{kRed, "red"}, {kBlue, "blue"}};
  PortUsageReport r = AnalyzePortUsage(s, {});
  // An unbound client conflicts with every socket: the host headline.
  EXPECT_DOUBLE_EQ(Headline(r, Protocol::kUdp).ratio, 0.6);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kUdp, "default"), 0.6);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kUdp, "red"), 0.5);
  EXPECT_DOUBLE_EQ(Vrf(r, Protocol::kUdp, "blue"), 0.4);
}

}  // namespace
}  // namespace epx

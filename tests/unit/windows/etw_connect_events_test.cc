// SPDX-License-Identifier: Apache-2.0
// Payloads built from the published layouts (cited in
// exporter/sources/windows/etw_event_parser.cc): Kernel-Network 12/28 and
// TCPIP 1050. No recorded ETW trace exists in this project; the field
// order, not a capture, is what these tests pin.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "sources/windows/etw_connect_tally.h"
#include "sources/windows/etw_event_parser.h"

namespace epx {
namespace {

class Payload {
 public:
  Payload& U16(std::uint16_t v) { return Raw(&v, 2); }
  Payload& U32(std::uint32_t v) { return Raw(&v, 4); }
  Payload& U64(std::uint64_t v) { return Raw(&v, 8); }
  Payload& Bytes(std::vector<std::uint8_t> b) {
    return Raw(b.data(), b.size());
  }
  /// A port in network byte order.
  Payload& Port(std::uint16_t p) {
    return Bytes({static_cast<std::uint8_t>(p >> 8),
                  static_cast<std::uint8_t>(p & 0xff)});
  }
  const std::vector<std::uint8_t>& data() const { return data_; }

 private:
  Payload& Raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    data_.insert(data_.end(), b, b + n);
    return *this;
  }
  std::vector<std::uint8_t> data_;
};

/// Kernel-Network 12 (TCPv4 connection attempted): PID, size, daddr,
/// saddr, dport, sport, mss, sackopt, tsopt, wsopt, rcvwin, rcvwinscale,
/// sndwinscale, seqnum, connid.
Payload Attempt4(std::uint32_t pid, std::vector<std::uint8_t> remote,
                 std::uint16_t remote_port, std::uint16_t local_port) {
  Payload p;
  p.U32(pid).U32(0).Bytes(remote).Bytes({10, 0, 0, 5});
  p.Port(remote_port).Port(local_port);
  p.U16(1460).U16(1).U16(0).U16(1).U32(65535).U16(8).U16(8).U32(7).U32(9);
  return p;
}

/// A sockaddr_in: family 2 (host order), port (network order), address.
std::vector<std::uint8_t> SockaddrIn(std::vector<std::uint8_t> a,
                                     std::uint16_t port) {
  std::vector<std::uint8_t> s(16, 0);
  s[0] = 2;
  s[2] = static_cast<std::uint8_t>(port >> 8);
  s[3] = static_cast<std::uint8_t>(port & 0xff);
  for (std::size_t i = 0; i < a.size() && i < 4; ++i) s[4 + i] = a[i];
  return s;
}

TEST(EtwConnectEventsTest, DecodesATcpv4ConnectAttempt) {
  Payload p = Attempt4(4321, {192, 0, 2, 10}, 443, 50123);
  ASSERT_EQ(p.data().size(), 44u);
  EtwConnectEvent e;
  ASSERT_TRUE(DecodeConnectEvent(EtwProvider::kKernelNetwork, 12, 0,
                                 p.data().data(), p.data().size(), &e));
  EXPECT_EQ(e.kind, EtwConnectEvent::Kind::kAttempt);
  EXPECT_EQ(e.family, Family::kIpv4);
  EXPECT_EQ(e.pid, 4321u);
  EXPECT_EQ(e.remote_address.ToString(), "192.0.2.10");
  EXPECT_EQ(e.remote_port, 443);
}

TEST(EtwConnectEventsTest, DecodesATcpv6ConnectAttempt) {
  std::vector<std::uint8_t> remote(16, 0), local(16, 0);
  remote[0] = 0x20;
  remote[1] = 0x01;
  remote[2] = 0x0d;
  remote[3] = 0xb8;
  remote[15] = 0x05;
  local[15] = 1;
  Payload p;
  p.U32(77).U32(0).Bytes(remote).Bytes(local).Port(8443).Port(61000);
  p.U16(1440).U16(1).U16(0).U16(1).U32(65535).U16(8).U16(8).U32(7).U32(9);
  ASSERT_EQ(p.data().size(), 68u);
  EtwConnectEvent e;
  ASSERT_TRUE(DecodeConnectEvent(EtwProvider::kKernelNetwork, 28, 0,
                                 p.data().data(), p.data().size(), &e));
  EXPECT_EQ(e.family, Family::kIpv6);
  EXPECT_EQ(e.pid, 77u);
  EXPECT_EQ(e.remote_address.ToString(), "2001:db8::5");
  EXPECT_EQ(e.remote_port, 8443);
}

TEST(EtwConnectEventsTest, RejectsShortPayloadsAndEventsNotAskedFor) {
  Payload p = Attempt4(1, {127, 0, 0, 1}, 80, 50000);
  EtwConnectEvent e;
  EXPECT_FALSE(DecodeConnectEvent(EtwProvider::kKernelNetwork, 12, 0,
                                  p.data().data(), 19, &e));
  EXPECT_FALSE(DecodeConnectEvent(EtwProvider::kKernelNetwork, 17, 0,
                                  p.data().data(), p.data().size(), &e));
  EXPECT_FALSE(DecodeConnectEvent(EtwProvider::kTcpip, 12, 0, p.data().data(),
                                  p.data().size(), &e));
}

TEST(EtwConnectEventsTest, DecodesAPortAcquisitionFailureWithItsProcess) {
  std::vector<std::uint8_t> local = SockaddrIn({10, 0, 0, 5}, 0);
  std::vector<std::uint8_t> remote = SockaddrIn({198, 51, 100, 7}, 389);
  for (std::uint8_t version : {0, 1}) {
    Payload p;
    p.U32(16).Bytes(local).U32(16).Bytes(remote);
    p.U32(0xC0000209).U32(2468).U32(1).U64(0xffffa0001234);
    if (version == 1) p.U64(99);
    EtwConnectEvent e;
    ASSERT_TRUE(DecodeConnectEvent(EtwProvider::kTcpip, 1050, version,
                                   p.data().data(), p.data().size(), &e));
    EXPECT_EQ(e.kind, EtwConnectEvent::Kind::kNoPort);
    EXPECT_EQ(e.pid, 2468u);
    EXPECT_EQ(e.family, Family::kIpv4);
    EXPECT_EQ(e.remote_address.ToString(), "198.51.100.7");
    EXPECT_EQ(e.remote_port, 389);
  }
}

TEST(EtwConnectEventsTest, RejectsAFailureWhoseAddressLengthOverrunsIt) {
  Payload p;
  p.U32(16).Bytes(SockaddrIn({10, 0, 0, 5}, 0)).U32(4000);
  EtwConnectEvent e;
  EXPECT_FALSE(DecodeConnectEvent(EtwProvider::kTcpip, 1050, 0, p.data().data(),
                                  p.data().size(), &e));
}

TEST(EtwConnectEventsTest, TallyCountsPerFamilyProcessAndDestination) {
  EtwConnectTally tally(2, 1);
  EtwConnectEvent connect;
  connect.pid = 10;
  tally.Add(connect);
  tally.Add(connect);
  EtwConnectEvent fail;
  fail.kind = EtwConnectEvent::Kind::kNoPort;
  fail.pid = 10;
  fail.remote_address = IpAddress::V4(198, 51, 100, 7);
  fail.remote_port = 389;
  tally.Add(fail);
  EtwConnectEvent other = fail;
  other.kind = EtwConnectEvent::Kind::kOtherFailure;
  tally.Add(other);
  EtwConnectEvent v6 = connect;
  v6.family = Family::kIpv6;
  v6.pid = 11;
  tally.Add(v6);
  EtwConnectEvent third = connect;
  third.pid = 12;
  tally.Add(third);
  EtwConnectEvent elsewhere = fail;
  elsewhere.remote_port = 636;
  tally.Add(elsewhere);

  ConnectEvents c = tally.Counts();
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.tcp_connects[0], 3u);
  EXPECT_EQ(c.tcp_connects[1], 1u);
  EXPECT_EQ(c.tcp_connect_failures[0], 2u);
  ASSERT_EQ(c.processes.size(), 2u);
  EXPECT_EQ(c.processes[0].pid, 10);
  EXPECT_EQ(c.processes[0].connects, 2u);
  EXPECT_EQ(c.processes[0].connect_failures, 2u);
  EXPECT_EQ(c.processes_dropped, 1u);
  ASSERT_EQ(c.destinations.size(), 1u);
  EXPECT_EQ(c.destinations[0].port, 389);
  EXPECT_EQ(c.destinations_dropped, 1u);
}

}  // namespace
}  // namespace epx

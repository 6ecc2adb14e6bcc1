// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/iphlpapi_table_parser.h"

#include <gtest/gtest.h>

#include "fixture_util.h"

namespace epx {
namespace {

IphlpapiParseResult Parse(const std::vector<std::uint8_t>& bytes,
                          IphlpapiTableKind kind) {
  IphlpapiParseResult result;
  std::string error;
  EXPECT_TRUE(
      ParseIphlpapiTable(bytes.data(), bytes.size(), kind, &result, &error))
      << error;
  return result;
}

std::string Text(const IpAddress& a) { return a.ToString(); }

TEST(IphlpapiTableParserTest, RowSizesMatchTheMibStructs) {
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kTcp4OwnerPid), 24u);
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kTcp6OwnerPid), 56u);
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kUdp4OwnerPid), 12u);
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kUdp6OwnerPid), 28u);
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kTcp4Bound), 28u);
  EXPECT_EQ(IphlpapiRowSize(IphlpapiTableKind::kTcp6Bound), 60u);
}

TEST(IphlpapiTableParserTest, ConvertsTcp4RowsPortsToHostOrder) {
  auto r = Parse(ReadHexFixture("tcp4_owner_pid.hex"),
                 IphlpapiTableKind::kTcp4OwnerPid);
  ASSERT_EQ(r.sockets.size(), 4u);
  EXPECT_EQ(r.bad_rows, 0u);
  const SocketRecord& listen = r.sockets[0];
  EXPECT_EQ(listen.protocol, Protocol::kTcp);
  EXPECT_EQ(listen.family, Family::kIpv4);
  EXPECT_EQ(listen.state, SocketState::kListen);
  EXPECT_EQ(Text(listen.local_address), "0.0.0.0");
  EXPECT_EQ(listen.local_port, 135);
  EXPECT_EQ(listen.pid, 1024);

  const SocketRecord& est = r.sockets[1];
  EXPECT_EQ(est.state, SocketState::kEstablished);
  EXPECT_EQ(Text(est.local_address), "10.0.0.5");
  EXPECT_EQ(est.local_port, 49712);
  EXPECT_EQ(Text(est.remote_address), "52.1.2.3");
  EXPECT_EQ(est.remote_port, 443);
  EXPECT_EQ(est.pid, 4242);

  const SocketRecord& tw = r.sockets[2];
  EXPECT_EQ(tw.state, SocketState::kTimeWait);
  EXPECT_EQ(tw.local_port, 65535);
  EXPECT_EQ(tw.remote_port, 445);
  EXPECT_EQ(tw.pid, kUnknownPid) << "pid 0 means no owner";

  EXPECT_EQ(r.sockets[3].state, SocketState::kSynRecv);
  EXPECT_EQ(r.sockets[3].remote_port, 50001);
  EXPECT_EQ(r.sockets[3].pid, 4);
}

TEST(IphlpapiTableParserTest, ConvertsTcp6Rows) {
  auto r = Parse(ReadHexFixture("tcp6_owner_pid.hex"),
                 IphlpapiTableKind::kTcp6OwnerPid);
  ASSERT_EQ(r.sockets.size(), 2u);
  EXPECT_EQ(r.sockets[0].family, Family::kIpv6);
  EXPECT_EQ(Text(r.sockets[0].local_address), "2001:db8::5");
  EXPECT_EQ(r.sockets[0].local_port, 50123);
  EXPECT_EQ(Text(r.sockets[0].remote_address), "2001:db8::443");
  EXPECT_EQ(r.sockets[0].remote_port, 443);
  EXPECT_EQ(r.sockets[0].state, SocketState::kEstablished);
  EXPECT_EQ(r.sockets[0].pid, 4242);
  EXPECT_EQ(r.sockets[1].state, SocketState::kDeleteTcb);
  EXPECT_EQ(r.sockets[1].pid, kUnknownPid);
}

TEST(IphlpapiTableParserTest, UdpRowsAreUnconnected) {
  auto r = Parse(ReadHexFixture("udp_owner_pid.hex"),
                 IphlpapiTableKind::kUdp4OwnerPid);
  ASSERT_EQ(r.sockets.size(), 2u);
  EXPECT_EQ(r.sockets[0].protocol, Protocol::kUdp);
  EXPECT_EQ(r.sockets[0].state, SocketState::kUnconnected);
  EXPECT_EQ(r.sockets[0].local_port, 123);
  EXPECT_EQ(r.sockets[0].pid, 1337);
  EXPECT_EQ(Text(r.sockets[1].local_address), "10.0.0.5");
  EXPECT_EQ(r.sockets[1].local_port, 58000);
  EXPECT_EQ(r.sockets[1].remote_port, 0);

  auto r6 = Parse(ReadHexFixture("udp6_owner_pid.hex"),
                  IphlpapiTableKind::kUdp6OwnerPid);
  ASSERT_EQ(r6.sockets.size(), 1u);
  EXPECT_EQ(r6.sockets[0].family, Family::kIpv6);
  EXPECT_EQ(Text(r6.sockets[0].local_address), "fe80::1");
  EXPECT_EQ(r6.sockets[0].local_port, 5353);
  EXPECT_EQ(r6.sockets[0].pid, 2020);
  EXPECT_EQ(r6.sockets[0].state, SocketState::kUnconnected);
}

TEST(IphlpapiTableParserTest, BoundTableRowsAreBound) {
  auto r =
      Parse(ReadHexFixture("tcp4_bound.hex"), IphlpapiTableKind::kTcp4Bound);
  ASSERT_EQ(r.sockets.size(), 1u);
  EXPECT_EQ(r.sockets[0].state, SocketState::kBound);
  EXPECT_EQ(r.sockets[0].local_port, 61000);
  EXPECT_EQ(r.sockets[0].pid, 4242);
  EXPECT_TRUE(IsExclusiveState(r.sockets[0].state));
}

// System Informer keeps the bound table's own dwState and names 100
// (MIB_TCP_STATE_RESERVED) "Bound" (SystemInformer/netprv.c,
// PhGetNetworkConnections and PhTcpStateStrings). A row in a connection
// state is a socket the connection table lists with that state, so it is
// dropped here rather than counted twice.
TEST(IphlpapiTableParserTest, BoundTableRowsInAConnectionStateAreDropped) {
  auto bytes = ReadHexFixture("tcp4_bound.hex");
  bytes[4] = 5;  // dwState of the only row: ESTABLISHED
  auto r = Parse(bytes, IphlpapiTableKind::kTcp4Bound);
  EXPECT_TRUE(r.sockets.empty());
  EXPECT_EQ(r.bad_rows, 0u);
  bytes[4] = 42;  // not a MIB_TCP_STATE value
  r = Parse(bytes, IphlpapiTableKind::kTcp4Bound);
  EXPECT_TRUE(r.sockets.empty());
  EXPECT_EQ(r.bad_rows, 1u);
}

// The bound-table export is called from Windows 10 1809 (build 17763) on,
// as System Informer does (WindowsVersion >= WINDOWS_10_RS5 in
// PhGetNetworkConnections, SystemInformer/netprv.c). Its layout on Server
// 2016 (14393) has not been checked.
TEST(IphlpapiTableParserTest, BoundTablesFromWindows10Build17763On) {
  EXPECT_FALSE(BoundTablesSupported(6, 9600));
  EXPECT_FALSE(BoundTablesSupported(10, 14393));
  EXPECT_FALSE(BoundTablesSupported(10, 17134));
  EXPECT_TRUE(BoundTablesSupported(10, 17763));
  EXPECT_TRUE(BoundTablesSupported(10, 20348));
  EXPECT_TRUE(BoundTablesSupported(11, 0));
  EXPECT_FALSE(BoundTablesSupported(0, 0));  // version unknown
}

TEST(IphlpapiTableParserTest, MapsEveryMibTcpState) {
  const SocketState expected[] = {
      SocketState::kClose,       SocketState::kListen,
      SocketState::kSynSent,     SocketState::kSynRecv,
      SocketState::kEstablished, SocketState::kFinWait1,
      SocketState::kFinWait2,    SocketState::kCloseWait,
      SocketState::kClosing,     SocketState::kLastAck,
      SocketState::kTimeWait,    SocketState::kDeleteTcb};
  for (std::uint32_t v = 1; v <= 12; ++v) {
    SocketState s;
    ASSERT_TRUE(MapMibTcpState(v, &s)) << v;
    EXPECT_EQ(s, expected[v - 1]) << v;
  }
  SocketState s;
  EXPECT_TRUE(MapMibTcpState(100, &s));
  EXPECT_EQ(s, SocketState::kBound);
  EXPECT_FALSE(MapMibTcpState(0, &s));
  EXPECT_FALSE(MapMibTcpState(13, &s));
}

TEST(IphlpapiTableParserTest, SkipsAndCountsRowsWithUnknownState) {
  auto bytes = ReadHexFixture("tcp4_owner_pid.hex");
  bytes[4] = 0x2a;  // first row's state: 42
  auto r = Parse(bytes, IphlpapiTableKind::kTcp4OwnerPid);
  EXPECT_EQ(r.sockets.size(), 3u);
  EXPECT_EQ(r.bad_rows, 1u);
}

TEST(IphlpapiTableParserTest, RejectsTruncatedTables) {
  auto bytes = ReadHexFixture("tcp4_owner_pid.hex");
  IphlpapiParseResult r;
  std::string error;
  EXPECT_FALSE(ParseIphlpapiTable(bytes.data(), 4 + 3 * 24 + 10,
                                  IphlpapiTableKind::kTcp4OwnerPid, &r,
                                  &error));
  EXPECT_NE(error.find("claims 4 rows"), std::string::npos) << error;
  EXPECT_FALSE(ParseIphlpapiTable(
      bytes.data(), 3, IphlpapiTableKind::kTcp4OwnerPid, &r, &error));
  const std::uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  EXPECT_FALSE(ParseIphlpapiTable(
      huge, sizeof huge, IphlpapiTableKind::kTcp6OwnerPid, &r, &error));
  EXPECT_TRUE(r.sockets.empty());
}

TEST(IphlpapiTableParserTest, EmptyTableIsFine) {
  const std::uint8_t empty[] = {0, 0, 0, 0};
  IphlpapiParseResult r;
  std::string error;
  EXPECT_TRUE(ParseIphlpapiTable(empty, sizeof empty,
                                 IphlpapiTableKind::kUdp6OwnerPid, &r, &error));
  EXPECT_TRUE(r.sockets.empty());
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

SocketRecord Row(SocketState state, const char* local, std::uint16_t port,
                 std::int64_t pid, const char* remote = "0.0.0.0",
                 std::uint16_t remote_port = 0) {
  SocketRecord s;
  s.protocol = Protocol::kTcp;
  s.state = state;
  IpAddress::Parse(local, &s.local_address);
  IpAddress::Parse(remote, &s.remote_address);
  s.family = s.local_address.family;
  s.local_port = port;
  s.remote_port = remote_port;
  s.pid = pid;
  return s;
}

TEST(BoundRowsTest, DropsBoundRowsThatDuplicateAConnection) {
  // A bind()-then-connect() socket seen in both tables (netstat -anoq
  // documents that bound ports may be associated with a connection), a
  // bound-only socket, and the same port bound by another process.
  std::vector<SocketRecord> rows = {
      Row(SocketState::kEstablished, "10.0.0.5", 50001, 700, "10.0.0.9", 443),
      Row(SocketState::kListen, "0.0.0.0", 50003, 701),
      Row(SocketState::kBound, "10.0.0.5", 50001, 700),
      Row(SocketState::kBound, "10.0.0.5", 50002, 700),
      Row(SocketState::kBound, "10.0.0.5", 50001, 702),
      Row(SocketState::kBound, "0.0.0.0", 50003, 701),
  };
  EXPECT_EQ(DropBoundRowsOfConnections(&rows), 1u);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[2].local_port, 50002);
  EXPECT_EQ(rows[3].pid, 702);
  EXPECT_EQ(rows[4].state, SocketState::kBound);  // a listener is no connection
}

// Whether a socket bound to 0.0.0.0:0 and then connected shows its
// connection's address or the wildcard in the bound table is undocumented;
// a wildcard row of the same family, port and owner is the same socket.
TEST(BoundRowsTest, DropsAWildcardBoundRowOfAConnection) {
  std::vector<SocketRecord> rows = {
      Row(SocketState::kBound, "0.0.0.0", 50001, 7),
      Row(SocketState::kEstablished, "10.0.0.5", 50001, 7, "10.0.0.9", 443),
  };
  EXPECT_EQ(DropBoundRowsOfConnections(&rows), 1u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, SocketState::kEstablished);

  std::vector<SocketRecord> others = {
      Row(SocketState::kEstablished, "fd00::5", 50001, 7, "fd00::9", 443),
      Row(SocketState::kBound, "::", 50001, 7),
      Row(SocketState::kBound, "0.0.0.0", 50001, 7),  // other family
      Row(SocketState::kBound, "::", 50001, 8),       // other owner
      Row(SocketState::kBound, "::", 50002, 7),       // other port
      Row(SocketState::kBound, "fd00::6", 50001, 7),  // other, specific address
  };
  EXPECT_EQ(DropBoundRowsOfConnections(&others), 1u);
  ASSERT_EQ(others.size(), 5u);
  EXPECT_EQ(others[1].family, Family::kIpv4);
}

TEST(BoundRowsTest, IPv6RowsMatchOnlyIPv6Connections) {
  std::vector<SocketRecord> rows = {
      Row(SocketState::kTimeWait, "fd00::5", 50001, 700, "fd00::9", 443),
      Row(SocketState::kBound, "fd00::5", 50001, 700),
      Row(SocketState::kBound, "10.0.0.5", 50001, 700),
  };
  EXPECT_EQ(DropBoundRowsOfConnections(&rows), 1u);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].family, Family::kIpv4);
}

}  // namespace
}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/procfs_net_parser.h"

#include <gtest/gtest.h>

#include "../../support/fixture.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// /proc/net rows hold addresses in host byte order; the fixtures and the
// inline rows below were written on little-endian x86_64.

namespace epx {
namespace {

using testing::ReadFixture;

IpAddress Ip(const std::string& text) {
  IpAddress ip;
  EXPECT_TRUE(IpAddress::Parse(text, &ip)) << text;
  return ip;
}

const char kTcpHeader[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
    "retrnsmt   uid  timeout inode\n";

std::string TcpRow(const std::string& sl, const std::string& local,
                   const std::string& remote, const std::string& state,
                   const std::string& inode) {
  return sl + ": " + local + " " + remote + " " + state +
         " 00000000:00000000 00:00000000 00000000     0        0 " + inode +
         " 1 0000000000000000 100 0 0 10 0\n";
}

TEST(ProcNetParserTest, ParsesRecordedTcp) {
  ProcNetParseResult r = ParseProcNet(ReadFixture("procfs/net/tcp"),
                                      Protocol::kTcp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, 0u);
  // The bound-only socket (inode 75482) is not listed by /proc/net/tcp.
  ASSERT_EQ(r.sockets.size(), 10u);
  const SocketRecord& listener = r.sockets[0];
  EXPECT_EQ(listener.protocol, Protocol::kTcp);
  EXPECT_EQ(listener.family, Family::kIpv4);
  EXPECT_EQ(listener.state, SocketState::kListen);
  EXPECT_EQ(listener.local_address.ToString(), "127.0.0.1");
  EXPECT_EQ(listener.local_port, 8080);
  EXPECT_TRUE(listener.remote_address.IsUnspecified());
  EXPECT_EQ(listener.remote_port, 0);
  EXPECT_EQ(listener.inode, 75478u);
  EXPECT_EQ(listener.pid, kUnknownPid);
  // Client-closed connections sit in TIME_WAIT, owned by the kernel.
  for (int i : {3, 4}) {
    EXPECT_EQ(r.sockets[i].state, SocketState::kTimeWait) << i;
    EXPECT_EQ(r.sockets[i].inode, 0u) << i;
    EXPECT_EQ(r.sockets[i].remote_port, 8080) << i;
  }
  EXPECT_EQ(r.sockets[3].local_port, 40698);
  EXPECT_EQ(r.sockets[4].local_port, 40702);
  // "03:00001739": a timewait object with 0x1739 clock ticks (10 ms) left.
  EXPECT_TRUE(r.sockets[3].timewait_object);
  EXPECT_EQ(r.sockets[3].expires_ms, 59450u);
  EXPECT_FALSE(r.sockets[7].timewait_object);
  EXPECT_EQ(r.sockets[7].state, SocketState::kEstablished);
  EXPECT_EQ(r.sockets[7].local_port, 40726);
  EXPECT_EQ(r.sockets[7].inode, 75494u);
  // Server side of the connection from the v4-mapped client.
  EXPECT_EQ(r.sockets[8].local_port, 8080);
  EXPECT_EQ(r.sockets[8].remote_port, 40728);
  EXPECT_EQ(r.sockets[8].inode, 75495u);
}

TEST(ProcNetParserTest, ParsesRecordedTcp6WithV4MappedRow) {
  ProcNetParseResult r = ParseProcNet(ReadFixture("procfs/net/tcp6"),
                                      Protocol::kTcp, Family::kIpv6);
  EXPECT_EQ(r.malformed_lines, 0u);
  ASSERT_EQ(r.sockets.size(), 5u);
  EXPECT_EQ(r.sockets[0].local_address, Ip("::1"));
  EXPECT_EQ(r.sockets[0].local_port, 8080);
  EXPECT_EQ(r.sockets[0].state, SocketState::kListen);
  EXPECT_EQ(r.sockets[1].local_address, Ip("::"));
  EXPECT_EQ(r.sockets[1].local_port, 40200);
  EXPECT_EQ(r.sockets[1].inode, 75479u);
  EXPECT_EQ(r.sockets[4].remote_address, Ip("::1"));
  EXPECT_EQ(r.sockets[4].local_port, 40074);
  EXPECT_EQ(r.sockets[4].state, SocketState::kEstablished);
  const SocketRecord& mapped = r.sockets[3];
  EXPECT_EQ(mapped.family, Family::kIpv6);
  EXPECT_TRUE(mapped.local_address.IsV4Mapped());
  EXPECT_EQ(mapped.local_address.ToString(), "::ffff:127.0.0.1");
  EXPECT_EQ(mapped.remote_address.Canonical(), IpAddress::V4(127, 0, 0, 1));
  EXPECT_EQ(mapped.local_port, 40728);
  EXPECT_EQ(mapped.remote_port, 8080);
  EXPECT_EQ(mapped.inode, 75496u);
}

TEST(ProcNetParserTest, ParsesRecordedUdpStates) {
  ProcNetParseResult r = ParseProcNet(ReadFixture("procfs/net/udp"),
                                      Protocol::kUdp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, 0u);
  ASSERT_EQ(r.sockets.size(), 2u);
  EXPECT_EQ(r.sockets[0].protocol, Protocol::kUdp);
  EXPECT_EQ(r.sockets[0].state, SocketState::kEstablished);
  EXPECT_EQ(r.sockets[0].local_port, 40492);
  EXPECT_EQ(r.sockets[0].remote_address, IpAddress::V4(127, 0, 0, 1));
  EXPECT_EQ(r.sockets[0].remote_port, 53);
  EXPECT_EQ(r.sockets[0].inode, 75499u);
  EXPECT_EQ(r.sockets[1].state, SocketState::kUnconnected);
  EXPECT_TRUE(r.sockets[1].local_address.IsUnspecified());
  EXPECT_EQ(r.sockets[1].local_port, 40978);
  EXPECT_EQ(r.sockets[1].inode, 75481u);
}

TEST(ProcNetParserTest, HeaderOnlyFileHasNoSockets) {
  ProcNetParseResult r = ParseProcNet(ReadFixture("procfs/net/udp6"),
                                      Protocol::kUdp, Family::kIpv6);
  EXPECT_TRUE(r.sockets.empty());
  EXPECT_EQ(r.malformed_lines, 0u);
  r = ParseProcNet("", Protocol::kTcp, Family::kIpv4);
  EXPECT_TRUE(r.sockets.empty());
  EXPECT_EQ(r.malformed_lines, 0u);
}

TEST(ProcNetParserTest, ParsesIpv6Rows) {
  // 2001:db8::1 port 443 -> fe80::a:b port 50000, lower-case hex.
  std::string text =
      TcpRow("   0", "B80D0120000000000000000001000000:01BB",
             "000080FE00000000000000000B000A00:c350", "01", "4294967295");
  ProcNetParseResult r = ParseProcNet(text, Protocol::kTcp, Family::kIpv6);
  EXPECT_EQ(r.malformed_lines, 0u);
  ASSERT_EQ(r.sockets.size(), 1u);
  EXPECT_EQ(r.sockets[0].local_address.ToString(), "2001:db8::1");
  EXPECT_EQ(r.sockets[0].local_port, 443);
  EXPECT_EQ(r.sockets[0].remote_address.ToString(), "fe80::a:b");
  EXPECT_EQ(r.sockets[0].remote_port, 50000);
  EXPECT_EQ(r.sockets[0].inode, 4294967295u);
}

// Sockfs numbers sockets with get_next_ino(), 32 bits; `%lu` could print
// more, which a row cannot come from a socket.
TEST(ProcNetParserTest, InodeWiderThan32BitsIsMalformed) {
  std::string text =
      TcpRow("   0", "0100007F:1F90", "0100007F:C350", "01", "4294967296");
  ProcNetParseResult r = ParseProcNet(text, Protocol::kTcp, Family::kIpv4);
  EXPECT_TRUE(r.sockets.empty());
  EXPECT_EQ(r.malformed_lines, 1u);
}

// TCP_CLOSE (7) shows up in dumps only for sockets that are bound but
// neither listening nor connected (see the bound-only socket in
// fixtures/netlink/tcp4.bin), so it maps to kBound like
// TCP_BOUND_INACTIVE (13).
TEST(ProcNetParserTest, MapsTcpStateNumbers) {
  const SocketState kExpected[] = {
      SocketState::kEstablished, SocketState::kSynSent,
      SocketState::kSynRecv,     SocketState::kFinWait1,
      SocketState::kFinWait2,    SocketState::kTimeWait,
      SocketState::kBound,       SocketState::kCloseWait,
      SocketState::kLastAck,     SocketState::kListen,
      SocketState::kClosing,     SocketState::kNewSynRecv,
      SocketState::kBound};
  for (int n = 1; n <= 13; ++n) {
    SocketState s = SocketState::kUnconnected;
    EXPECT_TRUE(LinuxStateFromNumber(n, Protocol::kTcp, &s)) << n;
    EXPECT_EQ(s, kExpected[n - 1]) << n;
  }
  SocketState s = SocketState::kListen;
  EXPECT_FALSE(LinuxStateFromNumber(0, Protocol::kTcp, &s));
  EXPECT_FALSE(LinuxStateFromNumber(14, Protocol::kTcp, &s));
  EXPECT_FALSE(LinuxStateFromNumber(-1, Protocol::kTcp, &s));
  EXPECT_EQ(s, SocketState::kListen);
}

TEST(ProcNetParserTest, MapsUdpStateNumbers) {
  SocketState s;
  ASSERT_TRUE(LinuxStateFromNumber(1, Protocol::kUdp, &s));
  EXPECT_EQ(s, SocketState::kEstablished);
  ASSERT_TRUE(LinuxStateFromNumber(7, Protocol::kUdp, &s));
  EXPECT_EQ(s, SocketState::kUnconnected);
  for (int n : {0, 2, 6, 10, 13}) {
    EXPECT_FALSE(LinuxStateFromNumber(n, Protocol::kUdp, &s)) << n;
  }
}

TEST(ProcNetParserTest, TcpState13IsBound) {
  std::string text =
      std::string(kTcpHeader) +
      TcpRow("   0", "0100007F:9C41", "00000000:0000", "0D", "777");
  ProcNetParseResult r = ParseProcNet(text, Protocol::kTcp, Family::kIpv4);
  ASSERT_EQ(r.sockets.size(), 1u);
  EXPECT_EQ(r.sockets[0].state, SocketState::kBound);
  EXPECT_EQ(r.sockets[0].local_port, 40001);
}

TEST(ProcNetParserTest, CountsMalformedLinesAndKeepsGoodOnes) {
  const std::string good =
      TcpRow("   0", "0100007F:1F90", "00000000:0000", "0A", "1");
  const std::string bad[] = {
      "   1: 0100007F:1F90 00000000:0000 0A\n",  // too few fields
      TcpRow("   2", "0100007F1F90", "00000000:0000", "0A", "2"),    // no ':'
      TcpRow("   3", "00007F:1F90", "00000000:0000", "0A", "3"),     // short
      TcpRow("   4", "0100007G:1F90", "00000000:0000", "0A", "4"),   // hex
      TcpRow("   5", "0100007F:10000", "00000000:0000", "0A", "5"),  // port
      TcpRow("   6", "0100007F:1F90", "00000000:0000", "0E", "6"),   // state
      TcpRow("   7", "0100007F:1F90", "00000000:0000", "00", "7"),   // state
      TcpRow("   8", "0100007F:1F90", "00000000:0000", "0A", "x8"),  // inode
      TcpRow("   9", "0100007F:1F90", "00000000:0000", "0A",
             "99999999999999999999"),                                // inode
      TcpRow("  10", "0100007F:1F90", "00000000:0000", "0A", "-1"),  // inode
      TcpRow("  11", "00000000000000000000000001000000:1F90",        // ipv6
             "00000000:0000", "0A", "11"),
      TcpRow("  12 ", "0100007F:1F90", "00000000:0000", "0A", "12"),  // sl
      std::string(kTcpHeader),  // a header that is not the first line
      "garbage\n",
  };
  std::string text = std::string(kTcpHeader) + good;
  for (const std::string& line : bad) text += line + "\n" + good;
  ProcNetParseResult r = ParseProcNet(text, Protocol::kTcp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, sizeof(bad) / sizeof(bad[0]));
  EXPECT_EQ(r.sockets.size(), sizeof(bad) / sizeof(bad[0]) + 1);
}

TEST(ProcNetParserTest, HeaderIsOptionalAndLastLineNeedsNoNewline) {
  std::string row =
      TcpRow("   0", "0100007F:1F90", "00000000:0000", "0A", "42");
  row.pop_back();
  ProcNetParseResult r = ParseProcNet(row, Protocol::kTcp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, 0u);
  ASSERT_EQ(r.sockets.size(), 1u);
  EXPECT_EQ(r.sockets[0].inode, 42u);
  // CRLF line ends and blank lines are tolerated.
  r = ParseProcNet(std::string(kTcpHeader) + "\r\n" + row + "\r\n\n",
                   Protocol::kTcp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, 0u);
  EXPECT_EQ(r.sockets.size(), 1u);
}

TEST(ProcNetParserTest, UdpRejectsTcpOnlyStates) {
  std::string text =
      TcpRow("  12", "00000000:0035", "00000000:0000", "0A", "5") +  // listen
      TcpRow("  13", "00000000:0036", "00000000:0000", "07", "6");
  ProcNetParseResult r = ParseProcNet(text, Protocol::kUdp, Family::kIpv4);
  EXPECT_EQ(r.malformed_lines, 1u);
  ASSERT_EQ(r.sockets.size(), 1u);
  EXPECT_EQ(r.sockets[0].state, SocketState::kUnconnected);
  EXPECT_EQ(r.sockets[0].local_port, 54);
}

TEST(ProcNetParserTest, PiecesOfAnySizeParseAsTheWholeFile) {
  std::string text = ReadFixture("procfs/net/tcp");
  ProcNetParseResult whole = ParseProcNet(text, Protocol::kTcp, Family::kIpv4);
  ASSERT_GT(whole.sockets.size(), 3u);
  for (std::size_t piece : {1u, 7u, 150u, 4096u}) {
    std::vector<SocketRecord> out;
    ProcNetStreamParser parser(Protocol::kTcp, Family::kIpv4, &out);
    for (std::size_t at = 0; at < text.size(); at += piece)
      parser.Feed(std::string_view(text).substr(at, piece));
    parser.Finish();
    EXPECT_EQ(parser.malformed_lines(), 0u) << piece;
    ASSERT_EQ(out.size(), whole.sockets.size()) << piece;
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].local_port, whole.sockets[i].local_port) << piece;
      EXPECT_EQ(out[i].remote_port, whole.sockets[i].remote_port) << piece;
      EXPECT_EQ(out[i].inode, whole.sockets[i].inode) << piece;
      EXPECT_EQ(out[i].state, whole.sockets[i].state) << piece;
    }
  }
}

}  // namespace
}  // namespace epx

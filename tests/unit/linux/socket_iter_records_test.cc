// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_iter_records.h"

#include <arpa/inet.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace epx {
namespace {

epx_socket_record Tcp4(std::uint8_t state, std::uint16_t local_port,
                       std::uint16_t remote_port) {
  epx_socket_record r{};
  r.protocol = EPX_SOCKET_TCP;
  r.family = 2;
  r.state = state;
  r.local_port = local_port;
  r.remote_port = remote_port;
  const unsigned char local[4] = {127, 0, 0, 1};
  const unsigned char remote[4] = {10, 1, 2, 3};
  std::memcpy(r.local_addr, local, 4);
  std::memcpy(r.remote_addr, remote, 4);
  return r;
}

std::vector<std::uint8_t> Bytes(const std::vector<epx_socket_record>& rs) {
  std::vector<std::uint8_t> out(rs.size() * sizeof(epx_socket_record));
  if (!rs.empty()) std::memcpy(out.data(), rs.data(), out.size());
  return out;
}

TEST(SocketIterRecordsTest, RecordsAreFixedSize) {
  EXPECT_EQ(sizeof(epx_socket_record), 64u);
}

TEST(SocketIterRecordsTest, DecodesAddressesPortsStateInodeAndFacts) {
  epx_socket_record r = Tcp4(1, 40001, 443);
  r.inode = 123456;
  r.flags = EPX_SOCKET_FULL | EPX_SOCKET_BIND_BUCKET | EPX_SOCKET_REUSEADDR;
  r.range_low = 41000;
  r.range_high = 41099;
  std::vector<std::uint8_t> data = Bytes({r});
  std::vector<SocketRecord> out;
  SocketIterDecodeResult res =
      DecodeSocketIterRecords(data.data(), data.size(), &out);
  EXPECT_EQ(res.consumed, data.size());
  EXPECT_EQ(res.malformed, 0u);
  ASSERT_EQ(out.size(), 1u);
  const SocketRecord& s = out[0];
  EXPECT_EQ(s.protocol, Protocol::kTcp);
  EXPECT_EQ(s.family, Family::kIpv4);
  EXPECT_EQ(s.state, SocketState::kEstablished);
  EXPECT_EQ(s.local_address.ToString(), "127.0.0.1");
  EXPECT_EQ(s.remote_address.ToString(), "10.1.2.3");
  EXPECT_EQ(s.local_port, 40001);
  EXPECT_EQ(s.remote_port, 443);
  EXPECT_EQ(s.inode, 123456u);
  EXPECT_EQ(s.kernel_facts, kFactsKnown | kFactBindBucket | kFactReuseAddr);
  EXPECT_EQ(s.port_range_low, 41000);
  EXPECT_EQ(s.port_range_high, 41099);
}

TEST(SocketIterRecordsTest, StatesFollowInetDiag) {
  std::vector<SocketRecord> out;
  std::vector<std::uint8_t> data =
      Bytes({Tcp4(6, 1, 2), Tcp4(5, 1, 2), Tcp4(10, 1, 0), Tcp4(7, 1, 0)});
  DecodeSocketIterRecords(data.data(), data.size(), &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].state, SocketState::kTimeWait);
  EXPECT_EQ(out[1].state, SocketState::kFinWait2);
  EXPECT_EQ(out[2].state, SocketState::kListen);
  EXPECT_EQ(out[3].state, SocketState::kBound);
}

TEST(SocketIterRecordsTest, UdpAndIpv6) {
  epx_socket_record r{};
  r.protocol = EPX_SOCKET_UDP;
  r.family = 10;
  r.state = 7;
  r.local_port = 5353;
  r.flags = EPX_SOCKET_FULL | EPX_SOCKET_REUSEPORT;
  inet_pton(AF_INET6, "::ffff:192.0.2.1", r.local_addr);
  std::vector<std::uint8_t> data = Bytes({r});
  std::vector<SocketRecord> out;
  DecodeSocketIterRecords(data.data(), data.size(), &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].protocol, Protocol::kUdp);
  EXPECT_EQ(out[0].family, Family::kIpv6);
  EXPECT_EQ(out[0].state, SocketState::kUnconnected);
  EXPECT_EQ(out[0].local_address.ToString(), "::ffff:192.0.2.1");
  EXPECT_EQ(out[0].kernel_facts, kFactsKnown | kFactReusePort);
  EXPECT_EQ(out[0].port_range_low, 0);
}

TEST(SocketIterRecordsTest, PartialRecordIsLeftForTheNextRead) {
  std::vector<std::uint8_t> data = Bytes({Tcp4(1, 1, 2), Tcp4(1, 3, 4)});
  std::vector<SocketRecord> out;
  SocketIterDecodeResult res =
      DecodeSocketIterRecords(data.data(), data.size() - 5, &out);
  EXPECT_EQ(res.consumed, sizeof(epx_socket_record));
  EXPECT_EQ(out.size(), 1u);
}

TEST(SocketIterRecordsTest, UnknownProtocolFamilyOrStateIsCountedNotKept) {
  epx_socket_record bad_protocol = Tcp4(1, 1, 2);
  bad_protocol.protocol = 99;
  epx_socket_record bad_family = Tcp4(1, 1, 2);
  bad_family.family = 1;
  epx_socket_record bad_state = Tcp4(42, 1, 2);
  epx_socket_record bad_range = Tcp4(1, 1, 2);
  bad_range.range_low = 500;
  bad_range.range_high = 400;
  std::vector<std::uint8_t> data =
      Bytes({bad_protocol, bad_family, bad_state, bad_range});
  std::vector<SocketRecord> out;
  SocketIterDecodeResult res =
      DecodeSocketIterRecords(data.data(), data.size(), &out);
  EXPECT_EQ(res.malformed, 3u);
  ASSERT_EQ(out.size(), 1u);
  // Bounds are kept as set; the analysis applies the kernel's rule.
  EXPECT_EQ(out[0].port_range_low, 500);
  EXPECT_EQ(out[0].port_range_high, 400);
}

// Sockfs numbers sockets with get_next_ino(), 32 bits; a record holds
// no more.
TEST(SocketIterRecordsTest, InodeWiderThan32BitsIsCountedNotKept) {
  epx_socket_record widest = Tcp4(1, 1, 2);
  widest.inode = 0xffffffffull;
  epx_socket_record wider = Tcp4(1, 3, 4);
  wider.inode = 0x100000000ull;
  std::vector<std::uint8_t> data = Bytes({widest, wider});
  std::vector<SocketRecord> out;
  SocketIterDecodeResult res =
      DecodeSocketIterRecords(data.data(), data.size(), &out);
  EXPECT_EQ(res.malformed, 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].inode, 0xffffffffu);
}

TEST(SocketIterRecordsTest, OwnerRecordsGiveInodeAndPid) {
  EXPECT_EQ(sizeof(epx_owner_record), 16u);
  std::vector<epx_owner_record> rs = {
      {5001, 100, 0},         {0, 100, 0},
      {5002, 0, 0},           {5003, 4194304u, 0},
      {5004, 4000000000u, 0}, {0x100000000ull, 100, 0}};
  std::vector<std::uint8_t> data(rs.size() * sizeof(epx_owner_record));
  std::memcpy(data.data(), rs.data(), data.size());
  std::vector<InodeOwner> out;
  SocketIterDecodeResult res =
      DecodeOwnerRecords(data.data(), 3 * sizeof(epx_owner_record) + 5, &out);
  EXPECT_EQ(res.consumed, 3 * sizeof(epx_owner_record));
  EXPECT_EQ(res.malformed, 2u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].inode, 5001u);
  EXPECT_EQ(out[0].pid, 100);
  res = DecodeOwnerRecords(data.data() + res.consumed,
                           3 * sizeof(epx_owner_record), &out);
  // The kernel's highest pid is PID_MAX_LIMIT (4,194,304) and its socket
  // inodes are 32-bit (get_next_ino): larger values are not records.
  EXPECT_EQ(res.malformed, 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].pid, 4194304);
}

}  // namespace
}  // namespace epx

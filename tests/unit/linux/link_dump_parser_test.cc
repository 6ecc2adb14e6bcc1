// SPDX-License-Identifier: Apache-2.0
// RTM_NEWLINK replies built byte by byte after the uapi layouts
// (linux/netlink.h struct nlmsghdr, linux/rtnetlink.h struct ifinfomsg and
// struct rtattr, linux/if_link.h IFLA_IFNAME 3, IFLA_MASTER 10,
// IFLA_LINKINFO 18 with nested IFLA_INFO_KIND 1), as `ip link add red type
// vrf table 10; ip link set eth1 master red` would answer.
#include "sources/linux/link_dump_parser.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace epx {
namespace {

void Put16(std::vector<std::uint8_t>* b, std::uint16_t v) {
  std::uint8_t raw[2];
  std::memcpy(raw, &v, 2);
  b->insert(b->end(), raw, raw + 2);
}

void Put32(std::vector<std::uint8_t>* b, std::uint32_t v) {
  std::uint8_t raw[4];
  std::memcpy(raw, &v, 4);
  b->insert(b->end(), raw, raw + 4);
}

void Pad(std::vector<std::uint8_t>* b) {
  while (b->size() % 4 != 0) b->push_back(0);
}

std::vector<std::uint8_t> Attr(std::uint16_t type,
                               const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> a;
  Put16(&a, static_cast<std::uint16_t>(4 + payload.size()));
  Put16(&a, type);
  a.insert(a.end(), payload.begin(), payload.end());
  Pad(&a);
  return a;
}

std::vector<std::uint8_t> Str(const std::string& s) {
  std::vector<std::uint8_t> v(s.begin(), s.end());
  v.push_back(0);
  return v;
}

std::vector<std::uint8_t> U32(std::uint32_t x) {
  std::vector<std::uint8_t> v;
  Put32(&v, x);
  return v;
}

// One RTM_NEWLINK (16) message.
std::vector<std::uint8_t> Link(std::uint32_t index, const std::string& name,
                               std::uint32_t master, const std::string& kind) {
  std::vector<std::uint8_t> body(16, 0);
  body[0] = 0;  // AF_UNSPEC
  std::memcpy(body.data() + 4, &index, 4);
  auto add = [&](const std::vector<std::uint8_t>& a) {
    body.insert(body.end(), a.begin(), a.end());
  };
  add(Attr(3, Str(name)));
  if (master != 0) add(Attr(10, U32(master)));
  if (!kind.empty()) {
    // NLA_F_NESTED (0x8000) set, as the kernel does for IFLA_LINKINFO.
    add(Attr(18 | 0x8000, Attr(1, Str(kind))));
  }
  std::vector<std::uint8_t> msg;
  Put32(&msg, static_cast<std::uint32_t>(16 + body.size()));
  Put16(&msg, 16);
  Put16(&msg, 2);  // NLM_F_MULTI
  Put32(&msg, 1);
  Put32(&msg, 0);
  msg.insert(msg.end(), body.begin(), body.end());
  return msg;
}

std::vector<std::uint8_t> Done() {
  std::vector<std::uint8_t> msg;
  Put32(&msg, 20);
  Put16(&msg, 3);
  Put16(&msg, 2);
  Put32(&msg, 1);
  Put32(&msg, 0);
  Put32(&msg, 0);
  return msg;
}

std::vector<std::uint8_t> Dump() {
  std::vector<std::uint8_t> all;
  for (const auto& m :
       {Link(1, "lo", 0, ""), Link(5, "red", 0, "vrf"),
        Link(6, "eth1", 5, "veth"), Link(7, "br0", 0, "bridge"),
        Link(8, "eth2", 7, "veth"), Link(9, "blue", 0, "vrf"), Done()})
    all.insert(all.end(), m.begin(), m.end());
  return all;
}

TEST(LinkDumpParserTest, ReadsIndexNameMasterAndKind) {
  std::vector<std::uint8_t> dump = Dump();
  std::vector<LinkRecord> links;
  LinkParseState state;
  ParseLinkDumpBuffer(dump.data(), dump.size(), &links, &state);
  EXPECT_TRUE(state.done);
  EXPECT_EQ(state.malformed_messages, 0u);
  ASSERT_EQ(links.size(), 6u);
  EXPECT_EQ(links[1].ifindex, 5u);
  EXPECT_EQ(links[1].name, "red");
  EXPECT_EQ(links[1].kind, "vrf");
  EXPECT_EQ(links[2].name, "eth1");
  EXPECT_EQ(links[2].master, 5u);
  EXPECT_EQ(links[2].kind, "veth");
  EXPECT_EQ(links[0].kind, "");
}

TEST(LinkDumpParserTest, VrfMapKeepsVrfsAndTheirSlavesOnly) {
  std::vector<std::uint8_t> dump = Dump();
  std::vector<LinkRecord> links;
  LinkParseState state;
  ParseLinkDumpBuffer(dump.data(), dump.size(), &links, &state);
  L3mdevMap map = L3mdevMapFromLinks(links);
  ASSERT_EQ(map.vrfs.size(), 2u);
  EXPECT_EQ(map.vrfs[0].name, "red");
  EXPECT_EQ(map.vrfs[1].name, "blue");
  EXPECT_EQ(map.VrfOf(5), 5u);
  EXPECT_EQ(map.VrfOf(6), 5u);
  EXPECT_EQ(map.VrfOf(9), 9u);
  // A bridge port is no VRF slave; no device is no VRF.
  EXPECT_EQ(map.VrfOf(8), 0u);
  EXPECT_EQ(map.VrfOf(1), 0u);
  EXPECT_EQ(map.VrfOf(0), 0u);
}

TEST(LinkDumpParserTest, NoVrfGivesAnEmptyMap) {
  std::vector<LinkRecord> links{{1, "lo", 0, ""}, {2, "eth0", 0, "veth"}};
  EXPECT_TRUE(L3mdevMapFromLinks(links).vrfs.empty());
}

TEST(LinkDumpParserTest, ErrorAndTruncatedMessages) {
  std::vector<std::uint8_t> err;
  Put32(&err, 20);
  Put16(&err, 2);
  Put16(&err, 0);
  Put32(&err, 1);
  Put32(&err, 0);
  Put32(&err, static_cast<std::uint32_t>(-1));  // -EPERM
  std::vector<LinkRecord> links;
  LinkParseState state;
  ParseLinkDumpBuffer(err.data(), err.size(), &links, &state);
  EXPECT_TRUE(state.done);
  EXPECT_EQ(state.error, 1);

  std::vector<std::uint8_t> bad = Link(5, "red", 0, "vrf");
  // An attribute that claims more bytes than the message has.
  bad[16 + 16] = 0xff;
  LinkParseState bad_state;
  ParseLinkDumpBuffer(bad.data(), bad.size(), &links, &bad_state);
  EXPECT_EQ(bad_state.malformed_messages, 1u);
  EXPECT_TRUE(links.empty());
}

TEST(LinkDumpParserTest, RequestIsAnRtmGetlinkDump) {
  std::vector<std::uint8_t> req = BuildLinkDumpRequest(7);
  ASSERT_EQ(req.size(), 32u);
  std::uint16_t type, flags;
  std::memcpy(&type, req.data() + 4, 2);
  std::memcpy(&flags, req.data() + 6, 2);
  EXPECT_EQ(type, 18);
  EXPECT_EQ(flags, 0x301);
}

// A real dump (tests/fixtures/netlink/README.md): lo, a bridge br0, and a
// veth pair whose end epxa is enslaved to br0. A bridge port has a master
// but is in no VRF.
TEST(LinkDumpParserTest, ParsesARecordedKernelDump) {
  std::ifstream in(std::string(EPX_FIXTURE_DIR) + "/netlink/links.bin",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  std::vector<std::uint8_t> dump((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  std::vector<LinkRecord> links;
  LinkParseState state;
  ParseLinkDumpBuffer(dump.data(), dump.size(), &links, &state);
  EXPECT_TRUE(state.done);
  EXPECT_EQ(state.error, 0);
  EXPECT_EQ(state.malformed_messages, 0u);
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0].ifindex, 1u);
  EXPECT_EQ(links[0].name, "lo");
  EXPECT_EQ(links[0].kind, "");
  EXPECT_EQ(links[1].name, "br0");
  EXPECT_EQ(links[1].kind, "bridge");
  EXPECT_EQ(links[3].name, "epxa");
  EXPECT_EQ(links[3].kind, "veth");
  EXPECT_EQ(links[3].master, links[1].ifindex);
  EXPECT_EQ(links[2].master, 0u);
  L3mdevMap map = L3mdevMapFromLinks(links);
  EXPECT_TRUE(map.vrfs.empty());
  EXPECT_TRUE(map.slaves.empty());
}

}  // namespace
}  // namespace epx

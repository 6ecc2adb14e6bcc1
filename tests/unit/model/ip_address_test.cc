// SPDX-License-Identifier: Apache-2.0
#include "model/ip_address.h"

#include <gtest/gtest.h>

#include <string>

#include "model/snapshot.h"

namespace epx {
namespace {

IpAddress MustParse(const std::string& text) {
  IpAddress ip;
  EXPECT_TRUE(IpAddress::Parse(text, &ip)) << text;
  return ip;
}

// Parses text and prints it back.
std::string RoundTrip(const std::string& text) {
  return MustParse(text).ToString();
}

TEST(IpAddressTest, ParsesDottedQuad) {
  IpAddress ip = MustParse("192.0.2.255");
  EXPECT_EQ(ip.family, Family::kIpv4);
  EXPECT_EQ(ip, IpAddress::V4(192, 0, 2, 255));
  for (int i = 4; i < 16; ++i) EXPECT_EQ(ip.bytes[i], 0) << i;
  EXPECT_EQ(ip.ToString(), "192.0.2.255");
}

TEST(IpAddressTest, ParsesFullIpv6InNetworkOrder) {
  IpAddress ip = MustParse("2001:DB8:0:0:8:800:200C:417A");
  EXPECT_EQ(ip.family, Family::kIpv6);
  EXPECT_EQ(ip.bytes[0], 0x20);
  EXPECT_EQ(ip.bytes[1], 0x01);
  EXPECT_EQ(ip.bytes[2], 0x0d);
  EXPECT_EQ(ip.bytes[3], 0xb8);
  EXPECT_EQ(ip.bytes[15], 0x7a);
  EXPECT_EQ(ip.ToString(), "2001:db8::8:800:200c:417a");
}

TEST(IpAddressTest, ToStringCompressesPerRfc5952) {
  EXPECT_EQ(RoundTrip("0:0:0:0:0:0:0:0"), "::");
  EXPECT_EQ(RoundTrip("::"), "::");
  EXPECT_EQ(RoundTrip("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(RoundTrip("1:0:0:0:0:0:0:0"), "1::");
  EXPECT_EQ(RoundTrip("1::"), "1::");
  // Leading zeros dropped, lower case.
  EXPECT_EQ(RoundTrip("2001:0DB8:0000:0000:0000:0000:0000:0001"),
            "2001:db8::1");
  // Equal runs: the first one is compressed.
  EXPECT_EQ(RoundTrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  // The longest run wins over an earlier shorter one.
  EXPECT_EQ(RoundTrip("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  // A single zero group is never compressed.
  EXPECT_EQ(RoundTrip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(RoundTrip("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
  EXPECT_EQ(RoundTrip("::2:3:4:5:6:7:8"), "0:2:3:4:5:6:7:8");
  EXPECT_EQ(RoundTrip("fe80:0:0:0:1::"), "fe80::1:0:0:0");
}

TEST(IpAddressTest, ParsesEmbeddedIpv4Tail) {
  IpAddress ip = MustParse("::ffff:192.0.2.1");
  EXPECT_TRUE(ip.IsV4Mapped());
  EXPECT_EQ(ip.ToString(), "::ffff:192.0.2.1");
  EXPECT_EQ(RoundTrip("0:0:0:0:0:ffff:c000:201"), "::ffff:192.0.2.1");
  EXPECT_EQ(RoundTrip("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
}

TEST(IpAddressTest, CanonicalUnmapsV4MappedOnly) {
  IpAddress mapped = MustParse("::ffff:127.0.0.1");
  EXPECT_EQ(mapped.Canonical(), IpAddress::V4(127, 0, 0, 1));
  EXPECT_EQ(mapped.Canonical().family, Family::kIpv4);
  IpAddress compat = MustParse("::127.0.0.1");  // deprecated, not mapped
  EXPECT_FALSE(compat.IsV4Mapped());
  EXPECT_EQ(compat.Canonical(), compat);
  IpAddress v6 = MustParse("2001:db8::1");
  EXPECT_EQ(v6.Canonical(), v6);
  IpAddress v4 = IpAddress::V4(10, 0, 0, 1);
  EXPECT_FALSE(v4.IsV4Mapped());
  EXPECT_EQ(v4.Canonical(), v4);
}

TEST(IpAddressTest, IsUnspecified) {
  EXPECT_TRUE(MustParse("0.0.0.0").IsUnspecified());
  EXPECT_TRUE(MustParse("::").IsUnspecified());
  EXPECT_FALSE(MustParse("::1").IsUnspecified());
  EXPECT_FALSE(MustParse("0.0.0.1").IsUnspecified());
  EXPECT_FALSE(MustParse("::ffff:0.0.0.0").IsUnspecified());
}

TEST(IpAddressTest, RejectsInvalidInputAndLeavesOutputAlone) {
  const char* kBad[] = {
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "1.2.3.4.",
      ".1.2.3",
      "1..2.3",
      " 1.2.3.4",
      "1.2.3.-4",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      ":::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      ":1::2",
      "1::2:",
      "12345::",
      "g::1",
      "1.2.3.4::",
      "::1.2.3.4:5",
      "::256.0.0.1",
      "fe80::1%eth0",
      "1:",
      ":",
  };
  for (const char* text : kBad) {
    IpAddress ip = IpAddress::V4(9, 9, 9, 9);
    EXPECT_FALSE(IpAddress::Parse(text, &ip)) << '"' << text << '"';
    EXPECT_EQ(ip, IpAddress::V4(9, 9, 9, 9)) << '"' << text << '"';
  }
}

TEST(IpAddressTest, OrdersIpv4BeforeIpv6AndByBytes) {
  EXPECT_LT(MustParse("255.255.255.255"), MustParse("::"));
  EXPECT_LT(MustParse("10.0.0.1"), MustParse("10.0.0.2"));
  EXPECT_LT(MustParse("::1"), MustParse("::2"));
  EXPECT_NE(MustParse("0.0.0.0"), MustParse("::"));
  EXPECT_STREQ(FamilyName(Family::kIpv4), "ipv4");
  EXPECT_STREQ(FamilyName(Family::kIpv6), "ipv6");
}

PortRange Range(std::uint16_t start, std::uint32_t size) {
  PortRange r;
  r.start = start;
  r.size = size;
  return r;
}

TEST(PortRangeTest, ContainsIsHalfOpen) {
  PortRange r = Range(32768, 28232);  // 32768..60999
  EXPECT_FALSE(r.Contains(32767));
  EXPECT_TRUE(r.Contains(32768));
  EXPECT_TRUE(r.Contains(60999));
  EXPECT_FALSE(r.Contains(61000));
  PortRange top = Range(65535, 1);
  EXPECT_TRUE(top.Contains(65535));
  EXPECT_FALSE(top.Contains(65534));
  EXPECT_FALSE(Range(1000, 0).Contains(1000));
}

TEST(PortRangeTest, IsReservedUsesInclusiveIntervals) {
  PortRange r = Range(40000, 1000);
  r.reserved = {{40100, 40109}, {40500, 40500}, {8080, 8080}};
  EXPECT_FALSE(r.IsReserved(40099));
  EXPECT_TRUE(r.IsReserved(40100));
  EXPECT_TRUE(r.IsReserved(40109));
  EXPECT_FALSE(r.IsReserved(40110));
  EXPECT_TRUE(r.IsReserved(40500));
  EXPECT_TRUE(r.IsReserved(8080));  // reserved even outside the range
  EXPECT_FALSE(r.CountsPort(8080));
  EXPECT_FALSE(r.CountsPort(40105));
  EXPECT_TRUE(r.CountsPort(40110));
}

TEST(PortRangeTest, ReservedInRangeCountsOverlapsOnceAndClips) {
  PortRange r = Range(40000, 1000);  // 40000..40999
  EXPECT_EQ(r.ReservedInRange(), 0u);
  EXPECT_EQ(r.Capacity(), 1000u);
  r.reserved = {{40100, 40109}, {40500, 40500}};
  EXPECT_EQ(r.ReservedInRange(), 11u);
  EXPECT_EQ(r.Capacity(), 989u);
  // Overlapping, nested, duplicate and adjacent intervals, unsorted.
  r.reserved = {{40105, 40120}, {40100, 40109}, {40110, 40110}, {40100, 40109},
                {40121, 40121}, {40300, 40310}, {40305, 40306}};
  EXPECT_EQ(r.ReservedInRange(), 22u + 11u);
  // Intervals straddling either end are clipped; outside ones ignored.
  r.reserved = {{39990, 40004}, {40995, 41010}, {1, 100}, {50000, 65535}};
  EXPECT_EQ(r.ReservedInRange(), 5u + 5u);
  EXPECT_EQ(r.Capacity(), 990u);
  r.reserved = {{0, 65535}};
  EXPECT_EQ(r.ReservedInRange(), 1000u);
  EXPECT_EQ(r.Capacity(), 0u);
}

TEST(PortRangeTest, ReservedInRangeAtTopOfPortSpace) {
  PortRange r = Range(65000, 536);  // 65000..65535
  r.reserved = {{65530, 65535}, {65535, 65535}};
  EXPECT_EQ(r.ReservedInRange(), 6u);
  EXPECT_EQ(r.Capacity(), 530u);
  EXPECT_TRUE(r.IsReserved(65535));
}

}  // namespace
}  // namespace epx

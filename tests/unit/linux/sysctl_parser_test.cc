// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/sysctl_parser.h"

#include <gtest/gtest.h>

#include "../../support/fixture.h"

#include <fstream>
#include <sstream>
#include <string>

namespace epx {
namespace {

using Intervals = std::vector<std::pair<std::uint16_t, std::uint16_t>>;

using testing::ReadFixture;

TEST(SysctlParserTest, ParsesRecordedPortRange) {
  std::uint16_t low = 0, high = 0;
  std::string error;
  ASSERT_TRUE(ParseLocalPortRange(
      ReadFixture("procfs/sys/net/ipv4/ip_local_port_range"), &low, &high,
      &error))
      << error;
  EXPECT_EQ(low, 40000);
  EXPECT_EQ(high, 40999);
}

TEST(SysctlParserTest, ParsesRangeWithTabsSpacesAndNewline) {
  std::uint16_t low = 0, high = 0;
  std::string error;
  ASSERT_TRUE(ParseLocalPortRange("32768\t60999\n", &low, &high, &error));
  EXPECT_EQ(low, 32768);
  EXPECT_EQ(high, 60999);
  ASSERT_TRUE(ParseLocalPortRange("  1024 \t 65535 \n\n", &low, &high, &error));
  EXPECT_EQ(low, 1024);
  EXPECT_EQ(high, 65535);
  ASSERT_TRUE(ParseLocalPortRange("5000 5000", &low, &high, &error));
  EXPECT_EQ(low, 5000);
  EXPECT_EQ(high, 5000);
}

TEST(SysctlParserTest, RejectsInvalidRanges) {
  const char* kBad[] = {
      "",           "\n",           "32768",   "61000 60999", "0 60999",
      "1024 70000", "70000 70001",  "1 2 3",   "1024-65535",  "a 60999",
      "-1 60999",   "32768 60999x", "065536 1"};
  for (const char* text : kBad) {
    std::uint16_t low, high;
    std::string error;
    EXPECT_FALSE(ParseLocalPortRange(text, &low, &high, &error))
        << '"' << text << '"';
    EXPECT_FALSE(error.empty()) << '"' << text << '"';
  }
  std::uint16_t low, high;
  std::string error;
  ASSERT_FALSE(ParseLocalPortRange("61000\t60999\n", &low, &high, &error));
  EXPECT_NE(error.find("61000\t60999\""), std::string::npos) << error;
}

TEST(SysctlParserTest, ParsesRecordedReservedPorts) {
  Intervals out;
  std::string error;
  ASSERT_TRUE(ParseReservedPorts(
      ReadFixture("procfs/sys/net/ipv4/ip_local_reserved_ports"), &out, &error))
      << error;
  EXPECT_EQ(out, (Intervals{{40100, 40109}, {40500, 40500}}));
}

TEST(SysctlParserTest, ParsesReservedPortForms) {
  Intervals out = {{1, 1}};
  std::string error;
  ASSERT_TRUE(ParseReservedPorts("", &out, &error));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(ParseReservedPorts("\n", &out, &error));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(ParseReservedPorts("8080\n", &out, &error));
  EXPECT_EQ(out, (Intervals{{8080, 8080}}));
  ASSERT_TRUE(ParseReservedPorts("8080,9000-9010\n", &out, &error));
  EXPECT_EQ(out, (Intervals{{8080, 8080}, {9000, 9010}}));
  ASSERT_TRUE(ParseReservedPorts("0-65535", &out, &error));
  EXPECT_EQ(out, (Intervals{{0, 65535}}));
}

TEST(SysctlParserTest, RejectsBadReservedPorts) {
  const char* kBad[] = {"9010-9000", "8080,,9000", ",8080", "70000",
                        "1-2-3",     "9000-",      "-9000", "80a",
                        "8080;9000", "1-70000"};
  for (const char* text : kBad) {
    Intervals out;
    std::string error;
    EXPECT_FALSE(ParseReservedPorts(text, &out, &error)) << '"' << text << '"';
    EXPECT_FALSE(error.empty()) << '"' << text << '"';
  }
  Intervals out;
  std::string error;
  ASSERT_FALSE(ParseReservedPorts("8080,9010-9000\n", &out, &error));
  EXPECT_NE(error.find("\"9010-9000\""), std::string::npos) << error;
}

TEST(SysctlParserTest, ParsesBoundedIntegers) {
  std::int64_t v = -1;
  std::string error;
  ASSERT_TRUE(ParseSysctlInteger("2\n", 0, 2, &v, &error)) << error;
  EXPECT_EQ(v, 2);
  ASSERT_TRUE(ParseSysctlInteger(" 1000 \n", 1, 600000, &v, &error));
  EXPECT_EQ(v, 1000);
  for (const char* bad : {"", "\n", "3", "-1", "1x", "0x2", "1 2"}) {
    error.clear();
    EXPECT_FALSE(ParseSysctlInteger(bad, 0, 2, &v, &error)) << '"' << bad;
    EXPECT_FALSE(error.empty()) << '"' << bad;
  }
}

TEST(SysctlParserTest, ParsesKernelRelease) {
  KernelVersion k;
  std::string error;
  ASSERT_TRUE(ParseKernelRelease("6.18.44-fc-v973\n", &k, &error)) << error;
  EXPECT_EQ(k.major, 6);
  EXPECT_EQ(k.minor, 18);
  EXPECT_TRUE(k.AtLeast(6, 18));
  EXPECT_TRUE(k.AtLeast(6, 8));
  EXPECT_FALSE(k.AtLeast(6, 19));
  EXPECT_FALSE(k.AtLeast(7, 0));
  ASSERT_TRUE(ParseKernelRelease("6.1.0-28-amd64", &k, &error));
  EXPECT_FALSE(k.AtLeast(6, 8));
  ASSERT_TRUE(ParseKernelRelease("7.0", &k, &error));
  EXPECT_TRUE(k.AtLeast(6, 18));
  for (const char* bad : {"", "6", "six.1", "6.", ".18"}) {
    EXPECT_FALSE(ParseKernelRelease(bad, &k, &error)) << '"' << bad;
  }
}

}  // namespace
}  // namespace epx

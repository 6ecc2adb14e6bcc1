// SPDX-License-Identifier: Apache-2.0
#include "analysis/watch_list.h"

#include <gtest/gtest.h>

#include <string>

namespace epx {
namespace {

IpAddress Ip(const std::string& text) {
  IpAddress ip;
  EXPECT_TRUE(IpAddress::Parse(text, &ip)) << text;
  return ip;
}

DestinationPattern Destination(const std::string& text) {
  DestinationPattern d;
  std::string problem;
  EXPECT_TRUE(ParseDestinationPattern(text, &d, &problem))
      << text << ": " << problem;
  return d;
}

std::string DestinationProblem(const std::string& text) {
  DestinationPattern d;
  std::string problem;
  EXPECT_FALSE(ParseDestinationPattern(text, &d, &problem)) << text;
  return problem;
}

TEST(WatchListTest, DestinationsTakeAnAddressOrBlockAndAnOptionalPort) {
  DestinationPattern one = Destination("192.0.2.10:5432");
  EXPECT_TRUE(one.address.IsSingle());
  EXPECT_EQ(one.port, 5432);
  EXPECT_TRUE(one.address.Matches(Ip("192.0.2.10")));
  EXPECT_TRUE(one.address.Matches(Ip("::ffff:192.0.2.10")));
  EXPECT_FALSE(one.address.Matches(Ip("192.0.2.11")));

  DestinationPattern block = Destination("10.0.0.0/8:443");
  EXPECT_FALSE(block.address.IsSingle());
  EXPECT_EQ(block.port, 443);
  EXPECT_TRUE(block.address.Matches(Ip("10.255.1.2")));
  EXPECT_FALSE(block.address.Matches(Ip("11.0.0.1")));

  DestinationPattern v6 = Destination("[2001:db8::/32]:443");
  EXPECT_EQ(v6.port, 443);
  EXPECT_EQ(v6.address.prefix_length, 32);
  EXPECT_TRUE(v6.address.Matches(Ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.address.Matches(Ip("2001:db9::1")));
  EXPECT_FALSE(v6.address.Matches(Ip("10.0.0.1")));

  EXPECT_EQ(Destination("[2001:db8::7]:80").port, 80);
  EXPECT_TRUE(Destination("[2001:db8::7]:80").address.IsSingle());
  EXPECT_EQ(Destination("192.0.2.10").port, 0);
  EXPECT_EQ(Destination("2001:db8::/48").port, 0);
  EXPECT_EQ(Destination("[2001:db8::1]").port, 0);
  EXPECT_TRUE(Destination("0.0.0.0/0:443").address.Matches(Ip("8.8.8.8")));
  EXPECT_TRUE(Destination("[::/0]:443").address.Matches(Ip("8.8.8.8")));
  EXPECT_TRUE(Destination("[::/0]:443").address.Matches(Ip("2001:db8::1")));
}

TEST(WatchListTest, PatternsPrintInTheirConfigForm) {
  for (const char* text :
       {"10.0.0.0/8:443", "[2001:db8::/32]:443", "192.0.2.10:5432",
        "192.0.2.10", "2001:db8::/32", "[2001:db8::7]:80"})
    EXPECT_EQ(Destination(text).ToString(), text);
  EXPECT_EQ(Destination("[2001:DB8:0::7]").ToString(), "2001:db8::7");
}

TEST(WatchListTest, BadDestinationsSayWhatIsWrong) {
  EXPECT_EQ(DestinationProblem("10.0.0.0/8:0"), "port '0' must be 1..65535");
  EXPECT_EQ(DestinationProblem("10.0.0.1:65536"),
            "port '65536' must be 1..65535");
  EXPECT_EQ(DestinationProblem("10.0.0.1:https"),
            "port 'https' must be 1..65535");
  EXPECT_EQ(DestinationProblem("10.0.0.1:"), "port '' must be 1..65535");
  EXPECT_EQ(DestinationProblem("10.0.0.0/33:443"),
            "prefix length '33' must be 0..32");
  EXPECT_EQ(DestinationProblem("[2001:db8::/129]:443"),
            "prefix length '129' must be 0..128");
  EXPECT_EQ(DestinationProblem("10.0.0.0/:443"),
            "prefix length '' must be 0..32");
  EXPECT_EQ(DestinationProblem("10.0.0.300:443"),
            "'10.0.0.300' is not an IPv4 or IPv6 address");
  EXPECT_EQ(DestinationProblem("db.example:5432"),
            "'db.example' is not an IPv4 or IPv6 address");
  EXPECT_EQ(DestinationProblem("[2001:db8::1:443"),
            "'[2001:db8::1:443' has no closing ']'");
  EXPECT_EQ(DestinationProblem("[2001:db8::1]443"),
            "expected ':PORT' after ']', got '443'");
  EXPECT_EQ(DestinationProblem("10.1.0.0/8:443"),
            "'10.1.0.0/8' has bits set past the prefix (the block is "
            "10.0.0.0/8)");
  EXPECT_EQ(DestinationProblem("[2001:db8::1/32]:443"),
            "'2001:db8::1/32' has bits set past the prefix (the block is "
            "2001:db8::/32)");
}

TEST(WatchListTest, LocalAddressesTakeAnAddressOrBlock) {
  AddressPattern p;
  std::string problem;
  ASSERT_TRUE(ParseAddressPattern("10.8.0.0/24", &p, &problem)) << problem;
  EXPECT_TRUE(p.Matches(Ip("10.8.0.5")));
  EXPECT_FALSE(p.Matches(Ip("10.8.1.5")));
  ASSERT_TRUE(ParseAddressPattern("10.8.4.0/22", &p, &problem)) << problem;
  EXPECT_TRUE(p.Matches(Ip("10.8.7.255")));
  EXPECT_FALSE(p.Matches(Ip("10.8.8.0")));
  EXPECT_FALSE(p.Matches(Ip("10.8.3.255")));
  ASSERT_TRUE(ParseAddressPattern("fe80::/10", &p, &problem)) << problem;
  EXPECT_TRUE(p.Matches(Ip("fe80::1")));
  EXPECT_FALSE(ParseAddressPattern("10.8.0.5:443", &p, &problem));
  EXPECT_EQ(problem, "'10.8.0.5:443' is not an IPv4 or IPv6 address");
}

ProcessPattern Process(const std::string& glob, bool windows = false) {
  ProcessPattern p;
  std::string problem;
  EXPECT_TRUE(ParseProcessPattern(glob, windows, &p, &problem)) << problem;
  return p;
}

TEST(WatchListTest, ProcessGlobsMatchTheNameOrWithASlashThePath) {
  EXPECT_TRUE(Process("java").Matches("java", "/usr/bin/java"));
  EXPECT_FALSE(Process("java").Matches("javac", "/usr/bin/javac"));
  EXPECT_TRUE(Process("java*").Matches("javac", ""));
  EXPECT_TRUE(Process("*sql*").Matches("postgresql", ""));
  EXPECT_TRUE(Process("p?rthog").Matches("porthog", ""));
  EXPECT_FALSE(Process("p?rthog").Matches("prthog", ""));
  EXPECT_TRUE(Process("worker[0-9]").Matches("worker7", ""));
  EXPECT_FALSE(Process("worker[0-9]").Matches("workerx", ""));
  EXPECT_TRUE(Process("worker[!0-9]").Matches("workerx", ""));
  EXPECT_TRUE(Process("[]x]").Matches("]", ""));
  EXPECT_TRUE(Process("a*b*c").Matches("aXXbYYbc", ""));
  EXPECT_FALSE(Process("a*b*c").Matches("aXXbYYbd", ""));
  EXPECT_TRUE(Process("*").Matches("", ""));

  ProcessPattern path = Process("/opt/*/bin/java");
  EXPECT_TRUE(path.matches_path);
  EXPECT_TRUE(path.Matches("java", "/opt/jdk-21/bin/java"));
  EXPECT_FALSE(path.Matches("java", "/usr/bin/java"));
  EXPECT_FALSE(path.Matches("/opt/x/bin/java", ""));
  EXPECT_FALSE(Process("Java").Matches("java", ""));
}

TEST(WatchListTest, WindowsGlobsIgnoreCaseAndSlashDirection) {
  EXPECT_TRUE(Process("W3WP.exe", true).Matches("w3wp.exe", ""));
  EXPECT_TRUE(Process("[A-Z]3wp.exe", true).Matches("w3wp.exe", ""));
  EXPECT_TRUE(Process("c:/program files/app/*.exe", true)
                  .Matches("app.exe", "C:\\Program Files\\App\\app.exe"));
  EXPECT_TRUE(Process("C:\\Program Files\\*", true)
                  .Matches("app.exe", "C:\\Program Files\\App\\app.exe"));
  EXPECT_FALSE(Process("C:\\Windows\\*", true)
                   .Matches("app.exe", "C:\\Program Files\\App\\app.exe"));
}

TEST(WatchListTest, BadGlobsSayWhatIsWrong) {
  ProcessPattern p;
  std::string problem;
  EXPECT_FALSE(ParseProcessPattern("worker[0-9", false, &p, &problem));
  EXPECT_EQ(problem, "'[' at character 7 has no closing ']'");
  EXPECT_FALSE(ParseProcessPattern("worker[9-0]", false, &p, &problem));
  EXPECT_EQ(problem, "range '9-0' is reversed");
  EXPECT_FALSE(ParseProcessPattern("x[]", false, &p, &problem));
  EXPECT_EQ(problem, "'[' at character 2 has no closing ']'");
}

}  // namespace
}  // namespace epx

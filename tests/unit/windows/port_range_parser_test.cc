// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/port_range_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "fixture_util.h"

namespace epx {
namespace {

using Ranges = std::vector<std::pair<std::uint16_t, std::uint16_t>>;

TEST(NetshDynamicPortTest, ParsesEnglish) {
  DynamicPortSetting s;
  std::string error;
  ASSERT_TRUE(ParseNetshDynamicPortRange(
      ReadWindowsFixture("netsh_dynamicport_tcp_en.txt"), &s, &error))
      << error;
  EXPECT_EQ(s.start, 10000);
  EXPECT_EQ(s.count, 55535u);
}

TEST(NetshDynamicPortTest, ParsesGermanInOemCodePage) {
  DynamicPortSetting s;
  std::string error;
  ASSERT_TRUE(ParseNetshDynamicPortRange(
      ReadWindowsFixture("netsh_dynamicport_tcp_de.txt"), &s, &error))
      << error;
  EXPECT_EQ(s.start, 49152);
  EXPECT_EQ(s.count, 16384u);
}

TEST(NetshDynamicPortTest, ParsesFrench) {
  DynamicPortSetting s;
  std::string error;
  ASSERT_TRUE(ParseNetshDynamicPortRange(
      ReadWindowsFixture("netsh_dynamicport_udp_fr.txt"), &s, &error))
      << error;
  EXPECT_EQ(s.start, 49152);
  EXPECT_EQ(s.count, 16384u);
}

TEST(NetshDynamicPortTest, RejectsOutputWithoutTwoNumbers) {
  DynamicPortSetting s;
  std::string error;
  EXPECT_FALSE(ParseNetshDynamicPortRange("", &s, &error));
  EXPECT_NE(error.find("found 0"), std::string::npos) << error;
  EXPECT_FALSE(ParseNetshDynamicPortRange(
      "The following command was not found: int ipv4 show dynamicport tcp.\r\n",
      &s, &error));
  EXPECT_FALSE(ParseNetshDynamicPortRange("A : 1\nB : 2\nC : 3\n", &s, &error));
  EXPECT_NE(error.find("found 3"), std::string::npos) << error;
}

TEST(NetshDynamicPortTest, RejectsRangesBeyondPort65535) {
  DynamicPortSetting s;
  std::string error;
  EXPECT_FALSE(ParseNetshDynamicPortRange(
      "Start Port : 60000\nNumber of Ports : 6000\n", &s, &error));
  EXPECT_NE(error.find("60000"), std::string::npos) << error;
  EXPECT_FALSE(ParseNetshDynamicPortRange(
      "Start Port : 0\nNumber of Ports : 10\n", &s, &error));
  EXPECT_TRUE(ParseNetshDynamicPortRange(
      "Start Port : 1025\nNumber of Ports : 64511\n", &s, &error));
}

TEST(NetshExcludedPortRangeTest, ParsesEnglishWithAdministeredMarker) {
  Ranges r;
  std::string error;
  ASSERT_TRUE(ParseNetshExcludedPortRanges(
      ReadWindowsFixture("netsh_excludedportrange_tcp_en.txt"), &r, &error))
      << error;
  EXPECT_EQ(r, (Ranges{{1080, 1080}, {5357, 5357}, {50000, 50059}}));
}

TEST(NetshExcludedPortRangeTest, ParsesGerman) {
  Ranges r;
  std::string error;
  ASSERT_TRUE(ParseNetshExcludedPortRanges(
      ReadWindowsFixture("netsh_excludedportrange_tcp_de.txt"), &r, &error))
      << error;
  EXPECT_EQ(r, (Ranges{{5357, 5357}, {50000, 50059}}));
}

TEST(NetshExcludedPortRangeTest, NoRowsMeansNoExclusions) {
  Ranges r{{1, 2}};
  std::string error;
  ASSERT_TRUE(ParseNetshExcludedPortRanges(
      ReadWindowsFixture("netsh_excludedportrange_udp_en_empty.txt"), &r,
      &error));
  EXPECT_TRUE(r.empty());
}

TEST(NetshExcludedPortRangeTest, RejectsReversedRanges) {
  Ranges r;
  std::string error;
  EXPECT_FALSE(ParseNetshExcludedPortRanges("  5000   4000\n", &r, &error));
  EXPECT_NE(error.find("5000"), std::string::npos);
  EXPECT_FALSE(ParseNetshExcludedPortRanges("  5000   70000\n", &r, &error));
}

TEST(WmiDynamicPortRangeTest, PrefersInternetThenFirstWithValues) {
  std::vector<WmiPortSettingInstance> instances = {
      {"Automatic", false, 0, 0},
      {"Datacenter", true, 49152, 16384},
      {"Internet", true, 10000, 55535},
  };
  DynamicPortSetting s;
  std::string error;
  ASSERT_TRUE(ChooseWmiDynamicPortRange(instances, &s, &error)) << error;
  EXPECT_EQ(s.start, 10000);
  EXPECT_EQ(s.count, 55535u);
  instances.pop_back();
  ASSERT_TRUE(ChooseWmiDynamicPortRange(instances, &s, &error));
  EXPECT_EQ(s.start, 49152);
}

TEST(WmiDynamicPortRangeTest, FailsWithoutAnyValidInstance) {
  DynamicPortSetting s;
  std::string error;
  EXPECT_FALSE(ChooseWmiDynamicPortRange({}, &s, &error));
  EXPECT_FALSE(ChooseWmiDynamicPortRange(
      {{"Automatic", false, 0, 0}, {"Internet", true, 65000, 1000}}, &s,
      &error));
  EXPECT_NE(error.find("2 instances"), std::string::npos) << error;
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

// The documented property list of a class, from its fixture.
std::set<std::string> DocumentedProperties(const std::string& wmi_class) {
  std::istringstream in(ReadWindowsFixture("wmi/" + wmi_class + ".properties"));
  std::set<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') names.insert(line);
  }
  return names;
}

// The names between SELECT and FROM of a WQL query, and its class.
std::vector<std::string> SelectedProperties(const std::string& wql,
                                            std::string* from) {
  std::vector<std::string> names;
  std::size_t select = wql.find("SELECT ");
  std::size_t from_at = wql.find(" FROM ");
  EXPECT_EQ(select, 0u) << wql;
  EXPECT_NE(from_at, std::string::npos) << wql;
  *from = wql.substr(from_at + 6);
  std::istringstream list(wql.substr(7, from_at - 7));
  std::string name;
  while (std::getline(list, name, ',')) {
    name.erase(0, name.find_first_not_of(' '));
    names.push_back(name);
  }
  return names;
}

TEST(WmiQueryTest, SelectsOnlyDocumentedPropertiesOfEachClass) {
  for (WmiPortClass c : {WmiPortClass::kTcp, WmiPortClass::kUdp}) {
    for (bool auto_reuse : {false, true}) {
      std::string from;
      std::vector<std::string> selected =
          SelectedProperties(WmiPortSettingQuery(c, auto_reuse), &from);
      EXPECT_EQ(from, WmiPortClassName(c));
      std::set<std::string> documented = DocumentedProperties(from);
      ASSERT_FALSE(documented.empty()) << from;
      EXPECT_EQ(selected, WmiPortSettingProperties(c, auto_reuse));
      for (const std::string& name : selected)
        EXPECT_EQ(documented.count(name), 1u) << from << " has no " << name;
      EXPECT_NE(std::find(selected.begin(), selected.end(),
                          "DynamicPortRangeStartPort"),
                selected.end());
    }
  }
  std::string from;
  std::vector<std::string> tcp =
      SelectedProperties(WmiPortSettingQuery(WmiPortClass::kTcp, true), &from);
  EXPECT_NE(
      std::find(tcp.begin(), tcp.end(), "AutoReusePortRangeNumberOfPorts"),
      tcp.end());
}

TEST(WmiAutoReuseRangeTest, DisabledWhenCountIsZeroOrMissing) {
  DynamicPortSetting s;
  std::vector<WmiPortSettingInstance> none = {
      {"Internet", true, 49152, 16384, true, 0, 0},
      {"Datacenter", true, 49152, 16384, false, 0, 0},
  };
  EXPECT_FALSE(ChooseWmiAutoReuseRange(none, &s));
  std::vector<WmiPortSettingInstance> enabled = {
      {"Datacenter", true, 49152, 16384, true, 40000, 500},
      {"Internet", true, 49152, 16384, true, 30000, 2000},
  };
  ASSERT_TRUE(ChooseWmiAutoReuseRange(enabled, &s));
  EXPECT_EQ(s.start, 30000);
  EXPECT_EQ(s.count, 2000u);
  std::vector<WmiPortSettingInstance> overflowing = {
      {"Internet", true, 49152, 16384, true, 65000, 1000},
  };
  EXPECT_FALSE(ChooseWmiAutoReuseRange(overflowing, &s));
}

}  // namespace
}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/snmp_parser.h"

#include <gtest/gtest.h>

#include "../../support/fixture.h"

#include <fstream>
#include <sstream>
#include <string>

namespace epx {
namespace {

using testing::ReadFixture;

const char kHeader[] =
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens "
    "AttemptFails EstabResets CurrEstab InSegs\n";

TEST(SnmpParserTest, ParsesRecordedSnmp) {
  TcpCounters c;
  std::string error;
  ASSERT_TRUE(ParseProcNetSnmp(ReadFixture("procfs/net/snmp"), &c, &error))
      << error;
  EXPECT_TRUE(c.valid);
  // 5 + 2 client connections, each accepted once in the namespace.
  EXPECT_EQ(c.active_opens, 7u);
  EXPECT_EQ(c.passive_opens, 7u);
  EXPECT_EQ(c.attempt_fails, 0u);
  EXPECT_EQ(c.estab_resets, 0u);
}

TEST(SnmpParserTest, ReadsColumnsByHeaderNameNotPosition) {
  std::string text =
      "Ip: Forwarding DefaultTTL\nIp: 1 64\n"
      "Tcp: EstabResets AttemptFails MaxConn PassiveOpens ActiveOpens\n"
      "Tcp: 4 3 -1 2 18446744073709551615\n"
      "Udp: InDatagrams\nUdp: 9\n";
  TcpCounters c;
  std::string error;
  ASSERT_TRUE(ParseProcNetSnmp(text, &c, &error)) << error;
  EXPECT_EQ(c.active_opens, 18446744073709551615u);
  EXPECT_EQ(c.passive_opens, 2u);
  EXPECT_EQ(c.attempt_fails, 3u);
  EXPECT_EQ(c.estab_resets, 4u);
}

TEST(SnmpParserTest, EstabResetsIsOptional) {
  std::string text = "Tcp: ActiveOpens PassiveOpens AttemptFails\nTcp: 1 2 3\n";
  TcpCounters c;
  std::string error;
  ASSERT_TRUE(ParseProcNetSnmp(text, &c, &error)) << error;
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.estab_resets, 0u);
  EXPECT_EQ(c.attempt_fails, 3u);
}

struct BadCase {
  std::string text;
  std::string error_part;
};

TEST(SnmpParserTest, RejectsMissingOrMalformedTcpLines) {
  const BadCase kCases[] = {
      {"", "no Tcp: lines"},
      {"Ip: Forwarding\nIp: 1\n", "no Tcp: lines"},
      {kHeader, "no Tcp: lines"},  // header without values
      {std::string(kHeader) + "Tcp: 1 200 120000 -1 5 6\n",
       "6 fields, header has 10"},
      {std::string(kHeader) + "Tcp: 1 200 120000 -1 x 6 7 8 9 10\n",
       "ActiveOpens is not a number: x"},
      {std::string(kHeader) + "Tcp: 1 200 120000 -1 5 -6 7 8 9 10\n",
       "PassiveOpens is not a number: -6"},
      {std::string(kHeader) + "Tcp: 1 200 120000 -1 5 6 7z 8 9 10\n",
       "AttemptFails is not a number: 7z"},
      {"Tcp: RtoMin ActiveOpens\nTcp: 1 2\n", "lack ActiveOpens"},
  };
  for (const BadCase& bad : kCases) {
    TcpCounters c;
    std::string error;
    EXPECT_FALSE(ParseProcNetSnmp(bad.text, &c, &error)) << bad.text;
    EXPECT_NE(error.find(bad.error_part), std::string::npos)
        << bad.text << " -> " << error;
    EXPECT_FALSE(c.valid);
  }
}

TEST(SocketCountHintTest, SumsInuseAndTimeWaitOfTcpAndUdp) {
  std::string v4 =
      "sockets: used 300\nTCP: inuse 120 orphan 2 tw 30 alloc 125 mem 9\n"
      "UDP: inuse 7 mem 1\nUDPLITE: inuse 99\nRAW: inuse 5\n";
  std::string v6 = "TCP6: inuse 40\nUDP6: inuse 3\nRAW6: inuse 1\n";
  EXPECT_EQ(SocketCountHint(v4, v6), 120u + 30u + 7u + 40u + 3u);
  EXPECT_EQ(SocketCountHint("", ""), 0u);
  EXPECT_EQ(SocketCountHint("TCP: inuse x tw 5\n", ""), 5u);
}

}  // namespace
}  // namespace epx

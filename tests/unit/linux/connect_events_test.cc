// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstring>

#include "analysis/connect_event_summary.h"
#include "sources/linux/bpf/bpf_requirements.h"
#include "sources/linux/connect_event_records.h"

namespace epx {
namespace {

epx_process_key ProcessKey(unsigned pid, const char* comm) {
  epx_process_key k{};
  k.pid = pid;
  std::memcpy(k.comm, comm, std::min<std::size_t>(std::strlen(comm), 16));
  return k;
}

TEST(ConnectEventRecordsTest, DecodesTotalsProcessesAndDestinations) {
  std::vector<std::uint64_t> totals(EPX_TOTAL_COUNT, 0);
  totals[EPX_TCP4_CONNECT_FAILED] = 21;
  totals[EPX_TCP4_CONNECT_ATTEMPTS] = 81;
  totals[EPX_TCP6_CONNECT_ATTEMPTS] = 2;
  totals[EPX_UDP_BIND_FAILED] = 4;
  totals[EPX_UDP_AUTOBIND_FAILED] = 1;
  totals[EPX_DESTINATIONS_DROPPED] = 7;
  // A 16-byte name has no NUL; attempts read a moment before failures.
  std::vector<std::pair<epx_process_key, epx_process_counts>> processes = {
      {ProcessKey(700, "cehog"), {21, 31, 0}},
      {ProcessKey(701, "a-very-long-name"), {2, 1, 0}},
  };
  epx_destination_key v4{};
  v4.family = 4;
  v4.protocol = 6;  // IPPROTO_TCP
  v4.port = 5000;
  v4.addr[0] = 127;
  v4.addr[3] = 1;
  epx_destination_key v6{};
  v6.family = 6;
  v6.protocol = 17;  // IPPROTO_UDP: an autobind failure
  v6.port = 443;
  v6.addr[0] = 0x20;
  v6.addr[1] = 0x01;
  v6.addr[2] = 0x0d;
  v6.addr[3] = 0xb8;
  v6.addr[15] = 5;
  epx_destination_key junk{};
  junk.family = 9;
  ConnectEvents e =
      DecodeConnectEvents(totals, processes, {{v4, 21}, {v6, 3}, {junk, 1}});
  EXPECT_TRUE(e.valid);
  EXPECT_EQ(e.tcp_connect_failures[0], 21u);
  EXPECT_EQ(e.tcp_connects[0], 60u);
  EXPECT_EQ(e.tcp_connects[1], 2u);
  EXPECT_EQ(e.bind_failures[1], 4u);
  EXPECT_EQ(e.udp_autobind_failures, 1u);
  EXPECT_EQ(e.destinations_dropped, 7u);
  ASSERT_EQ(e.processes.size(), 2u);
  EXPECT_EQ(e.processes[0].name, "cehog");
  EXPECT_EQ(e.processes[0].connects, 10u);
  EXPECT_EQ(e.processes[1].name, "a-very-long-name");
  EXPECT_EQ(e.processes[1].connects, 0u);
  ASSERT_EQ(e.destinations.size(), 2u);
  EXPECT_EQ(e.destinations[0].address.ToString(), "127.0.0.1");
  EXPECT_EQ(e.destinations[0].port, 5000);
  EXPECT_EQ(e.destinations[0].protocol, Protocol::kTcp);
  EXPECT_EQ(e.destinations[1].address.ToString(), "2001:db8::5");
  EXPECT_EQ(e.destinations[1].protocol, Protocol::kUdp);
}

TEST(ConnectEventSummaryTest, KeepsTopProcessesByFailuresAndByConnects) {
  ConnectEvents e;
  e.valid = true;
  e.tcp_connect_failures[0] = 9;
  for (int i = 0; i < 6; ++i) {
    ConnectEventProcess p;
    p.pid = 100 + i;
    p.name = "p" + std::to_string(i);
    p.connect_failures = i < 3 ? static_cast<std::uint64_t>(i + 1) : 0;
    p.connects = static_cast<std::uint64_t>(1000 * i);
    e.processes.push_back(p);
  }
  for (int i = 0; i < 4; ++i) {
    ConnectEventDestination d;
    d.address = IpAddress::V4(10, 0, 0, static_cast<std::uint8_t>(i));
    d.port = 443;
    d.failures = static_cast<std::uint64_t>(i);
    e.destinations.push_back(d);
  }
  AnalysisOptions options;
  options.top_processes = 2;
  options.top_destinations = 2;
  ConnectEvents top = SummarizeConnectEvents(e, options);
  EXPECT_EQ(top.tcp_connect_failures[0], 9u);
  std::vector<std::string> names;
  for (const auto& p : top.processes) names.push_back(p.name);
  // By failures: p2, p1; by connects: p5, p4.
  EXPECT_EQ(names, (std::vector<std::string>{"p2", "p1", "p5", "p4"}));
  ASSERT_EQ(top.destinations.size(), 2u);
  EXPECT_EQ(top.destinations[0].address.ToString(), "10.0.0.3");
  EXPECT_EQ(top.destinations[1].address.ToString(), "10.0.0.2");
}

TEST(BpfRequirementsTest, NamesWhatIsMissing) {
  std::uint64_t caps = 0;
  ASSERT_TRUE(ParseEffectiveCapabilities(
      "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\n",
      &caps));
  EXPECT_EQ(caps, 0x1fffeffffffull);
  EXPECT_EQ(MissingBpfRequirements(caps, true), "");
  EXPECT_FALSE(ParseEffectiveCapabilities("Name:\tx\n", &caps));
  std::uint64_t bpf_only = 1ull << 39;
  EXPECT_EQ(MissingBpfRequirements(bpf_only, true),
            "CAP_BPF and CAP_PERFMON (or root)");
  EXPECT_EQ(MissingBpfRequirements((1ull << 39) | (1ull << 38), true), "");
  EXPECT_EQ(MissingBpfRequirements(1ull << 21, false),
            "kernel BTF (/sys/kernel/btf/vmlinux)");
}

TEST(BpfRequirementsTest, PidNamespaceLevelFromNSpid) {
  std::uint32_t level = 9;
  EXPECT_TRUE(
      ParsePidNamespaceLevel("Name:\tx\nNSpid:\t4242\nNSpgid:\t1\n", &level));
  EXPECT_EQ(level, 0u);
  EXPECT_TRUE(ParsePidNamespaceLevel("Pid:\t9\nNSpid:\t4242\t17\t1\n", &level));
  EXPECT_EQ(level, 2u);
  EXPECT_FALSE(ParsePidNamespaceLevel("Name:\tx\nPid:\t9\n", &level));
  EXPECT_FALSE(ParsePidNamespaceLevel("Name:\tx\nNSpid:\t\n", &level));
}

}  // namespace
}  // namespace epx

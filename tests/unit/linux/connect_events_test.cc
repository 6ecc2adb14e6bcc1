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

TEST(ConnectEventRecordsTest, DecodesOtherNamespacesByInodeAndCookie) {
  std::vector<std::uint64_t> totals(EPX_TOTAL_COUNT, 0);
  totals[EPX_TCP4_CONNECT_FAILED] = 4;
  totals[EPX_NAMESPACES_DROPPED] = 2;
  totals[EPX_NAMESPACE_DESTINATIONS_DROPPED] = 5;
  epx_namespace_counts pod{};
  pod.totals[EPX_TCP4_CONNECT_FAILED] = 18;
  pod.totals[EPX_TCP4_CONNECT_ATTEMPTS] = 28;
  pod.totals[EPX_UDP_AUTOBIND_FAILED] = 3;
  epx_namespace_counts idle{};
  idle.totals[EPX_TCP6_CONNECT_ATTEMPTS] = 7;
  epx_namespace_process_key p{77, 4026532002u, ProcessKey(900, "censpod")};
  // Its namespace's totals entry was dropped: still reported.
  epx_namespace_process_key orphan{78, 4026532009u, ProcessKey(901, "lost")};
  // A namespace gone before 4026532002 took its inode: apart.
  epx_namespace_process_key gone{912, 4026532002u, ProcessKey(800, "old")};
  epx_namespace_counts gone_totals{};
  gone_totals.totals[EPX_TCP4_CONNECT_FAILED] = 3;
  epx_namespace_destination_key d{};
  d.cookie = 77;
  d.netns = 4026532002u;
  d.destination.family = 4;
  d.destination.protocol = 6;
  d.destination.port = 5001;
  d.destination.addr[0] = 127;
  d.destination.addr[3] = 1;
  ConnectEvents e = DecodeConnectEvents(totals, {}, {});
  std::vector<std::pair<epx_namespace_key, epx_namespace_counts>> ns = {
      {{77, 4026532002u, 0}, pod},
      {{912, 4026532002u, 0}, gone_totals},
      {{50, 4026532001u, 0}, idle}};
  std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>
      processes = {{gone, {3, 5, 0}}, {p, {18, 28, 3}}, {orphan, {1, 1, 0}}};
  std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>
      destinations = {{d, 18}};
  DecodeNamespaceConnectEvents(totals, ns, processes, destinations, &e);
  EXPECT_TRUE(e.namespaces_counted);
  EXPECT_EQ(e.tcp_connect_failures[0], 4u);
  EXPECT_EQ(e.namespaces_dropped, 2u);
  EXPECT_EQ(e.namespace_processes_dropped, 0u);
  EXPECT_EQ(e.namespace_destinations_dropped, 5u);
  ASSERT_EQ(e.namespaces.size(), 4u);
  EXPECT_EQ(e.namespaces[0].netns, 4026532001u);
  EXPECT_EQ(e.namespaces[0].cookie, 50u);
  EXPECT_EQ(e.namespaces[0].events.tcp_connects[1], 7u);
  const ConnectEvents& n = e.namespaces[1].events;
  EXPECT_EQ(e.namespaces[1].netns, 4026532002u);
  EXPECT_EQ(e.namespaces[1].cookie, 77u);
  EXPECT_EQ(n.tcp_connect_failures[0], 18u);
  EXPECT_EQ(n.tcp_connects[0], 10u);
  EXPECT_EQ(n.udp_autobind_failures, 3u);
  ASSERT_EQ(n.processes.size(), 1u);
  EXPECT_EQ(n.processes[0].name, "censpod");
  EXPECT_EQ(n.processes[0].pid, 900);
  EXPECT_EQ(n.processes[0].port_zero_failures, 3u);
  ASSERT_EQ(n.destinations.size(), 1u);
  EXPECT_EQ(n.destinations[0].address.ToString(), "127.0.0.1");
  EXPECT_EQ(n.destinations[0].port, 5001);
  EXPECT_EQ(e.namespaces[2].netns, 4026532002u);
  EXPECT_EQ(e.namespaces[2].cookie, 912u);
  EXPECT_EQ(e.namespaces[2].events.tcp_connect_failures[0], 3u);
  EXPECT_EQ(e.namespaces[3].netns, 4026532009u);
  EXPECT_EQ(e.namespaces[3].events.tcp_connect_failures[0], 0u);
  ASSERT_EQ(e.namespaces[3].events.processes.size(), 1u);
}

// Cookies are not handed out in order across CPUs (seen: a namespace that
// ended had a higher cookie than the one that took its inode), so only the
// cookie read inside the live namespace tells them apart.
TEST(ConnectEventRecordsTest, KeepsTheNamespaceTheScanReadNotTheHighestCookie) {
  NamespaceScan scan;
  scan.valid = true;
  NamespaceSnapshot pod;
  pod.id.inode = 4026532002u;
  pod.id.cookie = 77;
  scan.namespaces.push_back(pod);
  NamespaceSnapshot old_kernel;
  old_kernel.id.inode = 4026532003u;
  scan.namespaces.push_back(old_kernel);
  scan.failed_inodes.push_back(4026532004u);
  ScannedNamespaces scanned(scan);
  using State = ScannedNamespaces::State;
  EXPECT_EQ(scanned.Of(4026532002u, 77), State::kRead);
  EXPECT_EQ(scanned.Of(4026532002u, 912), State::kGone);
  EXPECT_EQ(scanned.Of(4026532003u, 5), State::kUnknown);
  EXPECT_EQ(scanned.Of(4026532004u, 6), State::kUnknown);
  EXPECT_EQ(scanned.Of(4026532005u, 7), State::kGone);

  ConnectEvents e;
  e.namespaces_counted = true;
  for (auto [netns, cookie] :
       std::vector<std::pair<std::uint64_t, std::uint64_t>>{{4026532002u, 77},
                                                            {4026532002u, 912},
                                                            {4026532003u, 5},
                                                            {4026532004u, 6},
                                                            {4026532005u, 7}}) {
    NamespaceConnectEvents n;
    n.netns = netns;
    n.cookie = cookie;
    n.events.tcp_connect_failures[0] = cookie;
    e.namespaces.push_back(n);
  }
  scanned.KeepRead(&e);
  ASSERT_EQ(e.namespaces.size(), 1u);
  EXPECT_EQ(e.namespaces[0].netns, 4026532002u);
  EXPECT_EQ(e.namespaces[0].events.tcp_connect_failures[0], 77u);
}

TEST(ConnectEventSummaryTest, KeepsTopNamespacesAndTheirTopFailures) {
  ConnectEvents e;
  e.valid = true;
  e.namespaces_counted = true;
  for (std::uint64_t i = 0; i < 4; ++i) {
    NamespaceConnectEvents ns;
    ns.netns = 1000 + i;
    ns.events.valid = true;
    ns.events.tcp_connect_failures[0] = i;  // namespace 1000: none
    ns.events.tcp_connects[0] = 50 - i;
    for (std::uint64_t j = 0; j < 3; ++j) {
      ConnectEventProcess p;
      p.pid = static_cast<std::int64_t>(100 * i + j);
      p.name = "p" + std::to_string(p.pid);
      p.connect_failures = j == 0 ? 0 : i * 10 + j;
      p.connects = 5;
      ns.events.processes.push_back(p);
      ConnectEventDestination d;
      d.address = IpAddress::V4(10, 0, static_cast<std::uint8_t>(i),
                                static_cast<std::uint8_t>(j));
      d.port = 80;
      d.failures = i * 10 + j;
      ns.events.destinations.push_back(d);
    }
    e.namespaces.push_back(ns);
  }
  AnalysisOptions options;
  options.top_namespaces = 3;
  options.top_processes = 3;
  options.top_destinations = 2;
  ConnectEvents top = SummarizeConnectEvents(e, options);
  ASSERT_EQ(top.namespaces.size(), 3u);
  EXPECT_EQ(top.namespaces[0].netns, 1003u);
  EXPECT_EQ(top.namespaces[1].netns, 1002u);
  EXPECT_EQ(top.namespaces[2].netns, 1001u);
  EXPECT_EQ(top.namespaces[2].events.tcp_connects[0], 49u);
  // Processes with failures, the top 3 across the reported namespaces.
  std::vector<std::string> names;
  for (const auto& ns : top.namespaces) {
    for (const auto& p : ns.events.processes) names.push_back(p.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"p302", "p301", "p202"}));
  ASSERT_EQ(top.namespaces[0].events.destinations.size(), 2u);
  EXPECT_EQ(top.namespaces[0].events.destinations[0].failures, 32u);
  EXPECT_TRUE(top.namespaces[1].events.destinations.empty());
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

// SPDX-License-Identifier: Apache-2.0
#include "metrics/namespace_families.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../../support/exposition.h"
#include "../../support/snapshot_builder.h"
#include "analysis/namespace_usage.h"
#include "analysis/port_usage.h"
#include "metrics/report_families.h"
#include "prometheus/text_serializer.h"

namespace epx {
namespace {

using testing::Find;
using testing::ParseExposition;
using testing::SnapshotBuilder;

// A namespace with a 1,000-port range and `connections` TCP connections
// from one address to one destination.
NamespaceSnapshot Namespace(std::uint64_t inode, int connections) {
  SnapshotBuilder b;
  b.Range(20000, 1000);
  for (int i = 0; i < connections; ++i)
    b.Tcp("10.1.0.2", static_cast<std::uint16_t>(20000 + i), "10.1.0.1", 80);
  NamespaceSnapshot ns;
  ns.id.inode = inode;
  ns.id.pid = static_cast<std::int64_t>(inode);
  ns.id.process = "client";
  ns.sockets = b.Get().sockets;
  ns.ranges = b.Get().ranges;
  return ns;
}

Snapshot HostWithNamespaces() {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  Snapshot host = b.Get();
  host.namespaces.valid = true;
  host.namespaces.found = 4;
  host.namespaces.failed_inodes = {4026532004};
  host.namespaces.namespaces = {Namespace(4026532001, 40),
                                Namespace(4026532002, 250),
                                Namespace(4026532003, 120)};
  return host;
}

std::string Serialize(const Snapshot& snapshot, const AnalysisOptions& o) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(
      out, BuildMetricFamilies(AnalyzePortUsage(snapshot, o),
                               BuildInfo{"1", "r", "d", "linux", "netlink"}));
  return out.str();
}

TEST(TopByHeadline, HighestFirstTiesToLowerInode) {
  std::vector<std::size_t> top =
      TopByHeadline({0.5, 0.9, 0.5, 0.1}, {30, 40, 20, 10}, 3);
  EXPECT_EQ(top, (std::vector<std::size_t>{1, 2, 0}));
  EXPECT_TRUE(TopByHeadline({0.5}, {1}, 0).empty());
  EXPECT_EQ(TopByHeadline({0.5, 0.2}, {1, 2}, 10).size(), 2u);
}

TEST(NamespaceFamilies, EachNamespaceHeadlineByTheHostRules) {
  AnalysisOptions options;
  options.top_namespaces = 2;
  auto samples = ParseExposition(Serialize(HostWithNamespaces(), options));
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_exhaustion_ratio",
                 {{"netns", "4026532002"}, {"protocol", "tcp"}}),
            0.25);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_exhaustion_ratio",
                 {{"netns", "4026532003"}, {"protocol", "tcp"}}),
            0.12);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_in_use",
                 {{"netns", "4026532003"}, {"protocol", "tcp"}}),
            120);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_capacity",
                 {{"netns", "4026532003"}, {"protocol", "udp"}}),
            1000);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_info",
                 {{"netns", "4026532002"}, {"process", "client"}}),
            1);
  // Top 2: the namespace at 4% is not reported.
  EXPECT_FALSE(Find(samples, "ephemeral_port_namespace_exhaustion_ratio",
                    {{"netns", "4026532001"}, {"protocol", "tcp"}}));
  EXPECT_FALSE(Find(samples, "ephemeral_port_namespace_info",
                    {{"netns", "4026532001"}}));
  EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_scanned", {}), 3);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_failed", {}), 1);
}

TEST(NamespaceFamilies, HostSeriesUnchangedByNamespaces) {
  Snapshot with = HostWithNamespaces();
  Snapshot without = with;
  without.namespaces = NamespaceScan{};
  std::string host_only = Serialize(without, {});
  std::string all = Serialize(with, {});
  EXPECT_EQ(host_only.find("namespace"), std::string::npos);
  // Every host line is in the exposition with namespaces, unchanged.
  std::istringstream lines(host_only);
  std::string line;
  while (std::getline(lines, line))
    EXPECT_NE(all.find(line + "\n"), std::string::npos) << line;
  EXPECT_EQ(Find(ParseExposition(all), "ephemeral_port_exhaustion_ratio",
                 {{"protocol", "tcp"}}),
            0.1);
}

TEST(NamespaceConnectFamilies, PerNamespaceCountsBesideTheHostsOwn) {
  Snapshot with = HostWithNamespaces();
  with.connect_events.valid = true;
  with.connect_events.tcp_connect_failures[0] = 4;
  Snapshot without = with;
  with.connect_events.namespaces_counted = true;
  with.connect_events.namespace_processes_dropped = 6;
  NamespaceConnectEvents pod;
  pod.netns = 4026532002;
  pod.events.valid = true;
  pod.events.tcp_connect_failures[0] = 18;
  pod.events.tcp_connects[0] = 10;
  pod.events.udp_autobind_failures = 2;
  pod.events.processes.push_back({900, "censpod", 18, 10, 2});
  pod.events.destinations.push_back(
      {Protocol::kTcp, IpAddress::V4(127, 0, 0, 1), 5001, 18});
  with.connect_events.namespaces.push_back(pod);
  auto samples = ParseExposition(Serialize(with, {}));
  const std::map<std::string, std::string> v4{
      {"netns", "4026532002"}, {"protocol", "tcp"}, {"family", "ipv4"}};
  EXPECT_EQ(
      Find(samples, "ephemeral_port_namespace_connect_failures_total", v4), 18);
  EXPECT_EQ(Find(samples, "ephemeral_port_namespace_connects_total", v4), 10);
  EXPECT_EQ(
      Find(
          samples, "ephemeral_port_namespace_port_allocation_failures_total",
          {{"netns", "4026532002"}, {"protocol", "udp"}, {"call", "autobind"}}),
      2);
  EXPECT_EQ(
      Find(samples, "ephemeral_port_namespace_process_connect_failures_total",
           {{"netns", "4026532002"}, {"process", "censpod"}, {"pid", "900"}}),
      20);
  EXPECT_EQ(Find(samples,
                 "ephemeral_port_namespace_destination_connect_failures_total",
                 {{"netns", "4026532002"},
                  {"protocol", "tcp"},
                  {"remote_address", "127.0.0.1"},
                  {"remote_port", "5001"}}),
            18);
  EXPECT_EQ(
      Find(samples, "ephemeral_port_namespace_connect_events_dropped_total",
           {{"map", "processes"}}),
      6);
  EXPECT_EQ(Find(samples, "ephemeral_port_connect_failures_total",
                 {{"protocol", "tcp"}, {"family", "ipv4"}}),
            4);
  // Without the namespaces counted: none of these families, host unchanged.
  std::string host = Serialize(without, {});
  EXPECT_EQ(host.find("namespace_connect"), std::string::npos);
  EXPECT_EQ(host.find("namespace_process"), std::string::npos);
  std::string all = Serialize(with, {});
  std::istringstream lines(host);
  std::string line;
  while (std::getline(lines, line))
    EXPECT_NE(all.find(line + "\n"), std::string::npos) << line;
}

TEST(NamespaceFamilies, NoneWhenTheCollectorIsOff) {
  EXPECT_TRUE(NamespaceFamilies(NamespaceReport{}).empty());
}

}  // namespace
}  // namespace epx

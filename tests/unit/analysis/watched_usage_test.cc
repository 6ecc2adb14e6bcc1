// SPDX-License-Identifier: Apache-2.0
// Watch lists: what an administrator names is reported besides the top N.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../support/snapshot_builder.h"
#include "analysis/port_usage.h"
#include "analysis/watch_list.h"

namespace epx {
namespace {

using testing::SnapshotBuilder;

DestinationPattern Destination(const std::string& text) {
  DestinationPattern d;
  std::string problem;
  EXPECT_TRUE(ParseDestinationPattern(text, &d, &problem)) << problem;
  return d;
}

AddressPattern Address(const std::string& text) {
  AddressPattern a;
  std::string problem;
  EXPECT_TRUE(ParseAddressPattern(text, &a, &problem)) << problem;
  return a;
}

ProcessPattern Process(const std::string& glob) {
  ProcessPattern p;
  std::string problem;
  EXPECT_TRUE(ParseProcessPattern(glob, false, &p, &problem)) << problem;
  return p;
}

const DestinationUsage* FindDestination(const PortUsageReport& r,
                                        Protocol protocol,
                                        const std::string& address,
                                        std::uint16_t port) {
  const DestinationUsage* found = nullptr;
  for (const DestinationUsage& d : r.destinations) {
    if (d.protocol != protocol || d.remote_address != address ||
        d.remote_port != port)
      continue;
    EXPECT_EQ(found, nullptr) << address << ":" << port << " twice";
    found = &d;
  }
  return found;
}

std::size_t Count(const PortUsageReport& r, Protocol protocol) {
  std::size_t n = 0;
  for (const DestinationUsage& d : r.destinations) n += d.protocol == protocol;
  return n;
}

// Ten destinations with 3 connections each fill the top 10; quieter ones
// have one connection each.
SnapshotBuilder BusyHost() {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  int port = 40000;
  for (int d = 1; d <= 10; ++d) {
    for (int i = 0; i < 3; ++i)
      b.Tcp("10.0.0.1", port++, "10.1.0." + std::to_string(d), 443);
  }
  b.Tcp("10.0.0.1", port++, "192.0.2.10", 5432);
  b.Tcp("10.0.0.1", port++, "192.0.2.11", 5432);
  for (int d = 1; d <= 12; ++d) {
    for (int i = 0; i < (d <= 2 ? 2 : 1); ++i)
      b.Tcp("10.0.0.1", port++, "198.51.100." + std::to_string(d), 80);
  }
  b.Tcp("2001:db8::1", port++, "2001:db8::7", 443);
  return b;
}

TEST(WatchedUsageTest, WatchedDestinationIsReportedBesidesTheTopN) {
  SnapshotBuilder b = BusyHost();
  AnalysisOptions options;
  PortUsageReport plain = AnalyzePortUsage(b.Get(), options);
  EXPECT_EQ(Count(plain, Protocol::kTcp), 10u);
  EXPECT_EQ(FindDestination(plain, Protocol::kTcp, "192.0.2.10", 5432),
            nullptr);

  options.watch.destinations = {Destination("192.0.2.10:5432"),
                                Destination("10.1.0.3:443"),
                                Destination("[2001:db8::/32]:443")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  EXPECT_EQ(Count(r, Protocol::kTcp), 12u);
  const DestinationUsage* watched =
      FindDestination(r, Protocol::kTcp, "192.0.2.10", 5432);
  ASSERT_NE(watched, nullptr);
  EXPECT_EQ(watched->in_use, 1u);
  EXPECT_DOUBLE_EQ(watched->usage_ratio, 1.0 / 1000);
  ASSERT_NE(FindDestination(r, Protocol::kTcp, "2001:db8::7", 443), nullptr);
  EXPECT_EQ(FindDestination(r, Protocol::kTcp, "192.0.2.11", 5432), nullptr);
  // Already in the top 10: reported once.
  ASSERT_NE(FindDestination(r, Protocol::kTcp, "10.1.0.3", 443), nullptr);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(r.destinations[i].in_use, 3u);
}

TEST(WatchedUsageTest, ABlockAddsItsBusiestMatchesUpToTheBound) {
  SnapshotBuilder b = BusyHost();
  AnalysisOptions options;
  options.watch.destinations = {Destination("198.51.100.0/24"),
                                Destination("198.51.100.0/24:443")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  EXPECT_EQ(Count(r, Protocol::kTcp), 10u + kWatchMatchesPerEntry);
  ASSERT_GT(r.destinations.size(), 11u);
  EXPECT_EQ(r.destinations[10].remote_address, "198.51.100.1");
  EXPECT_EQ(r.destinations[10].in_use, 2u);
  EXPECT_EQ(r.destinations[11].remote_address, "198.51.100.2");
  EXPECT_EQ(FindDestination(r, Protocol::kTcp, "198.51.100.12", 80), nullptr);
  // A block that matches nothing adds nothing, not even a zero.
  options.watch.destinations = {Destination("203.0.113.0/24:443")};
  EXPECT_EQ(Count(AnalyzePortUsage(b.Get(), options), Protocol::kTcp), 10u);
}

TEST(WatchedUsageTest, AnIdleWatchedDestinationReadsZero) {
  SnapshotBuilder b = BusyHost();
  b.Socket(Protocol::kTcp, SocketState::kListen, "0.0.0.0", 40900, "0.0.0.0",
           0);
  AnalysisOptions options;
  options.watch.destinations = {Destination("192.0.2.99:5432"),
                                Destination("[2001:db8::99]:443"),
                                Destination("192.0.2.99")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  const DestinationUsage* idle =
      FindDestination(r, Protocol::kTcp, "192.0.2.99", 5432);
  ASSERT_NE(idle, nullptr);
  EXPECT_EQ(idle->in_use, 0u);
  // Per-destination rule: a connect toward it still finds the listener's
  // port taken.
  EXPECT_DOUBLE_EQ(idle->usage_ratio, 1.0 / 1000);
  ASSERT_NE(FindDestination(r, Protocol::kTcp, "2001:db8::99", 443), nullptr);
  EXPECT_EQ(FindDestination(r, Protocol::kUdp, "192.0.2.99", 5432), nullptr);
  // Without a port it names no one series.
  EXPECT_EQ(Count(r, Protocol::kTcp), 12u);
}

TEST(WatchedUsageTest, AnIdleWatchedDestinationOnWindowsFacesTheHeldPorts) {
  // Windows TCP: ports held by non-TIME_WAIT sockets block every
  // destination; TIME_WAIT ports only their own.
  SnapshotBuilder b;
  b.Range(49152, 10)
      .Rules(ExhaustionRule::kHostWide, ExhaustionRule::kHostWide)
      .Tcp("10.0.0.1", 49152, "10.0.0.9", 443)
      .Tcp("0.0.0.0", 49153, "0.0.0.0", 0, 0, SocketState::kBound);
  for (std::uint16_t p = 49154; p < 49158; ++p)
    b.Tcp("10.0.0.1", p, "10.0.0.7", 80, 0, SocketState::kTimeWait);
  AnalysisOptions options;
  options.watch.destinations = {Destination("192.0.2.99:1433")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  const DestinationUsage* idle =
      FindDestination(r, Protocol::kTcp, "192.0.2.99", 1433);
  ASSERT_NE(idle, nullptr);
  EXPECT_EQ(idle->in_use, 0u);
  EXPECT_DOUBLE_EQ(idle->usage_ratio, 0.2);
}

TEST(WatchedUsageTest, WatchedProcessesAreReportedBesidesTheTopN) {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  std::uint64_t inode = 1;
  auto add = [&](std::int64_t pid, const std::string& name, int sockets) {
    std::vector<std::uint64_t> inodes;
    for (int i = 0; i < sockets; ++i) {
      b.Tcp("10.0.0.1", static_cast<std::uint16_t>(40000 + inode), "10.9.0.1",
            443, inode);
      inodes.push_back(inode++);
    }
    b.Process(pid, name, inodes);
  };
  add(10, "busy", 5);
  add(11, "busier", 6);
  add(20, "quiet-worker", 1);
  add(21, "quiet-worker", 1);
  add(30, "other", 2);
  add(40, "java", 1);
  b.Get().processes[40].executable = "/opt/jdk-21/bin/java";
  AnalysisOptions options;
  options.top_processes = 2;
  options.watch.processes = {Process("quiet*"), Process("/opt/*/bin/java"),
                             Process("busy"), Process("absent")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  std::vector<std::int64_t> pids;
  for (const ProcessUsage& p : r.processes) pids.push_back(p.pid);
  EXPECT_EQ(pids, (std::vector<std::int64_t>{11, 10, 20, 21, 40}));
  EXPECT_EQ(r.processes[2].name, "quiet-worker");
  EXPECT_EQ(r.processes[2].in_use[0], 1u);
  EXPECT_EQ(r.processes[4].executable, "/opt/jdk-21/bin/java");
}

TEST(WatchedUsageTest, WatchedLocalAddressesAreReportedBesidesTheTopN) {
  SnapshotBuilder b;
  b.Range(40000, 1000);
  for (int i = 0; i < 5; ++i)
    b.Tcp("10.0.0.1", static_cast<std::uint16_t>(40000 + i), "10.9.0.1", 443);
  b.Tcp("10.8.0.5", 40100, "10.9.0.1", 443);
  b.Tcp("10.7.0.5", 40101, "10.9.0.1", 443);
  AnalysisOptions options;
  options.top_local_addresses = 1;
  options.watch.local_addresses = {Address("10.8.0.0/24"), Address("10.6.0.1"),
                                   Address("fd00::/8")};
  PortUsageReport r = AnalyzePortUsage(b.Get(), options);
  std::vector<std::string> tcp;
  for (const LocalAddressUsage& a : r.local_addresses) {
    if (a.protocol != Protocol::kTcp) continue;
    tcp.push_back(a.address + "=" + std::to_string(a.in_use));
    if (a.address == "10.6.0.1") {
      EXPECT_EQ(a.capacity, 1000u);
      EXPECT_DOUBLE_EQ(a.usage_ratio, 0);
    }
  }
  EXPECT_EQ(tcp, (std::vector<std::string>{"10.0.0.1=5", "10.8.0.5=1",
                                           "10.6.0.1=0"}));
  for (const LocalAddressUsage& a : r.local_addresses)
    EXPECT_FALSE(a.protocol == Protocol::kUdp && a.address == "10.6.0.1");
}

}  // namespace
}  // namespace epx

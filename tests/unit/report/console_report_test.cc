// SPDX-License-Identifier: Apache-2.0
#include "report/console_report.h"

#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"

namespace epx {
namespace {

TEST(ConsoleReportTest, ShowsTheClassicPerAddressRowAndTheHeadline) {
  testing::SnapshotBuilder b;
  b.Range(49152, 16384)
      .Tcp("192.168.1.2", 50000, "10.0.0.9", 443, 1)
      .Tcp("192.168.1.2", 50001, "10.0.0.9", 443, 2)
      .Tcp("192.168.1.2", 3389, "0.0.0.0", 0, 3, SocketState::kListen)
      .Process(4242, "WAPCSvc-host", {1, 2, 3})
      .Service("WAPCSvc", {4242});
  std::string text =
      FormatConsoleReport(AnalyzePortUsage(b.Get(), {}), "TITLE");
  EXPECT_EQ(text.rfind("TITLE\n", 0), 0u);
  EXPECT_NE(text.find("Headline tcp: 0.0% (2 of 16384 ports"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("192.168.1.2   tcp       2               16384"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("4242  WAPCSvc-host  -         -     -        2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("WAPCSvc  yes"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.9:443"), std::string::npos) << text;
}

TEST(ConsoleReportTest, NamesServicesUserAndHandlesOfTopProcesses) {
  testing::SnapshotBuilder b;
  b.Range(49152, 16384)
      .Tcp("10.0.0.1", 50000, "10.0.0.9", 443, 1)
      .Tcp("10.0.0.1", 50001, "10.0.0.9", 443, 1)
      .Tcp("10.0.0.1", 50002, "10.0.0.9", 443, 2)
      .Tcp("10.0.0.1", 50003, "10.0.0.9", 443, 3)
      .Process(1234, "svchost.exe", {1})
      .Process(2000, "app.exe", {2})
      .Process(3000, "quiet.exe", {3});
  ProcessInfo& svchost = b.Get().processes[1234];
  svchost.services = {"Dnscache", "NlaSvc"};
  svchost.user = "NETWORK SERVICE";
  svchost.handles = 12001;
  b.Get().processes[2000].handles = 3500;
  b.Get().processes[3000].handles = 3000;
  std::string text = FormatConsoleReport(AnalyzePortUsage(b.Get(), {}), "T");
  EXPECT_NE(text.find("PID   Process      Services         User             "
                      "Handles  TCP ports"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1234  svchost.exe  Dnscache,NlaSvc  NETWORK SERVICE  "
                      "12001    2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("svchost.exe (pid 1234) has 12001 handles: over 10000, "
                      "the mark of a leak"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("app.exe (pid 2000) has 3500 handles: over 3000, worth "
                      "a look"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("quiet.exe (pid"), std::string::npos) << text;
}

TEST(ConsoleReportTest, WarnsAboutFailedCollectorsAndMissingProcessData) {
  testing::SnapshotBuilder b;
  b.Range(40000, 10);
  b.Get().collectors = {{"sockets", false, 0, "netlink recv: boom"}};
  std::string text = FormatConsoleReport(AnalyzePortUsage(b.Get(), {}), "T");
  EXPECT_NE(text.find("Per-process data not collected."), std::string::npos);
  EXPECT_NE(text.find("WARNING: collector sockets failed: netlink recv: boom"),
            std::string::npos);
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(ConsoleReportTest, ShowsFailingConnectsFromTheKernel) {
  testing::SnapshotBuilder b;
  b.Range(40000, 10);
  Snapshot& s = b.Get();
  s.connect_events.valid = true;
  s.connect_events.tcp_connect_failures[0] = 21;
  s.connect_events.tcp_connects[0] = 60;
  ConnectEventProcess p;
  p.pid = 700;
  p.name = "cehog";
  p.connect_failures = 21;
  p.connects = 10;
  s.connect_events.processes.push_back(p);
  ConnectEventDestination d;
  d.address = IpAddress::V4(127, 0, 0, 1);
  d.port = 5000;
  d.failures = 21;
  s.connect_events.destinations.push_back(d);
  std::string text = FormatConsoleReport(AnalyzePortUsage(s, {}), "T");
  EXPECT_NE(text.find("Failing connects since start (kernel): tcp ipv4 21"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("700  cehog    21        10"), std::string::npos) << text;
  EXPECT_NE(text.find("127.0.0.1:5000  21"), std::string::npos) << text;
}

}  // namespace
}  // namespace epx

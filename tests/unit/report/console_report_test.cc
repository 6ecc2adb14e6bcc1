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

TEST(IncidentsSectionTest, ListsIncidentsAndTheNewestWorstMoment) {
  Incident incident;
  incident.id = IncidentId(1796527920);
  incident.opened_seconds = 1796527920;
  incident.trigger = "tcp headline 0.97";
  incident.peak_headline = "tcp";
  incident.peak_ratio = 0.97;
  incident.peak_seconds = 1796527935;
  for (int i = 0; i < 12; ++i) {
    ProcessUsage p;
    p.pid = 100 + i;
    p.name = "proc" + std::to_string(i);
    p.in_use[0] = 90 - i;
    incident.worst.processes.push_back(p);
  }
  DestinationUsage d;
  d.protocol = Protocol::kTcp;
  d.remote_address = "2001:db8::7";
  d.remote_port = 443;
  d.in_use = 97;
  d.usage_ratio = 0.97;
  incident.worst.destinations.push_back(d);
  IncidentSummary summary;
  std::string json = IncidentToJson(incident), error;
  ASSERT_TRUE(ParseIncidentSummary(json, &summary, &error)) << error;
  IncidentSummary older;
  older.id = IncidentId(1796400000);
  older.opened_seconds = 1796400000;
  older.closed_seconds = 1796400600;
  older.peak_headline = "udp";
  older.peak_ratio = 0.91;
  std::string text =
      FormatIncidentsSection({summary, older}, json, "/var/lib/epx", 10);
  EXPECT_EQ(
      text.rfind("Recorded incidents (2 in /var/lib/epx, newest first)\n", 0),
      0u)
      << text;
  EXPECT_NE(text.find("20261206T033200Z  2026-12-06 03:32:00 UTC  open"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2026-12-04 16:10:00 UTC  udp 91.0%"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Top processes (12 recorded)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("proc9"), std::string::npos);
  EXPECT_EQ(text.find("proc10"), std::string::npos) << "rows cut at 10";
  EXPECT_NE(text.find("tcp       [2001:db8::7]:443  97            97.0%"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/incidents/20261206T033200Z"), std::string::npos);
}

TEST(IncidentsSectionTest, NoneRecordedSaysSo) {
  std::string text = FormatIncidentsSection({}, "", "/x");
  EXPECT_NE(text.find("none recorded"), std::string::npos) << text;
}

}  // namespace
}  // namespace epx

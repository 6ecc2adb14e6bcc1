// SPDX-License-Identifier: Apache-2.0
#include "metrics/report_families.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../../support/exposition.h"
#include "../../support/snapshot_builder.h"
#include "analysis/port_usage.h"
#include "prometheus/text_serializer.h"

namespace epx {
namespace {

using testing::Find;
using testing::ParseExposition;
using testing::SnapshotBuilder;

std::string Serialize(const Snapshot& snapshot) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(
      out, BuildMetricFamilies(
               AnalyzePortUsage(snapshot, {}),
               BuildInfo{"1.2.3", "0123456789ab", "2026-01-02T03:04:05Z",
                         "linux", "netlink"}));
  return out.str();
}

TEST(ReportFamiliesTest, ExposesTheHeadlineAndPoolsPerProtocol) {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_EQ(
      Find(samples, "ephemeral_port_exhaustion_ratio", {{"protocol", "tcp"}}),
      0.1);
  EXPECT_EQ(
      Find(samples, "ephemeral_port_exhaustion_ratio", {{"protocol", "udp"}}),
      0.0);
  EXPECT_EQ(Find(samples, "ephemeral_port_range_start",
                 {{"protocol", "udp"}, {"family", "ipv6"}}),
            40000);
  EXPECT_EQ(Find(samples, "ephemeral_port_capacity",
                 {{"protocol", "tcp"}, {"family", "ipv4"}}),
            10);
  EXPECT_EQ(Find(samples, "ephemeral_port_build_info",
                 {{"version", "1.2.3"},
                  {"revision", "0123456789ab"},
                  {"build_date", "2026-01-02T03:04:05Z"},
                  {"os", "linux"}}),
            1);
}

TEST(ReportFamiliesTest, VrfSeriesOnlyWhenTheNamespaceHasVrfs) {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  std::string text = Serialize(b.Get());
  EXPECT_EQ(text.find("vrf_exhaustion_ratio"), std::string::npos);
  b.Get().sockets[0].bound_device = 5;
  b.Get().l3mdev.vrfs = {{5, "red"}};
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_EQ(Find(samples, "ephemeral_port_vrf_exhaustion_ratio",
                 {{"protocol", "tcp"}, {"vrf", "red"}}),
            0.1);
  EXPECT_EQ(Find(samples, "ephemeral_port_vrf_exhaustion_ratio",
                 {{"protocol", "tcp"}, {"vrf", "default"}}),
            0.0);
  EXPECT_EQ(Find(samples, "ephemeral_port_vrf_exhaustion_ratio",
                 {{"protocol", "udp"}, {"vrf", "red"}}),
            0.0);
}

TEST(ReportFamiliesTest, BoundSocketVisibilityIsOneHostWideSample) {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  PortUsageReport report = AnalyzePortUsage(b.Get(), {});
  for (ExhaustionSummary& e : report.exhaustion) e.linux_rules = true;
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(
      out, BuildMetricFamilies(
               report, BuildInfo{"1.2.3", "r", "d", "linux", "netlink"}));
  std::string text = out.str();
  std::size_t samples = 0;
  for (std::size_t at = text.find("\nephemeral_port_bound_sockets_visible ");
       at != std::string::npos;
       at = text.find("\nephemeral_port_bound_sockets_visible ", at + 1))
    ++samples;
  EXPECT_EQ(samples, 1u) << text;
}

TEST(ReportFamiliesTest, CountersEndInTotalAndAreTypedAsCounters) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  b.Get().tcp_counters = {TcpCounters{true, "", 10, 20, 3, 1}};
  std::string text = Serialize(b.Get());
  EXPECT_NE(text.find("# TYPE ephemeral_port_tcp_active_opens_total counter"),
            std::string::npos);
  EXPECT_NE(text.find("ephemeral_port_tcp_attempt_fails_total 3"),
            std::string::npos);
  for (const auto& s : ParseExposition(text)) {
    bool is_counter =
        text.find("# TYPE " + s.name + " counter") != std::string::npos;
    EXPECT_EQ(is_counter,
              s.name.size() > 6 && s.name.substr(s.name.size() - 6) == "_total")
        << s.name;
  }
}

TEST(ReportFamiliesTest, MissingCountersAreAbsentRatherThanZero) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  std::string text = Serialize(b.Get());
  EXPECT_EQ(text.find("tcp_active_opens_total"), std::string::npos);
  EXPECT_EQ(text.find("windows_events_total"), std::string::npos);
}

TEST(ReportFamiliesTest, EscapesHostileProcessNames) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 7)
      .Process(99, "evil\"name\\with\nnewline", {7});
  std::string text = Serialize(b.Get());
  EXPECT_NE(text.find("process=\"evil\\\"name\\\\with\\nnewline\""),
            std::string::npos)
      << text;
  for (std::size_t pos = 0; (pos = text.find('\n', pos)) != std::string::npos;
       ++pos) {
    std::size_t next = text.find('\n', pos + 1);
    if (next == std::string::npos) break;
    std::string line = text.substr(pos + 1, next - pos - 1);
    EXPECT_TRUE(line.empty() || line[0] == '#' ||
                line.rfind("ephemeral_port_", 0) == 0)
        << line;
  }
}

TEST(ReportFamiliesTest, InvalidUtf8InProcessNamesBecomesReplacementChars) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 7)
      .Process(99, std::string("bad\xff\xc3(\xe2\x82\xacok"), {7});
  std::string text = Serialize(b.Get());
  EXPECT_NE(text.find("process=\"bad\xEF\xBF\xBD\xEF\xBF\xBD(\xe2\x82\xacok\""),
            std::string::npos);
}

TEST(ReportFamiliesTest, CollectorFailuresAreVisible) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  b.Get().collectors = {{"sockets", true, 0.01, ""},
                        {"processes", false, 0.2, "denied"}};
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                 {{"collector", "sockets"}}),
            1);
  EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                 {{"collector", "processes"}}),
            0);
  EXPECT_EQ(Find(samples, "ephemeral_port_collector_duration_seconds",
                 {{"collector", "processes"}}),
            0.2);
}

TEST(ReportFamiliesTest, AFailedSocketDumpHidesTheHeadlineInsteadOfLowering) {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443);
  b.Get().collectors = {{"sockets", false, 0.1, "netlink recv: ENOBUFS"}};
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_FALSE(
      Find(samples, "ephemeral_port_exhaustion_ratio", {{"protocol", "tcp"}}));
  EXPECT_FALSE(Find(samples, "ephemeral_port_in_use",
                    {{"protocol", "tcp"}, {"family", "ipv4"}}));
  EXPECT_EQ(Find(samples, "ephemeral_port_capacity",
                 {{"protocol", "tcp"}, {"family", "ipv4"}}),
            10);
  EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                 {{"collector", "sockets"}}),
            0);
}

TEST(ReportFamiliesTest, TopProcessesHaveHandlesAndOneInfoSeriesEach) {
  SnapshotBuilder b;
  b.Range(40000, 10)
      .Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 7)
      .Tcp("10.0.0.1", 40002, "10.0.0.9", 443, 8)
      .Process(1234, "svchost.exe", {7})
      .Process(99, "nginx", {8}, "nginx.service");
  ProcessInfo& svchost = b.Get().processes[1234];
  svchost.services = {"Dnscache", "NlaSvc"};
  svchost.handles = 12001;
  svchost.executable = "C:\\Windows\\System32\\svchost.exe";
  svchost.user = "NT AUTHORITY\\NETWORK SERVICE";
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_EQ(Find(samples, "ephemeral_port_process_handles",
                 {{"process", "svchost.exe"}, {"pid", "1234"}}),
            12001);
  EXPECT_FALSE(
      Find(samples, "ephemeral_port_process_handles", {{"pid", "99"}}));
  EXPECT_EQ(Find(samples, "ephemeral_port_process_info",
                 {{"process", "svchost.exe"},
                  {"pid", "1234"},
                  {"services", "Dnscache,NlaSvc"},
                  {"executable", "C:\\Windows\\System32\\svchost.exe"},
                  {"user", "NT AUTHORITY\\NETWORK SERVICE"}}),
            1);
  EXPECT_EQ(Find(samples, "ephemeral_port_process_info",
                 {{"process", "nginx"},
                  {"pid", "99"},
                  {"services", "nginx.service"},
                  {"executable", ""},
                  {"user", ""}}),
            1);
  // The dashboards join on pid: one info series per pid of process_in_use.
  std::map<std::string, int> info_per_pid;
  for (const auto& sample : samples) {
    if (sample.name == "ephemeral_port_process_info") {
      ++info_per_pid[sample.labels.at("pid")];
    }
  }
  for (const auto& sample : samples) {
    if (sample.name == "ephemeral_port_process_in_use") {
      EXPECT_EQ(info_per_pid[sample.labels.at("pid")], 1);
    }
  }
  EXPECT_EQ(info_per_pid.size(), 2u);
}

TEST(ReportFamiliesTest, PerProcessSeriesOnlyWhenProcessesWereCollected) {
  SnapshotBuilder b;
  b.Range(40000, 10).Tcp("10.0.0.1", 40001, "10.0.0.9", 443, 7);
  std::string text = Serialize(b.Get());
  EXPECT_EQ(text.find("ephemeral_port_unattributed"), std::string::npos);
  EXPECT_EQ(text.find("ephemeral_port_processes_unreadable"),
            std::string::npos);
  b.Process(1, "x", {});
  text = Serialize(b.Get());
  EXPECT_NE(text.find("ephemeral_port_unattributed_sockets{protocol=\"tcp\","
                      "reason=\"unknown\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("ephemeral_port_processes_unreadable 0"),
            std::string::npos);
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(ReportFamiliesTest, WindowsCountersArePerFamilySoAWrapIsOneReset) {
  SnapshotBuilder b;
  b.Range(40000, 10);
  b.Get().tcp_counters = {TcpCounters{true, "ipv4", 4294967290u, 5, 7, 0},
                          TcpCounters{true, "ipv6", 12, 3, 1, 0}};
  auto samples = ParseExposition(Serialize(b.Get()));
  EXPECT_EQ(Find(samples, "ephemeral_port_tcp_active_opens_total",
                 {{"family", "ipv4"}}),
            4294967290.0);
  EXPECT_EQ(Find(samples, "ephemeral_port_tcp_active_opens_total",
                 {{"family", "ipv6"}}),
            12);
}

TEST(ReportFamiliesTest, RangeSourceAndEventTimestampsAreExposed) {
  SnapshotBuilder b;
  b.Range(49152, 16384);
  Snapshot& s = b.Get();
  s.range_source = "netsh";
  s.range_read_seconds = 1700000000;
  s.events.valid = true;
  s.events.by_id = {{4227, 0}, {4231, 2}, {4266, 1}};
  s.events.newest_seconds = {{4227, 0}, {4231, 1700000100}, {4266, 1699990000}};
  auto samples = ParseExposition(Serialize(s));
  EXPECT_EQ(Find(samples, "ephemeral_port_range_info", {{"source", "netsh"}}),
            1);
  EXPECT_EQ(Find(samples, "ephemeral_port_range_read_timestamp_seconds", {}),
            1700000000);
  EXPECT_EQ(Find(samples, "ephemeral_port_windows_events_total",
                 {{"event_id", "4266"}}),
            1);
  EXPECT_EQ(Find(samples, "ephemeral_port_windows_event_last_timestamp_seconds",
                 {{"event_id", "4231"}}),
            1700000100);
}

}  // namespace
}  // namespace epx

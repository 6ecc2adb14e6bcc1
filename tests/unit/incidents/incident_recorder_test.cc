// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_recorder.h"

#include <gtest/gtest.h>

#include <string>

namespace epx {
namespace {

PortUsageReport Sample(double tcp_ratio, double udp_ratio = 0.1) {
  PortUsageReport report;
  ExhaustionSummary tcp;
  tcp.protocol = Protocol::kTcp;
  tcp.capacity = 1000;
  tcp.ratio = tcp_ratio;
  tcp.worst_in_use = static_cast<std::uint32_t>(tcp_ratio * 1000);
  report.exhaustion.push_back(tcp);
  ExhaustionSummary udp;
  udp.protocol = Protocol::kUdp;
  udp.capacity = 1000;
  udp.ratio = udp_ratio;
  report.exhaustion.push_back(udp);
  ProcessUsage holder;
  holder.pid = 42;
  holder.name = "client-" + std::to_string(static_cast<int>(tcp_ratio * 100));
  holder.in_use[0] = tcp.worst_in_use;
  report.processes.push_back(holder);
  return report;
}

IncidentOptions Options() {
  IncidentOptions options;
  options.threshold = 0.9;
  options.close_margin = 0.05;
  options.calm_seconds = 60;
  return options;
}

TEST(IncidentRecorderTest, StaysQuietBelowThreshold) {
  IncidentRecorder recorder(Options());
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1000), IncidentChange::kNone);
  EXPECT_EQ(recorder.Observe(Sample(0.89), 1015), IncidentChange::kNone);
  EXPECT_FALSE(recorder.IsOpen());
  EXPECT_EQ(recorder.Current(), nullptr);
}

TEST(IncidentRecorderTest, OpensAtThresholdAndKeepsTheWorst) {
  IncidentRecorder recorder(Options());
  recorder.Observe(Sample(0.5), 1000);
  EXPECT_EQ(recorder.Observe(Sample(0.91), 1015), IncidentChange::kOpened);
  ASSERT_NE(recorder.Current(), nullptr);
  EXPECT_EQ(recorder.Current()->trigger, "tcp headline 0.91");
  EXPECT_EQ(recorder.Observe(Sample(0.97), 1030), IncidentChange::kWorsened);
  EXPECT_EQ(recorder.Observe(Sample(0.93), 1045), IncidentChange::kUpdated);
  const Incident& incident = *recorder.Current();
  EXPECT_EQ(incident.id, IncidentId(1015));
  EXPECT_DOUBLE_EQ(incident.opened_seconds, 1015);
  EXPECT_DOUBLE_EQ(incident.peak_ratio, 0.97);
  EXPECT_DOUBLE_EQ(incident.peak_seconds, 1030);
  EXPECT_EQ(incident.peak_headline, "tcp");
  ASSERT_EQ(incident.worst.processes.size(), 1u);
  EXPECT_EQ(incident.worst.processes[0].name, "client-97");
}

TEST(IncidentRecorderTest, ClosesOnlyAfterCalmBelowTheMargin) {
  IncidentRecorder recorder(Options());
  recorder.Observe(Sample(0.95), 1000);
  // Below the threshold but inside the margin: not calm.
  EXPECT_EQ(recorder.Observe(Sample(0.87), 1015), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Observe(Sample(0.87), 1200), IncidentChange::kUpdated);
  EXPECT_TRUE(recorder.IsOpen());
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1215), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1260), IncidentChange::kUpdated);
  // A spike inside the calm period restarts it.
  EXPECT_EQ(recorder.Observe(Sample(0.88), 1270), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1280), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1330), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Observe(Sample(0.5), 1340), IncidentChange::kClosed);
  EXPECT_FALSE(recorder.IsOpen());
  ASSERT_NE(recorder.Current(), nullptr);
  EXPECT_DOUBLE_EQ(recorder.Current()->closed_seconds, 1340);
  EXPECT_DOUBLE_EQ(recorder.Current()->peak_ratio, 0.95);
  // The next crossing is a new incident.
  EXPECT_EQ(recorder.Observe(Sample(0.92), 1400), IncidentChange::kOpened);
  EXPECT_EQ(recorder.Current()->id, IncidentId(1400));
  EXPECT_DOUBLE_EQ(recorder.Current()->closed_seconds, 0);
}

TEST(IncidentRecorderTest, BindBeforeConnectHeadlineOpens) {
  IncidentRecorder recorder(Options());
  PortUsageReport report = Sample(0.3);
  report.exhaustion[0].linux_rules = true;
  report.exhaustion[0].bind_ratio = 0.96;
  EXPECT_EQ(recorder.Observe(report, 1000), IncidentChange::kOpened);
  EXPECT_EQ(recorder.Current()->peak_headline, "tcp_bind");
  EXPECT_EQ(HighestHeadline(Sample(0.2, 0.93)).name, "udp");
}

TEST(IncidentRecorderTest, ConnectFailuresOpenAnIncidentBelowThreshold) {
  IncidentRecorder recorder(Options());
  PortUsageReport report = Sample(0.4);
  report.connect_events.valid = true;
  report.connect_events.tcp_connect_failures[0] = 7;
  // Counters since start are a baseline, not news.
  EXPECT_EQ(recorder.Observe(report, 1000), IncidentChange::kNone);
  EXPECT_EQ(recorder.Observe(report, 1015), IncidentChange::kNone);
  report.connect_events.udp_autobind_failures = 3;
  EXPECT_EQ(recorder.Observe(report, 1030), IncidentChange::kOpened);
  EXPECT_EQ(recorder.Current()->trigger, "connect failures (3)");
  EXPECT_EQ(recorder.Current()->failures, 3u);
  // Calm needs the failures to stop too.
  report.connect_events.tcp_connect_failures[1] = 1;
  recorder.Observe(report, 1080);
  EXPECT_EQ(recorder.Observe(report, 1100), IncidentChange::kUpdated);
  EXPECT_EQ(recorder.Current()->failures, 4u);
  EXPECT_EQ(recorder.Observe(report, 1160), IncidentChange::kClosed);
}

TEST(IncidentRecorderTest, WindowsTcpipEventsOpenAnIncident) {
  IncidentRecorder recorder(Options());
  PortUsageReport report = Sample(0.2);
  report.events.valid = true;
  report.events.by_id[4227] = 2;
  report.events.newest_seconds[4227] = 900;
  recorder.Observe(report, 1000);
  // A newer event with the count unchanged (the log window moved) counts.
  report.events.newest_seconds[4227] = 1010;
  EXPECT_EQ(recorder.Observe(report, 1015), IncidentChange::kOpened);
  EXPECT_EQ(recorder.Current()->trigger, "Windows Tcpip events (1)");
}

TEST(IncidentRecorderTest, FailedCollectionChangesNothing) {
  IncidentRecorder recorder(Options());
  recorder.Observe(Sample(0.95), 1000);
  PortUsageReport failed;
  failed.collectors.push_back({"sockets", false, 0, "timeout"});
  EXPECT_EQ(recorder.Observe(failed, 2000), IncidentChange::kNone);
  EXPECT_TRUE(recorder.IsOpen());
}

TEST(IncidentRecorderTest, TrimsListsToTop) {
  PortUsageReport report = Sample(0.95);
  for (int i = 0; i < 80; ++i) {
    report.processes.push_back(ProcessUsage{});
    report.destinations.push_back(DestinationUsage{});
    report.local_addresses.push_back(LocalAddressUsage{});
  }
  PortUsageReport trimmed = TrimReport(report, 50);
  EXPECT_EQ(trimmed.processes.size(), 50u);
  EXPECT_EQ(trimmed.destinations.size(), 50u);
  EXPECT_EQ(trimmed.local_addresses.size(), 50u);
  EXPECT_EQ(trimmed.processes[0].pid, 42);
}

TEST(IncidentRecorderTest, IdIsUtcTime) {
  EXPECT_EQ(IncidentId(0), "19700101T000000Z");
  EXPECT_EQ(IncidentId(1796527920.7), "20261206T033200Z");
}

}  // namespace
}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_monitor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "metrics/incident_families.h"

namespace epx {
namespace {

namespace fs = std::filesystem;

PortUsageReport Sample(double tcp_ratio) {
  PortUsageReport report;
  ExhaustionSummary tcp;
  tcp.capacity = 100;
  tcp.ratio = tcp_ratio;
  report.exhaustion.push_back(tcp);
  ProcessUsage p;
  p.pid = 7;
  p.name = "holder";
  report.processes.push_back(p);
  return report;
}

std::string MakeTempDir() {
  std::string pattern =
      (fs::temp_directory_path() / "epx_monitor_XXXXXX").string();
  return mkdtemp(pattern.data());
}

double Value(const std::vector<prometheus::MetricFamily>& families,
             const std::string& name) {
  for (const auto& f : families) {
    if (f.name != name) continue;
    return f.type == prometheus::MetricType::Counter
               ? f.metric.at(0).counter.value
               : f.metric.at(0).gauge.value;
  }
  return -1;
}

TEST(IncidentMonitorTest, SavesOpenedAndClosedIncidents) {
  std::string dir = MakeTempDir();
  auto store = std::make_shared<IncidentStore>(dir);
  IncidentMonitorOptions options;
  options.recorder.calm_seconds = 30;
  IncidentMonitor monitor(options, store);
  testing::internal::CaptureStderr();
  monitor.Observe(Sample(0.2), 1000);
  EXPECT_DOUBLE_EQ(monitor.NextDelaySeconds(), 15);
  monitor.Observe(Sample(0.75), 1015);
  EXPECT_DOUBLE_EQ(monitor.NextDelaySeconds(), 3);
  monitor.Observe(Sample(0.95), 1018);
  auto families = IncidentFamilies(monitor.Status());
  EXPECT_EQ(Value(families, "ephemeral_port_incident_active"), 1);
  EXPECT_EQ(Value(families, "ephemeral_port_incidents_total"), 1);
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_DOUBLE_EQ(store->List()[0].closed_seconds, 0);
  monitor.Observe(Sample(0.1), 1021);
  EXPECT_DOUBLE_EQ(monitor.NextDelaySeconds(), 3);
  monitor.Observe(Sample(0.1), 1051);
  testing::internal::GetCapturedStderr();
  families = IncidentFamilies(monitor.Status());
  EXPECT_EQ(Value(families, "ephemeral_port_incident_active"), 0);
  EXPECT_EQ(Value(families, "ephemeral_port_incident_store_writable"), 1);
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_DOUBLE_EQ(store->List()[0].closed_seconds, 1051);
  EXPECT_DOUBLE_EQ(monitor.NextDelaySeconds(), 15);
  fs::remove_all(dir);
}

TEST(IncidentMonitorTest, SamplesOnItsOwnTimerUntilStopped) {
  std::string dir = MakeTempDir();
  auto store = std::make_shared<IncidentStore>(dir);
  IncidentMonitorOptions options;
  options.interval_seconds = 0.01;
  IncidentMonitor monitor(options, store);
  std::atomic<int> samples{0};
  monitor.Start([&] {
    ++samples;
    monitor.Observe(Sample(0.1), 1000 + samples);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (samples < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  monitor.Stop();
  int seen = samples;
  EXPECT_GE(seen, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(samples, seen);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace epx

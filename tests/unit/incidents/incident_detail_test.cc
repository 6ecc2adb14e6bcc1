// SPDX-License-Identifier: Apache-2.0
// The recorded incident keeps the top 50 of the analysis, not the --top.*
// of the exposition: through the real collectable, analysis and store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "../../support/snapshot_builder.h"
#include "incidents/incident_monitor.h"
#include "metrics/port_usage_collectable.h"

namespace epx {
namespace {

namespace fs = std::filesystem;

constexpr int kHolders = 30;

// 30 processes, each with one connection to a destination of its own, in a
// range of 32 ports under the host-wide rule: the headline is 30/32.
class ManyHoldersSource : public HostSource {
 public:
  Snapshot Collect() override {
    testing::SnapshotBuilder b;
    b.Range(40000, 32).Rules(ExhaustionRule::kHostWide,
                             ExhaustionRule::kHostWide);
    for (int i = 0; i < kHolders; ++i) {
      auto inode = static_cast<std::uint64_t>(i + 1);
      b.Tcp("10.0.0.1", static_cast<std::uint16_t>(40000 + i),
            "10.1.0." + std::to_string(i + 1), 443, inode);
      b.Process(1000 + i, "holder" + std::to_string(i), {inode});
    }
    return b.Get();
  }
};

class IncidentDetailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "epx_detail_XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    store_ = std::make_shared<IncidentStore>(dir_);
    monitor_ =
        std::make_shared<IncidentMonitor>(IncidentMonitorOptions{}, store_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  nlohmann::json Recorded() {
    std::vector<IncidentSummary> list = store_->List();
    EXPECT_EQ(list.size(), 1u);
    std::string text;
    if (list.empty() || !store_->Read(list[0].id, &text)) return {};
    return nlohmann::json::parse(text).at("worst");
  }

  std::string dir_;
  std::shared_ptr<IncidentStore> store_;
  std::shared_ptr<IncidentMonitor> monitor_;
};

TEST_F(IncidentDetailTest, IncidentHoldsMoreThanTheExposedTopTen) {
  PortUsageCollectable collectable(std::make_unique<ManyHoldersSource>(), {},
                                   {"v", "r", "d", "linux", "x"});
  auto monitor = monitor_;
  collectable.OnReportWithDetail(
      50, [monitor](const PortUsageReport& report,
                    const PortUsageCollectable::DetailedReport& detail) {
        monitor->Observe(report, 1796527920, detail);
      });
  ::testing::internal::CaptureStderr();
  auto report = collectable.ReportWithin(0);
  ::testing::internal::GetCapturedStderr();
  ASSERT_NE(report, nullptr);
  // The exposition keeps its --top.* (10 by default).
  EXPECT_EQ(report->processes.size(), 10u);
  EXPECT_EQ(report->destinations.size(), 10u);
  nlohmann::json worst = Recorded();
  EXPECT_EQ(worst.at("processes").size(), static_cast<std::size_t>(kHolders));
  EXPECT_EQ(worst.at("destinations").size(),
            static_cast<std::size_t>(kHolders));
  EXPECT_EQ(worst.at("local_addresses").size(), 1u);
}

TEST_F(IncidentDetailTest, WithoutDetailTheRecordIsTheExposedReport) {
  PortUsageCollectable collectable(std::make_unique<ManyHoldersSource>(), {},
                                   {"v", "r", "d", "linux", "x"});
  auto monitor = monitor_;
  collectable.OnReport([monitor](const PortUsageReport& report) {
    monitor->Observe(report, 1796527920);
  });
  ::testing::internal::CaptureStderr();
  collectable.ReportWithin(0);
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(Recorded().at("processes").size(), 10u);
}

TEST(IncidentRecorderDetailTest, DetailIsAnalysedOnlyForTheWorstMoment) {
  IncidentRecorder recorder;
  PortUsageReport report;
  ExhaustionSummary tcp;
  tcp.capacity = 100;
  tcp.ratio = 0.5;
  report.exhaustion.push_back(tcp);
  int calls = 0;
  auto detail = [&] {
    ++calls;
    return report;
  };
  EXPECT_EQ(recorder.Observe(report, 1000, detail), IncidentChange::kNone);
  report.exhaustion[0].ratio = 0.95;
  EXPECT_EQ(recorder.Observe(report, 1003, detail), IncidentChange::kOpened);
  EXPECT_EQ(recorder.Observe(report, 1006, detail), IncidentChange::kUpdated);
  report.exhaustion[0].ratio = 0.97;
  EXPECT_EQ(recorder.Observe(report, 1009, detail), IncidentChange::kWorsened);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace epx

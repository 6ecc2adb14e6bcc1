// SPDX-License-Identifier: Apache-2.0
#include "metrics/port_usage_collectable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../../support/snapshot_builder.h"
#include "sources/collector_runner.h"

namespace epx {
namespace {

// Fault injection at the source interface: counts calls, can block until
// released (all, or those after the first `released`), and can throw.
class ScriptedSource : public HostSource {
 public:
  Snapshot Collect() override {
    int call = ++calls;
    while (hold.load() || call > released.load()) std::this_thread::yield();
    if (throw_error) throw std::runtime_error("netlink exploded");
    testing::SnapshotBuilder b;
    b.Range(40000, 10);
    return b.Get();
  }
  std::atomic<int> calls{0};
  std::atomic<bool> hold{false};
  std::atomic<int> released{1 << 30};
  bool throw_error = false;
};

bool HasSuccess(const std::vector<prometheus::MetricFamily>& families,
                const std::string& collector, double value) {
  for (const auto& f : families) {
    if (f.name != "ephemeral_port_collector_success") continue;
    for (const auto& m : f.metric) {
      if (m.label.size() == 1 && m.label[0].value == collector)
        return m.gauge.value == value;
    }
  }
  return false;
}

TEST(PortUsageCollectableTest,
     AThrowingSourceBecomesAFailedCollectorNotACrash) {
  auto source = std::make_unique<ScriptedSource>();
  source->throw_error = true;
  PortUsageCollectable collectable(std::move(source), {},
                                   {"v", "r", "d", "linux", "x"});
  auto families = collectable.Collect();
  EXPECT_TRUE(HasSuccess(families, "exporter", 0));
}

TEST(PortUsageCollectableTest,
     FreshSnapshotComesFromACollectionStartedAfterIt) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->hold = true;
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"});
  std::thread scrape([&] { collectable.Collect(); });
  for (int i = 0; i < 200 && source->calls.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(source->calls.load(), 1);
  std::shared_ptr<const Snapshot> fresh;
  std::thread self_test(
      [&] { fresh = collectable.FreshSnapshot(std::chrono::seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  source->hold = false;
  self_test.join();
  scrape.join();
  ASSERT_NE(fresh, nullptr);
  // The scrape's collection began before the call: a second one was made.
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_FALSE(fresh->ranges.empty());
}

TEST(PortUsageCollectableTest,
     AScrapeThatWaitedIsAnsweredByACollectionStartedAfterItWasAsked) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"});
  auto asked = std::chrono::steady_clock::now();
  // The start-up self-test's collection, while the scrape waits for it.
  ASSERT_NE(collectable.FreshSnapshot(std::chrono::seconds(10)), nullptr);
  ASSERT_EQ(source->calls.load(), 1);
  EXPECT_FALSE(collectable.CollectWithin(5, asked).empty());
  EXPECT_EQ(source->calls.load(), 1) << "answered by the self-test's";
  // Asked after that collection started: a collection of its own.
  EXPECT_FALSE(
      collectable.CollectWithin(5, std::chrono::steady_clock::now()).empty());
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_FALSE(collectable.CollectWithin(5).empty());
  EXPECT_EQ(source->calls.load(), 3);
}

TEST(PortUsageCollectableTest, FreshSnapshotOfAStuckCollectionIsNull) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->hold = true;
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"});
  EXPECT_EQ(collectable.FreshSnapshot(std::chrono::milliseconds(100)), nullptr);
  // The stuck collection is the one scrapes see: no second one started.
  EXPECT_EQ(source->calls.load(), 1);
  EXPECT_TRUE(HasSuccess(collectable.CollectWithin(0.5), "exporter", 0));
  EXPECT_EQ(source->calls.load(), 1);
  source->hold = false;
}

TEST(PortUsageCollectableTest, StopEndsEveryWaitForASlowCollection) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->hold = true;
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"},
                                   std::chrono::seconds(30));
  std::vector<prometheus::MetricFamily> scraped;
  std::shared_ptr<const PortUsageReport> reported;
  std::shared_ptr<const Snapshot> fresh = std::make_shared<const Snapshot>();
  std::thread scrape([&] { scraped = collectable.CollectWithin(0); });
  std::thread sample([&] { reported = collectable.ReportWithin(0); });
  std::thread self_test(
      [&] { fresh = collectable.FreshSnapshot(std::chrono::seconds(30)); });
  for (int i = 0; i < 400 && collectable.WaitingScrapes() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(collectable.WaitingScrapes(), 3u);
  auto stop = std::chrono::steady_clock::now();
  collectable.Stop();
  scrape.join();
  sample.join();
  self_test.join();
  // Within a second, not the 30 s the collection may still take.
  EXPECT_LT(std::chrono::steady_clock::now() - stop, std::chrono::seconds(1));
  EXPECT_TRUE(HasSuccess(scraped, "exporter", 0));
  ASSERT_NE(reported, nullptr);
  EXPECT_EQ(fresh, nullptr);
  // Later waits end at once and start no collection.
  auto later = std::chrono::steady_clock::now();
  EXPECT_TRUE(HasSuccess(collectable.CollectWithin(0), "exporter", 0));
  EXPECT_LT(std::chrono::steady_clock::now() - later, std::chrono::seconds(1));
  EXPECT_EQ(source->calls.load(), 1);
  source->hold = false;
}

TEST(PortUsageCollectableTest,
     ScrapesArrivingDuringACollectionShareTheNextOne) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->released = 0;
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"});
  std::vector<std::thread> scrapers;
  std::atomic<int> finished{0};
  auto scrape = [&] {
    collectable.Collect();
    ++finished;
  };
  scrapers.emplace_back(scrape);
  for (int i = 0; i < 200 && source->calls.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(source->calls.load(), 1);
  for (int i = 0; i < 7; ++i) scrapers.emplace_back(scrape);
  for (int i = 0; i < 1000 && collectable.WaitingScrapes() < 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(collectable.WaitingScrapes(), 8u);
  // The first collection answers only the scrape that started it: it may
  // have read the host before the others were asked.
  source->released = 1;
  for (int i = 0; i < 1000 && (finished.load() < 1 || source->calls < 2); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(finished.load(), 1);
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_EQ(collectable.WaitingScrapes(), 7u);
  source->released = 2;
  for (auto& t : scrapers) t.join();
  EXPECT_EQ(finished.load(), 8);
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_EQ(collectable.WaitingScrapes(), 0u);
}

TEST(PortUsageCollectableTest, AWaitingScrapeGivesUpAfterMaxWaitWithStaleData) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"},
                                   std::chrono::milliseconds(50));
  auto first = collectable.Collect();
  EXPECT_TRUE(HasSuccess(first, "exporter", 0) == false);
  source->hold = true;
  std::thread slow([&] { collectable.Collect(); });
  for (int i = 0; i < 1000 && source->calls.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(source->calls.load(), 2);
  auto stale = collectable.Collect();
  EXPECT_TRUE(HasSuccess(stale, "exporter", 0));
  EXPECT_EQ(source->calls.load(), 2);
  source->hold = false;
  slow.join();
}

// A source whose tcp_stats step blocks until released, like a read of a
// FIFO with no writer.
class StuckStepSource : public HostSource {
 public:
  Snapshot Collect() override {
    Snapshot snapshot;
    RunCollector("sockets", &snapshot, [](std::string*) { return true; });
    RunCollector("tcp_stats", &snapshot, [&](std::string*) {
      ++entered;
      while (hold.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return true;
    });
    return snapshot;
  }
  std::atomic<int> entered{0};
  std::atomic<bool> hold{true};
};

TEST(PortUsageCollectableTest, AStuckCollectorIsMarkedFailedAtTheDeadline) {
  auto owned = std::make_unique<StuckStepSource>();
  StuckStepSource* source = owned.get();
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"},
                                   std::chrono::seconds(30));
  auto start = std::chrono::steady_clock::now();
  auto first = collectable.CollectWithin(0.5);  // budget 0.25 s
  double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_GE(took, 0.2);
  EXPECT_LT(took, 2.0);
  EXPECT_TRUE(HasSuccess(first, "sockets", 1));
  EXPECT_TRUE(HasSuccess(first, "tcp_stats", 0));
  // The next scrape shares the stuck collection instead of starting one.
  auto second = collectable.CollectWithin(0.5);
  EXPECT_TRUE(HasSuccess(second, "tcp_stats", 0));
  EXPECT_EQ(source->entered.load(), 1);
  source->hold = false;
  std::vector<prometheus::MetricFamily> fresh;
  for (int i = 0; i < 200; ++i) {
    fresh = collectable.CollectWithin(5);
    if (HasSuccess(fresh, "tcp_stats", 1)) break;
  }
  EXPECT_TRUE(HasSuccess(fresh, "tcp_stats", 1));
  EXPECT_TRUE(HasSuccess(fresh, "sockets", 1));
}

TEST(PortUsageCollectableTest, ScrapeBudgetLeavesAMargin) {
  using std::chrono::milliseconds;
  EXPECT_EQ(ScrapeBudget(10, milliseconds(30000)), milliseconds(9000));
  EXPECT_EQ(ScrapeBudget(1, milliseconds(30000)), milliseconds(750));
  EXPECT_EQ(ScrapeBudget(0.2, milliseconds(30000)), milliseconds(100));
  EXPECT_EQ(ScrapeBudget(60, milliseconds(10000)), milliseconds(10000));
  EXPECT_EQ(ScrapeBudget(0, milliseconds(10000)), milliseconds(10000));
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(PortUsageCollectableTest, ReportsComeFromTheSameCollectionsAsScrapes) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  PortUsageCollectable collectable(std::move(owned), {},
                                   {"v", "r", "d", "linux", "x"},
                                   std::chrono::milliseconds(300));
  std::atomic<int> observed{0};
  collectable.OnReport([&](const PortUsageReport& r) {
    ++observed;
    EXPECT_FALSE(r.exhaustion.empty());
  });
  auto report = collectable.ReportWithin(0);
  ASSERT_NE(report, nullptr);
  ASSERT_FALSE(report->pools.empty());
  EXPECT_EQ(report->pools[0].capacity, 10u);
  collectable.Collect();
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_EQ(observed.load(), 2);

  // Past the budget: the last complete report, the running collector failed.
  source->hold = true;
  auto stale = collectable.ReportWithin(0);
  ASSERT_NE(stale, nullptr);
  ASSERT_FALSE(stale->pools.empty());
  bool marked = false;
  for (const CollectorStatus& c : stale->collectors)
    marked |= !c.success && c.error == "still running";
  EXPECT_TRUE(marked);
  source->hold = false;
  for (int i = 0; i < 200 && observed.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(observed.load(), 3);
}

}  // namespace
}  // namespace epx

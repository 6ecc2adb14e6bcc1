#include "metrics/port_usage_collectable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "../../support/snapshot_builder.h"

namespace epx {
namespace {

// Fault injection at the source interface: counts calls, can block until
// released, and can throw.
class ScriptedSource : public HostSource {
 public:
  Snapshot Collect() override {
    ++calls;
    while (hold.load()) std::this_thread::yield();
    if (throw_error) throw std::runtime_error("netlink exploded");
    testing::SnapshotBuilder b;
    b.Range(40000, 10);
    return b.Get();
  }
  std::atomic<int> calls{0};
  std::atomic<bool> hold{false};
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
  PortUsageCollectable collectable(std::move(source), {}, {"v", "linux", "x"});
  auto families = collectable.Collect();
  EXPECT_TRUE(HasSuccess(families, "exporter", 0));
}

TEST(PortUsageCollectableTest, ConcurrentScrapesShareOneCollection) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->hold = true;
  PortUsageCollectable collectable(std::move(owned), {}, {"v", "linux", "x"});
  std::vector<std::thread> scrapers;
  std::atomic<int> finished{0};
  scrapers.emplace_back([&] {
    collectable.Collect();
    ++finished;
  });
  for (int i = 0; i < 200 && source->calls.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(source->calls.load(), 1);
  for (int i = 0; i < 7; ++i) {
    scrapers.emplace_back([&] {
      collectable.Collect();
      ++finished;
    });
  }
  for (int i = 0; i < 1000 && collectable.WaitingScrapes() < 7; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(collectable.WaitingScrapes(), 7u);
  EXPECT_EQ(finished.load(), 0);
  source->hold = false;
  for (auto& t : scrapers) t.join();
  EXPECT_EQ(finished.load(), 8);
  EXPECT_EQ(source->calls.load(), 1);
  EXPECT_EQ(collectable.WaitingScrapes(), 0u);
}

TEST(PortUsageCollectableTest, AWaitingScrapeGivesUpAfterMaxWaitWithStaleData) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  PortUsageCollectable collectable(std::move(owned), {}, {"v", "linux", "x"},
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

}  // namespace
}  // namespace epx

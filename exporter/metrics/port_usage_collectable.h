#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "analysis/port_usage.h"
#include "metrics/report_families.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "sources/host_source.h"

namespace epx {

/// The /metrics pipeline: source -> snapshot -> analysis -> families.
/// Thread-safe; scrapes that arrive while a collection runs wait for it (at
/// most max_wait) and share its result instead of starting another.
class PortUsageCollectable : public prometheus::Collectable {
 public:
  /// max_wait: how long a scrape waits for a collection started by another
  /// scrape before answering with the previous result, marked stale.
  PortUsageCollectable(
      std::unique_ptr<HostSource> source, AnalysisOptions options,
      BuildInfo build,
      std::chrono::milliseconds max_wait = std::chrono::seconds(10));

  /// Never throws; an unexpected failure yields
  /// ephemeral_port_collector_success{collector="exporter"} 0.
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// Scrapes currently waiting for a running collection to finish.
  std::size_t WaitingScrapes() const;

 private:
  std::vector<prometheus::MetricFamily> CollectOnce() const;
  /// The previous result plus collector_success{collector="exporter"} 0.
  std::vector<prometheus::MetricFamily> Stale(
      std::vector<prometheus::MetricFamily> previous) const;

  std::unique_ptr<HostSource> source_;
  AnalysisOptions options_;
  BuildInfo build_;
  std::chrono::milliseconds max_wait_;
  mutable std::mutex mu_;
  mutable std::condition_variable done_;
  mutable bool in_flight_ = false;
  mutable std::uint64_t generation_ = 0;
  mutable std::size_t waiting_ = 0;
  mutable std::vector<prometheus::MetricFamily> last_;
};

}  // namespace epx

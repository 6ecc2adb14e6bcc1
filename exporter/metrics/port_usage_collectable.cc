#include "metrics/port_usage_collectable.h"

#include <cstdio>
#include <exception>
#include <utility>

namespace epx {

PortUsageCollectable::PortUsageCollectable(std::unique_ptr<HostSource> source,
                                           AnalysisOptions options,
                                           BuildInfo build,
                                           std::chrono::milliseconds max_wait)
    : source_(std::move(source)),
      options_(options),
      build_(std::move(build)),
      max_wait_(max_wait) {}

std::vector<prometheus::MetricFamily> PortUsageCollectable::Collect() const {
  std::unique_lock<std::mutex> lock(mu_);
  if (in_flight_) {
    std::uint64_t waiting_for = generation_;
    ++waiting_;
    bool done = done_.wait_for(lock, max_wait_,
                               [&] { return generation_ != waiting_for; });
    --waiting_;
    if (done) return last_;
    return Stale(last_);
  }
  in_flight_ = true;
  lock.unlock();
  std::vector<prometheus::MetricFamily> result = CollectOnce();
  lock.lock();
  last_ = result;
  in_flight_ = false;
  ++generation_;
  done_.notify_all();
  return result;
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::Stale(
    std::vector<prometheus::MetricFamily> previous) const {
  std::fprintf(stderr,
               "level=warn msg=\"collection still running; answering with the "
               "previous result\"\n");
  prometheus::ClientMetric stale;
  stale.label.push_back({"collector", "exporter"});
  stale.gauge.value = 0;
  for (auto& family : previous) {
    if (family.name == "ephemeral_port_collector_success") {
      family.metric.push_back(stale);
      return previous;
    }
  }
  PortUsageReport failed;
  failed.collectors.push_back(CollectorStatus{"exporter", false, 0, "busy"});
  return BuildMetricFamilies(failed, build_);
}

std::size_t PortUsageCollectable::WaitingScrapes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::CollectOnce()
    const {
  try {
    Snapshot snapshot = source_->Collect();
    return BuildMetricFamilies(AnalyzePortUsage(snapshot, options_), build_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "level=error collector=exporter msg=\"%s\"\n",
                 e.what());
  } catch (...) {
    std::fprintf(stderr, "level=error collector=exporter msg=\"unknown\"\n");
  }
  PortUsageReport failed;
  CollectorStatus status;
  status.name = "exporter";
  failed.collectors.push_back(status);
  try {
    return BuildMetricFamilies(failed, build_);
  } catch (...) {
    return {};
  }
}

}  // namespace epx

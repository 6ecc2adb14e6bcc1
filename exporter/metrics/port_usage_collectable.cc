#include "metrics/port_usage_collectable.h"

#include <cstdio>
#include <exception>
#include <utility>

namespace epx {

PortUsageCollectable::PortUsageCollectable(std::unique_ptr<HostSource> source,
                                           AnalysisOptions options,
                                           BuildInfo build)
    : source_(std::move(source)),
      options_(options),
      build_(std::move(build)) {}

std::vector<prometheus::MetricFamily> PortUsageCollectable::Collect() const {
  std::unique_lock<std::mutex> lock(mu_);
  if (in_flight_) {
    std::uint64_t waiting_for = generation_;
    ++waiting_;
    done_.wait(lock, [&] { return generation_ != waiting_for; });
    --waiting_;
    return last_;
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

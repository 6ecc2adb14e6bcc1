// SPDX-License-Identifier: Apache-2.0
#include "metrics/port_usage_collectable.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "sources/collector_runner.h"

namespace epx {

struct PortUsageCollectable::State : CollectorObserver {
  State(std::unique_ptr<HostSource> s, AnalysisOptions o, BuildInfo b)
      : source(std::move(s)), options(std::move(o)), build(std::move(b)) {}

  void Started(const char* name) override {
    std::lock_guard<std::mutex> lock(mu);
    running = name;
  }
  void Finished(const CollectorStatus& status) override {
    std::lock_guard<std::mutex> lock(mu);
    running.clear();
    finished.push_back(status);
  }

  // Runs on the collection thread; nothing may escape it.
  std::vector<prometheus::MetricFamily> CollectOnce() {
    t_collector_observer = this;
    try {
      auto snapshot = std::make_shared<const Snapshot>(source->Collect());
      t_collector_observer = nullptr;
      auto report = std::make_shared<PortUsageReport>(
          AnalyzePortUsage(*snapshot, options));
      std::shared_ptr<const Snapshot> analysed = snapshot;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (keep_snapshot) {
          kept = std::move(snapshot);
          keep_snapshot = false;
        }
      }
      std::vector<prometheus::MetricFamily> families =
          BuildMetricFamilies(*report, build);
      for (const auto& observer : on_report) observer(*report);
      for (const auto& [top, observer] : on_detail) {
        AnalysisOptions wide = options;
        wide.top_processes = std::max(wide.top_processes, top);
        wide.top_destinations = std::max(wide.top_destinations, top);
        wide.top_local_addresses = std::max(wide.top_local_addresses, top);
        observer(*report, [&analysed, wide] {
          return AnalyzePortUsage(*analysed, wide);
        });
      }
      std::lock_guard<std::mutex> lock(mu);
      last_report = std::move(report);
      return families;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "level=error collector=exporter msg=\"%s\"\n",
                   e.what());
    } catch (...) {
      std::fprintf(stderr, "level=error collector=exporter msg=\"unknown\"\n");
    }
    t_collector_observer = nullptr;
    PortUsageReport failed;
    CollectorStatus status;
    status.name = "exporter";
    failed.collectors.push_back(status);
    try {
      return BuildMetricFamilies(failed, build);
    } catch (...) {
      return {};
    }
  }

  // `started`: when StartAndWait launched this collection.
  void Run(std::chrono::steady_clock::time_point started) {
    std::vector<prometheus::MetricFamily> result = CollectOnce();
    std::lock_guard<std::mutex> lock(mu);
    last = std::move(result);
    last_started = started;
    have_last = true;
    in_flight = false;
    ++generation;
    done.notify_all();
  }

  std::unique_ptr<HostSource> source;
  AnalysisOptions options;
  BuildInfo build;
  std::mutex mu;
  std::condition_variable done;
  bool stopping = false;
  bool in_flight = false;
  std::uint64_t generation = 0;
  std::size_t waiting = 0;
  bool have_last = false;
  std::vector<prometheus::MetricFamily> last;
  // When the collection `last` comes from was launched.
  std::chrono::steady_clock::time_point last_started;
  std::shared_ptr<const PortUsageReport> last_report;
  std::vector<std::function<void(const PortUsageReport&)>> on_report;
  std::vector<std::pair<
      std::size_t,
      std::function<void(const PortUsageReport&,
                         const PortUsageCollectable::DetailedReport&)>>>
      on_detail;
  // FreshSnapshot(): keep the snapshot of the next collection that starts.
  bool keep_snapshot = false;
  std::shared_ptr<const Snapshot> kept;
  // The running collection's progress.
  std::string running;
  std::vector<CollectorStatus> finished;
};

namespace {

// Sets collector_success{collector=name} to value in families, adding it;
// false if families have no collector_success family.
bool SetSuccess(std::vector<prometheus::MetricFamily>* families,
                const std::string& name, double value) {
  for (auto& family : *families) {
    if (family.name != "ephemeral_port_collector_success") continue;
    for (auto& m : family.metric) {
      for (const auto& label : m.label) {
        if (label.name == "collector" && label.value == name) {
          m.gauge.value = value;
          return true;
        }
      }
    }
    prometheus::ClientMetric added;
    added.label.push_back({"collector", name});
    added.gauge.value = value;
    family.metric.push_back(added);
    return true;
  }
  return false;
}

}  // namespace

std::chrono::milliseconds ScrapeBudget(double timeout_seconds,
                                       std::chrono::milliseconds max_wait) {
  if (!(timeout_seconds > 0)) return max_wait;
  double margin = std::max(0.25, timeout_seconds * 0.1);
  double budget = std::max(0.1, timeout_seconds - margin);
  auto ms = std::chrono::milliseconds(
      static_cast<std::chrono::milliseconds::rep>(budget * 1000));
  return std::min(ms, max_wait);
}

PortUsageCollectable::PortUsageCollectable(std::unique_ptr<HostSource> source,
                                           AnalysisOptions options,
                                           BuildInfo build,
                                           std::chrono::milliseconds max_wait)
    : state_(std::make_shared<State>(std::move(source), std::move(options),
                                     std::move(build))),
      max_wait_(max_wait) {}

PortUsageCollectable::~PortUsageCollectable() = default;

std::vector<prometheus::MetricFamily> PortUsageCollectable::Collect() const {
  auto now = std::chrono::steady_clock::now();
  return Wait(now, now + max_wait_);
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::CollectWithin(
    double scrape_timeout_seconds) const {
  return CollectWithin(scrape_timeout_seconds,
                       std::chrono::steady_clock::now());
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::CollectWithin(
    double scrape_timeout_seconds,
    std::chrono::steady_clock::time_point asked) const {
  return Wait(asked, std::chrono::steady_clock::now() +
                         ScrapeBudget(scrape_timeout_seconds, max_wait_));
}

bool PortUsageCollectable::StartAndWait(
    std::unique_lock<std::mutex>* lock,
    std::chrono::steady_clock::time_point deadline) const {
  State& s = *state_;
  if (!s.in_flight && !s.stopping) {
    s.in_flight = true;
    auto started = std::chrono::steady_clock::now();
    s.running.clear();
    s.finished.clear();
    // The thread owns a reference: a collector that never returns keeps
    // only itself alive, not the exporter's shutdown.
    std::shared_ptr<State> owner = state_;
    try {
      std::thread([owner, started] { owner->Run(started); }).detach();
    } catch (const std::system_error&) {
      lock->unlock();
      owner->Run(started);
      lock->lock();
    }
  }
  std::uint64_t waiting_for = s.generation;
  ++s.waiting;
  s.done.wait_until(*lock, deadline,
                    [&] { return s.generation != waiting_for || s.stopping; });
  --s.waiting;
  return s.generation != waiting_for;
}

std::shared_ptr<const PortUsageReport> PortUsageCollectable::ReportWithin(
    double scrape_timeout_seconds) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  State& s = *state_;
  bool done =
      StartAndWait(&lock, std::chrono::steady_clock::now() +
                              ScrapeBudget(scrape_timeout_seconds, max_wait_));
  if (done && s.last_report != nullptr) return s.last_report;
  auto answer = s.last_report != nullptr
                    ? std::make_shared<PortUsageReport>(*s.last_report)
                    : std::make_shared<PortUsageReport>();
  std::string running = s.running.empty() ? "exporter" : s.running;
  bool marked = false;
  for (CollectorStatus& c : answer->collectors) {
    if (c.name == running) {
      c.success = false;
      c.error = "still running";
      marked = true;
    }
  }
  if (!marked)
    answer->collectors.push_back(
        CollectorStatus{running, false, 0, "still running"});
  return answer;
}

std::shared_ptr<const Snapshot> PortUsageCollectable::FreshSnapshot(
    std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock<std::mutex> lock(state_->mu);
  State& s = *state_;
  // A collection already running may have started before the caller's
  // activity: wait for it, then start one of its own.
  if (s.in_flight && !StartAndWait(&lock, deadline)) return nullptr;
  s.kept.reset();
  s.keep_snapshot = true;
  if (!StartAndWait(&lock, deadline) || s.kept == nullptr) {
    s.keep_snapshot = false;
    return nullptr;
  }
  return std::move(s.kept);
}

void PortUsageCollectable::OnReport(
    std::function<void(const PortUsageReport&)> observer) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_report.push_back(std::move(observer));
}

void PortUsageCollectable::OnReportWithDetail(
    std::size_t detail_top,
    std::function<void(const PortUsageReport&, const DetailedReport&)>
        observer) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_detail.emplace_back(detail_top, std::move(observer));
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::Wait(
    std::chrono::steady_clock::time_point asked,
    std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  State& s = *state_;
  // One running when the scrape arrived may have read the host before the
  // change the scraper looks for: the scrape waits for the next one.
  while (!s.have_last || s.last_started < asked) {
    if (!StartAndWait(&lock, deadline)) return StaleAnswer();
  }
  return s.last;
}

std::vector<prometheus::MetricFamily> PortUsageCollectable::StaleAnswer()
    const {
  State& s = *state_;
  std::string running = s.running.empty() ? "exporter" : s.running;
  std::vector<prometheus::MetricFamily> answer;
  if (s.have_last) {
    answer = s.last;
  } else {
    PortUsageReport partial;
    partial.collectors = s.finished;
    partial.collectors.push_back(
        CollectorStatus{running, false, 0, "still running"});
    answer = BuildMetricFamilies(partial, s.build);
  }
  for (const CollectorStatus& f : s.finished) {
    if (!f.success) SetSuccess(&answer, f.name, 0);
  }
  if (!SetSuccess(&answer, running, 0)) {
    PortUsageReport failed;
    failed.collectors.push_back(
        CollectorStatus{running, false, 0, "still running"});
    for (auto& family : BuildMetricFamilies(failed, s.build)) {
      if (family.name == "ephemeral_port_collector_success")
        answer.push_back(std::move(family));
    }
  }
  if (ShouldLogCollectorError(running, "still running at the deadline")) {
    std::fprintf(stderr,
                 "level=warn collector=%s msg=\"still running at the scrape "
                 "deadline; answering with the last complete collection\"\n",
                 running.c_str());
  }
  return answer;
}

std::size_t PortUsageCollectable::WaitingScrapes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->waiting;
}

void PortUsageCollectable::Stop() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->stopping = true;
  state_->done.notify_all();
}

}  // namespace epx

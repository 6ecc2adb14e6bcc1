// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_monitor.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

namespace epx {

namespace {

constexpr double kResaveSeconds = 60;

}  // namespace

IncidentMonitor::IncidentMonitor(IncidentMonitorOptions options,
                                 std::shared_ptr<IncidentStore> store)
    : options_(options),
      store_(std::move(store)),
      recorder_(options.recorder) {}

IncidentMonitor::~IncidentMonitor() { Stop(); }

void IncidentMonitor::Observe(const PortUsageReport& report, double now_seconds,
                              const std::function<PortUsageReport()>& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!report.exhaustion.empty())
    last_headline_ = HighestHeadline(report).ratio;
  IncidentChange change = recorder_.Observe(report, now_seconds, detail);
  if (change == IncidentChange::kNone) return;
  if (change == IncidentChange::kUpdated &&
      now_seconds - last_saved_ < kResaveSeconds)
    return;
  const Incident& incident = *recorder_.Current();
  if (change == IncidentChange::kOpened) {
    ++opened_;
    std::fprintf(stderr,
                 "level=warn msg=\"incident opened\" id=%s trigger=\"%s\"\n",
                 incident.id.c_str(), incident.trigger.c_str());
  } else if (change == IncidentChange::kClosed) {
    std::fprintf(stderr,
                 "level=info msg=\"incident closed\" id=%s peak=%s:%.3f\n",
                 incident.id.c_str(), incident.peak_headline.c_str(),
                 incident.peak_ratio);
  }
  std::string error;
  store_->Save(incident, &error);
  last_saved_ = now_seconds;
}

double IncidentMonitor::NextDelaySeconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  bool watching = recorder_.IsOpen() || last_headline_ >= options_.watch_level;
  return watching ? options_.fast_interval_seconds : options_.interval_seconds;
}

IncidentStatus IncidentMonitor::Status() const {
  IncidentStatus status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status.open = recorder_.IsOpen();
    status.opened = opened_;
  }
  status.store_errors = store_->WriteErrors();
  status.store_writable = store_->Writable();
  return status;
}

void IncidentMonitor::Start(std::function<void()> sample) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, sample = std::move(sample)] {
    for (;;) {
      auto delay = std::chrono::duration<double>(NextDelaySeconds());
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
      }
      try {
        sample();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "level=error msg=\"incident sample: %s\"\n",
                     e.what());
      }
    }
  });
}

void IncidentMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace epx

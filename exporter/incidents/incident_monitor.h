// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "incidents/incident_recorder.h"
#include "incidents/incident_store.h"

namespace epx {

/// How often the monitor samples and what it records.
struct IncidentMonitorOptions {
  IncidentOptions recorder;
  /// Seconds between samples while every headline is below watch_level.
  double interval_seconds = 15;
  /// At or above this headline (or while an incident is open) the monitor
  /// samples every fast_interval_seconds.
  double watch_level = 0.7;
  double fast_interval_seconds = 3;
};

/// What the incident metrics show.
struct IncidentStatus {
  bool open = false;
  /// Incidents opened since the exporter started.
  std::uint64_t opened = 0;
  std::uint64_t store_errors = 0;
  bool store_writable = true;
};

/// Records incidents from every report the exporter analyses and samples on
/// its own timer so none is missed between scrapes. Thread-safe.
class IncidentMonitor {
 public:
  IncidentMonitor(IncidentMonitorOptions options,
                  std::shared_ptr<IncidentStore> store);
  ~IncidentMonitor();

  /// Feeds one report taken at now_seconds (Unix time); saves the incident
  /// when it opened, worsened or closed (and at most once a minute while it
  /// only lasts).
  /// detail: as for IncidentRecorder::Observe.
  void Observe(const PortUsageReport& report, double now_seconds,
               const std::function<PortUsageReport()>& detail = {});

  /// Seconds until the next sample.
  double NextDelaySeconds() const;

  IncidentStatus Status() const;

  /// Calls sample() every NextDelaySeconds() (the first after one delay:
  /// the start has just collected) on a thread of its own until Stop();
  /// sample is expected to make a report reach Observe.
  void Start(std::function<void()> sample);
  /// Stops the sampling thread and waits for it; idempotent.
  void Stop();

 private:
  IncidentMonitorOptions options_;
  std::shared_ptr<IncidentStore> store_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  IncidentRecorder recorder_;
  double last_headline_ = 0;
  double last_saved_ = 0;
  std::uint64_t opened_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace epx

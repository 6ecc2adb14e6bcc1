// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "model/snapshot.h"

namespace epx {

/// True when a collector's error should be logged now: it differs from the
/// last one logged for that collector, or that was 10 minutes ago, so a
/// collector failing on every scrape writes one line, not one a scrape.
/// Thread-safe.
inline bool ShouldLogCollectorError(const std::string& collector,
                                    const std::string& error) {
  using Clock = std::chrono::steady_clock;
  static std::mutex mutex;
  static std::map<std::string, std::pair<std::string, Clock::time_point>> last;
  std::lock_guard<std::mutex> lock(mutex);
  auto now = Clock::now();
  auto it = last.find(collector);
  if (it != last.end() && it->second.first == error &&
      now - it->second.second < std::chrono::minutes(10)) {
    return false;
  }
  last[collector] = {error, now};
  return true;
}

/// Told on the collecting thread when each collector step starts and ends.
class CollectorObserver {
 public:
  virtual ~CollectorObserver() = default;
  virtual void Started(const char* name) = 0;
  virtual void Finished(const CollectorStatus& status) = 0;
};

/// The observer of the collection running on this thread, or nullptr.
inline thread_local CollectorObserver* t_collector_observer = nullptr;

/// Runs one collector step `fn(std::string* error) -> bool`, times it and
/// records its outcome in snapshot->collectors; an exception or a false
/// return becomes success 0 and a log line (repeats rate-limited). Never
/// throws.
template <typename Fn>
void RunCollector(const char* name, Snapshot* snapshot, Fn fn) {
  if (t_collector_observer != nullptr) t_collector_observer->Started(name);
  auto start = std::chrono::steady_clock::now();
  CollectorStatus status;
  status.name = name;
  try {
    status.success = fn(&status.error);
  } catch (const std::exception& e) {
    status.success = false;
    status.error = e.what();
  } catch (...) {
    status.success = false;
    status.error = "unknown exception";
  }
  status.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!status.success && ShouldLogCollectorError(name, status.error)) {
    std::fprintf(stderr, "level=error collector=%s msg=\"%s\"\n", name,
                 status.error.c_str());
  }
  if (t_collector_observer != nullptr) t_collector_observer->Finished(status);
  snapshot->collectors.push_back(std::move(status));
}

}  // namespace epx

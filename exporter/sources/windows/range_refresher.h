// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "model/snapshot.h"
#include "sources/windows/range_cache.h"

namespace epx {

/// Reads the port ranges on a thread of its own: at start, then every 5
/// minutes (every minute after a failed read), so that no collection waits
/// for WMI or netsh. Thread-safe.
class RangeRefresher {
 public:
  /// Reads the ranges into *out, returning early when *cancel becomes true.
  using Reader =
      std::function<void(const std::atomic<bool>* cancel, PortRangeReading*)>;

  explicit RangeRefresher(Reader read);
  /// Cancels a read in progress and joins the thread.
  ~RangeRefresher();
  RangeRefresher(const RangeRefresher&) = delete;
  RangeRefresher& operator=(const RangeRefresher&) = delete;

  /// PortRangeCache::Fill with the newest reading, without waiting: until
  /// the first reading arrives, false with "not been read yet".
  bool Fill(Snapshot* snapshot, std::string* error);
  /// Waits up to `limit` for the first reading; true once there is one.
  bool WaitForFirstReading(std::chrono::milliseconds limit);

 private:
  void Run();

  Reader read_;
  std::mutex mutex_;
  std::condition_variable changed_;
  PortRangeCache cache_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace epx

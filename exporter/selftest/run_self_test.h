// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "selftest/self_test.h"
#include "sources/host_source.h"

namespace epx {

/// Default bound of one self-test run, in seconds.
constexpr double kDefaultSelfTestTimeoutSeconds = 15;

/// SelfTestOptions::text_source_max_sockets of the serving exporter's
/// start-up run: /proc/net text for 20,000 sockets reads in about 0.1 s.
constexpr std::size_t kStartUpTextSourceMaxSockets = 20000;

/// What one self-test run uses: the configured source and its bounds.
struct SelfTestOptions {
  SourceOptions source;
  /// TCP connections opened per loopback family.
  std::uint32_t connections = 4;
  double timeout_seconds = kDefaultSelfTestTimeoutSeconds;
  /// Linux: above this many sockets on the host the procfs source is not
  /// compared (its text costs about 5 us per socket); 0: no limit. The
  /// serving exporter's start-up run sets it, so the first scrape stays
  /// quick.
  std::size_t text_source_max_sockets = 0;
  /// Collects through the serving exporter's own source, on its collection
  /// thread (PortUsageCollectable::FreshSnapshot), so the self-test proves
  /// the source that answers scrapes; nullptr within the limit when the
  /// collection did not complete. Unset: a source made from `source`.
  std::function<std::shared_ptr<const Snapshot>(std::chrono::milliseconds)>
      collect;
};

/// Makes known activity, collects it through a source built from the
/// configured options, and checks every data path against it (see
/// self_test.h). Returns within options.timeout_seconds: a run still busy
/// then is left to end on its own and reported as a failed "finished"
/// check naming the step. Never throws. Leaves nothing behind.
SelfTestResult RunSelfTest(const SelfTestOptions& options);

/// The last self-test result of a serving exporter. Thread-safe.
class SelfTestRecord {
 public:
  /// Stores a finished run.
  void Set(const SelfTestResult& result);
  /// The last run; nullptr before the first.
  std::shared_ptr<const SelfTestResult> Last() const;
  /// Waits until the first run is stored, at most `limit`, and not at all
  /// once Stop() was called; true if none was stored when called.
  bool WaitForFirst(std::chrono::milliseconds limit) const;
  /// For the exporter's stop: ends every WaitForFirst now and later.
  void Stop();
  /// Runs one self-test (one at a time: a caller that finds one running
  /// waits for it and returns that one) and stores it.
  std::shared_ptr<const SelfTestResult> Run(const SelfTestOptions& options);

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable stored_;
  std::mutex run_mutex_;
  std::shared_ptr<const SelfTestResult> last_;
  bool stopping_ = false;
};

}  // namespace epx

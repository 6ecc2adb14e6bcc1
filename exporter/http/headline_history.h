// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/port_usage.h"

namespace epx {

/// The headline of one collection, per protocol (indexed by Protocol).
struct HeadlineSample {
  double unix_seconds = 0;
  std::array<bool, 2> present{};
  std::array<std::uint32_t, 2> in_use{};
  std::array<std::uint32_t, 2> capacity{};
  std::array<double, 2> ratio{};
};

/// Pure: the headline of a report (ports unavailable to a new connect).
HeadlineSample HeadlineOf(const PortUsageReport& report, double unix_seconds);

/// The headline samples of the last window, in a fixed ring buffer: the
/// newest sample always, older ones at least min_spacing apart (the newest
/// is replaced until it is min_spacing after the one before it), so the
/// buffer holds window / min_spacing + 2. Not thread-safe.
class HeadlineHistory {
 public:
  explicit HeadlineHistory(double window_seconds = 3600,
                           double min_spacing_seconds = 5);

  /// Adds a sample; samples must come in time order.
  void Add(const HeadlineSample& sample);
  /// Samples not older than the window before now, oldest first.
  std::vector<HeadlineSample> Samples(double now) const;
  /// The most samples the buffer holds.
  std::size_t Capacity() const { return buffer_.size(); }
  double WindowSeconds() const { return window_; }

 private:
  double window_;
  double spacing_;
  std::vector<HeadlineSample> buffer_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace epx

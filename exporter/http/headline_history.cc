// SPDX-License-Identifier: Apache-2.0
#include "http/headline_history.h"

#include <cmath>

namespace epx {

HeadlineSample HeadlineOf(const PortUsageReport& report, double unix_seconds) {
  HeadlineSample s;
  s.unix_seconds = unix_seconds;
  for (const ExhaustionSummary& e : report.exhaustion) {
    auto i = static_cast<std::size_t>(e.protocol);
    s.present[i] = true;
    s.in_use[i] = e.worst_in_use;
    s.capacity[i] = e.capacity;
    s.ratio[i] = e.ratio;
  }
  return s;
}

HeadlineHistory::HeadlineHistory(double window_seconds,
                                 double min_spacing_seconds)
    : window_(window_seconds),
      spacing_(min_spacing_seconds),
      buffer_(static_cast<std::size_t>(
                  std::ceil(window_seconds / min_spacing_seconds)) +
              2) {}

void HeadlineHistory::Add(const HeadlineSample& sample) {
  if (count_ >= 2) {
    std::size_t last = (next_ + buffer_.size() - 1) % buffer_.size();
    std::size_t before = (next_ + buffer_.size() - 2) % buffer_.size();
    if (buffer_[last].unix_seconds - buffer_[before].unix_seconds < spacing_) {
      buffer_[last] = sample;
      return;
    }
  }
  buffer_[next_] = sample;
  next_ = (next_ + 1) % buffer_.size();
  if (count_ < buffer_.size()) ++count_;
}

std::vector<HeadlineSample> HeadlineHistory::Samples(double now) const {
  std::vector<HeadlineSample> out;
  std::size_t first = (next_ + buffer_.size() - count_) % buffer_.size();
  for (std::size_t k = 0; k < count_; ++k) {
    const HeadlineSample& s = buffer_[(first + k) % buffer_.size()];
    if (s.unix_seconds >= now - window_) out.push_back(s);
  }
  return out;
}

}  // namespace epx

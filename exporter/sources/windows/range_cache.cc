// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/range_cache.h"

#include <cstdio>
#include <ctime>
#include <utility>

namespace epx {
namespace {

std::string UtcTime(double unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
#ifdef _WIN32
  gmtime_s(&parts, &t);
#else
  gmtime_r(&t, &parts);
#endif
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

void PortRangeCache::Update(PortRangeReading reading) {
  have_latest_ = true;
  latest_error_ = reading.error;
  if (reading.error.empty()) {
    served_ = std::move(reading);
    have_good_ = true;
  } else if (!have_good_) {
    served_ = std::move(reading);
  }
}

bool PortRangeCache::Fill(Snapshot* snapshot, std::string* error) const {
  if (!have_latest_) {
    *error = "the port ranges have not been read yet";
    return false;
  }
  snapshot->ranges.insert(snapshot->ranges.end(), served_.ranges.begin(),
                          served_.ranges.end());
  snapshot->auto_reuse_ranges = served_.auto_reuse;
  snapshot->range_source = served_.source;
  snapshot->range_read_seconds = served_.read_seconds;
  if (latest_error_.empty()) return true;
  *error = latest_error_;
  if (have_good_) {
    *error += "; serving the ranges read at " + UtcTime(served_.read_seconds) +
              " from " + served_.source;
  }
  return false;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// One read of the Windows port ranges and exclusions.
struct PortRangeReading {
  /// TCP and UDP, IPv4 and IPv6, exclusions as PortRange::reserved.
  std::vector<PortRange> ranges;
  /// TCP auto-reuse ranges (per family) when enabled, else empty.
  std::vector<PortRange> auto_reuse;
  /// "wmi", "netsh" or "default" (neither answered: 49152-65535 assumed).
  std::string source;
  /// What went wrong; empty when ranges and exclusions were all read.
  std::string error;
  /// Unix time of the read.
  double read_seconds = 0;
};

/// Pure: serves the newest complete reading. A failed reading never
/// replaces a complete one; it is served only while nothing better was
/// read. Not thread-safe.
class PortRangeCache {
 public:
  /// Takes the result of a refresh.
  void Update(PortRangeReading reading);
  /// True once any reading arrived.
  bool has_reading() const { return have_latest_; }
  /// Copies the served ranges, their source and read time into *snapshot.
  /// False with *error when the latest refresh failed (saying which reading
  /// is served instead).
  bool Fill(Snapshot* snapshot, std::string* error) const;

 private:
  bool have_latest_ = false;
  bool have_good_ = false;
  PortRangeReading served_;
  std::string latest_error_;
};

}  // namespace epx

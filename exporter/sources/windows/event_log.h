// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "model/snapshot.h"
#include "sources/windows/event_parser.h"

namespace epx {

/// Counts Tcpip events 4227/4231/4266 in the System log through the Windows
/// event log API (EvtQuery/EvtNext/EvtRender): the first Read() takes the
/// newest event times from the look-back and counts nothing (see
/// TcpipEventTally), later calls count the records written since the newest
/// one the previous call saw (EvtGetLogInfo); a first read that failed
/// part-way continues after the last record it took, and a cleared log is
/// read again from its start. Thread-safe.
class TcpipEventReader {
 public:
  explicit TcpipEventReader(std::uint64_t lookback_seconds)
      : lookback_ms_(lookback_seconds * 1000) {}

  /// Updates the counts; false with *error when the log cannot be queried
  /// (then *out is left invalid).
  bool Read(EventCounts* out, std::string* error);

 private:
  std::mutex mutex_;
  std::uint64_t lookback_ms_;
  TcpipEventTally tally_;
  EventLogCursor cursor_;
  bool clear_logged_ = false;
};

}  // namespace epx

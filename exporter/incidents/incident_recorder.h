// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "analysis/port_usage.h"

namespace epx {

/// When an incident opens and closes, and how much of it is kept.
struct IncidentOptions {
  /// A headline (ratio) at or above this opens an incident.
  double threshold = 0.9;
  /// The headline must fall below threshold - close_margin to count as calm.
  double close_margin = 0.05;
  /// An incident closes after this many calm seconds in a row.
  double calm_seconds = 300;
  /// Rows kept per list (processes, destinations, local addresses).
  std::size_t top = 50;
};

/// One incident: when it ran, what opened it and the worst moment seen.
struct Incident {
  /// Opening time in UTC, "YYYYMMDDTHHMMSSZ"; also the file name.
  std::string id;
  double opened_seconds = 0;
  /// Unix time it closed; 0 while open.
  double closed_seconds = 0;
  /// Unix time of the last sample that changed it.
  double updated_seconds = 0;
  /// What opened it, e.g. "tcp headline 0.93" or "connect failures".
  std::string trigger;
  /// The headline at the worst moment: "tcp", "udp" or "tcp_bind".
  std::string peak_headline;
  double peak_ratio = 0;
  double peak_seconds = 0;
  /// Connect/bind failures and Windows Tcpip events counted while open.
  std::uint64_t failures = 0;
  std::uint64_t events = 0;
  /// The report at the worst moment, lists cut to IncidentOptions::top.
  PortUsageReport worst;
};

/// The highest headline of a report and its name.
struct Headline {
  std::string name;
  double ratio = 0;
};

/// Pure: the highest of the TCP, UDP and bind-before-connect headlines;
/// ratio 0 and an empty name when the report has none.
Headline HighestHeadline(const PortUsageReport& report);

/// Pure: the report with its per-process, per-destination, per-address and
/// connect-event lists cut to `top` rows.
PortUsageReport TrimReport(const PortUsageReport& report, std::size_t top);

/// What one sample did to the recorder.
enum class IncidentChange { kNone, kOpened, kWorsened, kUpdated, kClosed };

/// Pure state machine over timed reports: opens an incident when a headline
/// reaches the threshold, connect failures are counted or Windows Tcpip
/// exhaustion events rise; keeps the worst report; closes after calm_seconds
/// below threshold - close_margin without new failures. Not thread-safe.
class IncidentRecorder {
 public:
  explicit IncidentRecorder(IncidentOptions options = {});

  /// Feeds one report taken at now_seconds (Unix time). A report without
  /// headlines (a failed collection) changes nothing. detail, when given,
  /// is the same collection with longer lists: it is called (once) only
  /// when this sample becomes the worst moment, and kept instead of report.
  IncidentChange Observe(const PortUsageReport& report, double now_seconds,
                         const std::function<PortUsageReport()>& detail = {});

  /// The open incident, or the one that just closed after kClosed; null
  /// when none was ever opened.
  const Incident* Current() const;
  bool IsOpen() const { return open_; }

 private:
  IncidentOptions options_;
  std::optional<Incident> current_;
  bool open_ = false;
  bool have_counters_ = false;
  std::uint64_t last_failures_ = 0;
  std::uint64_t last_events_ = 0;
  double last_event_time_ = 0;
  double calm_since_ = -1;
};

/// Pure: "YYYYMMDDTHHMMSSZ" for a Unix time.
std::string IncidentId(double unix_seconds);

/// Pure: "YYYY-MM-DD HH:MM:SS UTC" for a Unix time; empty for 0 or less.
std::string IncidentTimeText(double unix_seconds);

}  // namespace epx

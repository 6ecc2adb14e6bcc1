// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_recorder.h"

#include <cstdio>
#include <ctime>

namespace epx {

namespace {

std::uint64_t FailureCount(const ConnectEvents& events) {
  if (!events.valid) return 0;
  return events.tcp_connect_failures[0] + events.tcp_connect_failures[1] +
         events.bind_failures[0] + events.bind_failures[1] +
         events.udp_autobind_failures;
}

std::uint64_t EventCount(const EventCounts& events) {
  std::uint64_t total = 0;
  if (!events.valid) return 0;
  for (const auto& [id, count] : events.by_id) total += count;
  return total;
}

double NewestEvent(const EventCounts& events) {
  double newest = 0;
  if (!events.valid) return 0;
  for (const auto& [id, seconds] : events.newest_seconds)
    if (seconds > newest) newest = seconds;
  return newest;
}

std::string Ratio(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", ratio);
  return text;
}

template <typename T>
void Cut(std::vector<T>* rows, std::size_t top) {
  if (rows->size() > top) rows->resize(top);
}

}  // namespace

Headline HighestHeadline(const PortUsageReport& report) {
  Headline highest;
  for (const ExhaustionSummary& e : report.exhaustion) {
    const char* name = e.protocol == Protocol::kTcp ? "tcp" : "udp";
    if (highest.name.empty() || e.ratio > highest.ratio)
      highest = Headline{name, e.ratio};
    if (e.linux_rules && e.bind_ratio > highest.ratio)
      highest = Headline{"tcp_bind", e.bind_ratio};
  }
  return highest;
}

PortUsageReport TrimReport(const PortUsageReport& report, std::size_t top) {
  PortUsageReport trimmed = report;
  Cut(&trimmed.processes, top);
  Cut(&trimmed.destinations, top);
  Cut(&trimmed.local_addresses, top);
  Cut(&trimmed.connect_events.processes, top);
  Cut(&trimmed.connect_events.destinations, top);
  return trimmed;
}

IncidentRecorder::IncidentRecorder(IncidentOptions options)
    : options_(options) {}

IncidentChange IncidentRecorder::Observe(
    const PortUsageReport& report, double now_seconds,
    const std::function<PortUsageReport()>& detail) {
  if (report.exhaustion.empty()) return IncidentChange::kNone;
  Headline headline = HighestHeadline(report);
  std::uint64_t failures = FailureCount(report.connect_events);
  std::uint64_t events = EventCount(report.events);
  double newest_event = NewestEvent(report.events);
  std::uint64_t new_failures = have_counters_ && failures > last_failures_
                                   ? failures - last_failures_
                                   : 0;
  std::uint64_t new_events =
      have_counters_ && events > last_events_ ? events - last_events_ : 0;
  if (have_counters_ && new_events == 0 && newest_event > last_event_time_)
    new_events = 1;
  have_counters_ = true;
  last_failures_ = failures;
  last_events_ = events;
  if (newest_event > last_event_time_) last_event_time_ = newest_event;

  bool hot = headline.ratio >= options_.threshold;
  if (!open_) {
    std::string trigger;
    if (hot)
      trigger = headline.name + " headline " + Ratio(headline.ratio);
    else if (new_failures > 0)
      trigger = "connect failures (" + std::to_string(new_failures) + ")";
    else if (new_events > 0)
      trigger = "Windows Tcpip events (" + std::to_string(new_events) + ")";
    else
      return IncidentChange::kNone;
    Incident incident;
    incident.id = IncidentId(now_seconds);
    incident.opened_seconds = now_seconds;
    incident.updated_seconds = now_seconds;
    incident.trigger = trigger;
    incident.peak_headline = headline.name;
    incident.peak_ratio = headline.ratio;
    incident.peak_seconds = now_seconds;
    incident.failures = new_failures;
    incident.events = new_events;
    incident.worst = TrimReport(detail ? detail() : report, options_.top);
    current_ = std::move(incident);
    open_ = true;
    calm_since_ = -1;
    return IncidentChange::kOpened;
  }

  Incident& incident = *current_;
  incident.updated_seconds = now_seconds;
  incident.failures += new_failures;
  incident.events += new_events;
  bool calm = headline.ratio < options_.threshold - options_.close_margin &&
              new_failures == 0 && new_events == 0;
  if (!calm) {
    calm_since_ = -1;
  } else if (calm_since_ < 0) {
    calm_since_ = now_seconds;
  } else if (now_seconds - calm_since_ >= options_.calm_seconds) {
    incident.closed_seconds = now_seconds;
    open_ = false;
    return IncidentChange::kClosed;
  }
  if (headline.ratio > incident.peak_ratio) {
    incident.peak_headline = headline.name;
    incident.peak_ratio = headline.ratio;
    incident.peak_seconds = now_seconds;
    incident.worst = TrimReport(detail ? detail() : report, options_.top);
    return IncidentChange::kWorsened;
  }
  return IncidentChange::kUpdated;
}

const Incident* IncidentRecorder::Current() const {
  return current_ ? &*current_ : nullptr;
}

std::string IncidentId(double unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &t);
#else
  gmtime_r(&t, &utc);
#endif
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string IncidentTimeText(double unix_seconds) {
  if (unix_seconds <= 0) return "";
  std::string id = IncidentId(unix_seconds);
  return id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2) + " " +
         id.substr(9, 2) + ":" + id.substr(11, 2) + ":" + id.substr(13, 2) +
         " UTC";
}

}  // namespace epx

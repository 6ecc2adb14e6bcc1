// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

#include "incidents/incident_recorder.h"

namespace epx {

/// The "format" value every incident file carries.
inline constexpr const char* kIncidentFormat =
    "ephemeral_port_exporter.incident/1";

/// Largest incident file written, in bytes.
inline constexpr std::size_t kMaxIncidentBytes = std::size_t{256} * 1024;

/// What the incident list shows of one stored incident.
struct IncidentSummary {
  std::string id;
  double opened_seconds = 0;
  /// 0 while open.
  double closed_seconds = 0;
  std::string trigger;
  std::string peak_headline;
  double peak_ratio = 0;
  double peak_seconds = 0;
  /// The process holding the most ports at the worst moment; empty if none.
  std::string top_process;
  std::int64_t top_process_pid = 0;
};

/// Pure: the incident as JSON text of at most max_bytes; lists are halved
/// until it fits (an empty string if even the bare incident does not).
std::string IncidentToJson(const Incident& incident,
                           std::size_t max_bytes = kMaxIncidentBytes);

/// Pure: reads the summary of an incident file; false with *error when the
/// text is not JSON or not an incident of this format.
bool ParseIncidentSummary(const std::string& text, IncidentSummary* out,
                          std::string* error);

/// Pure: when text is an incident still open, *out is it closed at its last
/// update with "closed_by": "exporter stopped", and true; else false.
bool MarkIncidentInterrupted(const std::string& text, std::string* out);

}  // namespace epx

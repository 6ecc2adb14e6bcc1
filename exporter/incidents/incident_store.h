// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "incidents/incident_json.h"
#include "incidents/incident_recorder.h"

namespace epx {

/// Incidents kept as one JSON file each (<id>.json) in a state directory.
/// Thread-safe.
class IncidentStore {
 public:
  /// keep: the newest incidents kept; older files are removed.
  explicit IncidentStore(std::string directory, std::size_t keep = 50);

  /// Writes the incident atomically (a temporary file renamed over
  /// <id>.json) and removes the oldest beyond `keep`; false with *error
  /// (a full disk, a read-only directory), counted in WriteErrors().
  bool Save(const Incident& incident, std::string* error);

  /// Closes the stored incidents a stop left open (closed at their last
  /// update, "closed_by": "exporter stopped"); returns how many. Call once
  /// at start, before recording.
  std::size_t CloseInterrupted();

  /// Summaries of the stored incidents, newest first; a file that is not a
  /// readable incident is skipped and logged once.
  std::vector<IncidentSummary> List();

  /// The JSON text of incident `id`; false if the id is malformed or it is
  /// not stored.
  bool Read(const std::string& id, std::string* text);

  /// Failed writes since start.
  std::uint64_t WriteErrors() const;
  /// False after a failed write, until a write succeeds again.
  bool Writable() const;
  const std::string& Directory() const { return directory_; }

 private:
  std::string directory_;
  std::size_t keep_;
  mutable std::mutex mu_;
  std::uint64_t write_errors_ = 0;
  bool writable_ = true;
  std::set<std::string> logged_;
};

/// Pure: true for an incident id as IncidentId makes them (16 characters,
/// digits, 'T' and 'Z'), so it may name a file.
bool IsIncidentId(const std::string& id);

}  // namespace epx

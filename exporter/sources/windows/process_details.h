// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "model/snapshot.h"

namespace epx {

/// Adds what Task Manager shows next to a process: its handle count, from
/// one NtQuerySystemInformation(SystemProcessInformation) call for every
/// process (no handle to the process needed), and its executable path
/// (QueryFullProcessImageNameW, for processes the exporter may open with
/// PROCESS_QUERY_LIMITED_INFORMATION; remembered per pid and image name).
/// Thread-safe.
class ProcessDetailReader {
 public:
  /// Fills ProcessInfo::handles and ::executable of *table; false with
  /// *error when the process list cannot be read (handles stay -1).
  bool Read(std::map<std::int64_t, ProcessInfo>* table, std::string* error);

 private:
  std::mutex mutex_;
  /// pid -> (image name, executable path).
  std::map<std::int64_t, std::pair<std::string, std::string>> paths_;
};

}  // namespace epx

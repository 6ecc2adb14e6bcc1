// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/process_info_parser.h"

#include <cstring>

namespace epx {
namespace {

template <typename T>
T Load(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

}  // namespace

bool ParseProcessHandleCounts(const std::uint8_t* data, std::size_t size,
                              std::map<std::int64_t, std::int64_t>* out) {
  out->clear();
  std::size_t at = 0;
  while (size >= kSpiMinimumEntry && at <= size - kSpiMinimumEntry) {
    const std::uint8_t* entry = data + at;
    std::uint32_t next = Load<std::uint32_t>(entry + kSpiNextEntryOffset);
    std::uint64_t pid = Load<std::uint64_t>(entry + kSpiUniqueProcessId);
    std::uint32_t handles = Load<std::uint32_t>(entry + kSpiHandleCount);
    if (pid <= static_cast<std::uint64_t>(INT64_MAX))
      (*out)[static_cast<std::int64_t>(pid)] = handles;
    if (next == 0) return true;
    if (next < kSpiMinimumEntry) return false;
    at += next;
  }
  return false;
}

void ApplyHandleCounts(const std::map<std::int64_t, std::int64_t>& counts,
                       std::map<std::int64_t, ProcessInfo>* table) {
  for (auto& [pid, info] : *table) {
    auto it = counts.find(pid);
    if (it != counts.end()) info.handles = it->second;
  }
}

}  // namespace epx

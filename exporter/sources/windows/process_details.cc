// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/process_details.h"

// clang-format off
#include <windows.h>
#include <winternl.h>
// clang-format on

#include <algorithm>
#include <cstddef>
#include <vector>

#include "sources/windows/process_info_parser.h"
#include "sources/windows/win_util.h"

namespace epx {
namespace {

static_assert(sizeof(void*) == 8, "the parser reads the 64-bit layout");
static_assert(offsetof(SYSTEM_PROCESS_INFORMATION, NextEntryOffset) ==
              kSpiNextEntryOffset);
static_assert(offsetof(SYSTEM_PROCESS_INFORMATION, UniqueProcessId) ==
              kSpiUniqueProcessId);
static_assert(offsetof(SYSTEM_PROCESS_INFORMATION, HandleCount) ==
              kSpiHandleCount);

constexpr NTSTATUS kInfoLengthMismatch = static_cast<NTSTATUS>(0xC0000004L);

bool ReadHandleCounts(std::map<std::int64_t, std::int64_t>* counts,
                      std::string* error) {
  std::vector<std::uint8_t> buffer(512 * 1024);
  for (int round = 0; round < 8; ++round) {
    ULONG needed = 0;
    NTSTATUS status =
        NtQuerySystemInformation(SystemProcessInformation, buffer.data(),
                                 static_cast<ULONG>(buffer.size()), &needed);
    if (status == kInfoLengthMismatch) {
      // Processes start between the calls: ask for a margin.
      buffer.resize(std::max<std::size_t>(buffer.size() * 2, needed + 65536));
      continue;
    }
    if (status < 0) {
      *error = "NtQuerySystemInformation(SystemProcessInformation): " +
               WindowsErrorText(RtlNtStatusToDosError(status));
      return false;
    }
    if (!ParseProcessHandleCounts(buffer.data(), needed, counts)) {
      *error =
          "NtQuerySystemInformation(SystemProcessInformation): an "
          "entry runs past the answer";
      return false;
    }
    return true;
  }
  *error =
      "NtQuerySystemInformation(SystemProcessInformation): the process "
      "list did not settle";
  return false;
}

std::string ExecutablePath(std::int64_t pid) {
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                               static_cast<DWORD>(pid));
  if (process == nullptr) return "";
  std::wstring path(1024, L'\0');
  DWORD size = static_cast<DWORD>(path.size());
  BOOL ok = QueryFullProcessImageNameW(process, 0, path.data(), &size);
  if (!ok && GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
    path.assign(32768, L'\0');
    size = static_cast<DWORD>(path.size());
    ok = QueryFullProcessImageNameW(process, 0, path.data(), &size);
  }
  CloseHandle(process);
  if (!ok) return "";
  path.resize(size);
  return Utf8FromWide(path);
}

}  // namespace

bool ProcessDetailReader::Read(std::map<std::int64_t, ProcessInfo>* table,
                               std::string* error) {
  std::map<std::int64_t, std::int64_t> counts;
  bool ok = ReadHandleCounts(&counts, error);
  if (ok) ApplyHandleCounts(counts, table);
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::int64_t, std::pair<std::string, std::string>> paths;
  for (auto& [pid, info] : *table) {
    auto known = paths_.find(pid);
    if (known != paths_.end() && known->second.first == info.name) {
      info.executable = known->second.second;
    } else {
      info.executable = ExecutablePath(pid);
    }
    paths.emplace(pid, std::make_pair(info.name, info.executable));
  }
  paths_ = std::move(paths);
  return ok;
}

}  // namespace epx

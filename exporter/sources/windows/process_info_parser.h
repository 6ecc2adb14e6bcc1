// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "model/snapshot.h"

namespace epx {

/// Offsets in the 64-bit SYSTEM_PROCESS_INFORMATION that
/// NtQuerySystemInformation(SystemProcessInformation) returns, from the
/// struct in winternl.h as documented on Microsoft Learn:
/// https://learn.microsoft.com/windows/win32/api/winternl/nf-winternl-ntquerysysteminformation
constexpr std::size_t kSpiNextEntryOffset = 0;
constexpr std::size_t kSpiUniqueProcessId = 80;
constexpr std::size_t kSpiHandleCount = 96;
/// Bytes of an entry up to and including HandleCount.
constexpr std::size_t kSpiMinimumEntry = kSpiHandleCount + 4;

/// Pure: pid -> handle count from a SystemProcessInformation buffer of the
/// 64-bit layout (entries chained by NextEntryOffset, 0 ends the list).
/// False, with what was read so far, when an entry runs past `size`.
bool ParseProcessHandleCounts(const std::uint8_t* data, std::size_t size,
                              std::map<std::int64_t, std::int64_t>* out);

/// Pure: sets ProcessInfo::handles of each process in *table that `counts`
/// has; the others keep -1 (not known).
void ApplyHandleCounts(const std::map<std::int64_t, std::int64_t>& counts,
                       std::map<std::int64_t, ProcessInfo>* table);

}  // namespace epx

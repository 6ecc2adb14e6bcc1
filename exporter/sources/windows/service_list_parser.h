// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// SERVICE_STATUS_PROCESS.dwCurrentState values:
/// https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status_process
constexpr std::uint32_t kServiceStopped = 1;
constexpr std::uint32_t kServiceRunning = 4;

/// One row of EnumServicesStatusEx (ENUM_SERVICE_STATUS_PROCESS) or one
/// QueryServiceStatusEx answer, names converted to UTF-8.
struct ServiceStatusEntry {
  std::string name;
  std::uint32_t current_state = kServiceStopped;
  /// 0 when the service has no process.
  std::uint32_t pid = 0;
};

/// One process from a Toolhelp32 snapshot (PROCESSENTRY32W).
struct ProcessEntry {
  std::uint32_t pid = 0;
  std::string image_name;
};

/// Pure: the process table of a snapshot: pid -> image name, with the names
/// of the services each process hosts (several for a shared svchost.exe),
/// sorted. Pid 0 (the idle process) is left out.
std::map<std::int64_t, ProcessInfo> BuildProcessTable(
    const std::vector<ProcessEntry>& processes,
    const std::vector<ServiceStatusEntry>& services);

/// Pure: the watched service `name` as reported: running with its pid when
/// the service control manager gave one, not running otherwise (also when
/// the service does not exist: `status` is null).
ServiceInfo WatchedServiceFromStatus(const std::string& name,
                                     const ServiceStatusEntry* status);

}  // namespace epx

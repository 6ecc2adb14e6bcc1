// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/service_list_parser.h"

#include <algorithm>

namespace epx {

std::map<std::int64_t, ProcessInfo> BuildProcessTable(
    const std::vector<ProcessEntry>& processes,
    const std::vector<ServiceStatusEntry>& services) {
  std::map<std::int64_t, ProcessInfo> table;
  for (const ProcessEntry& p : processes) {
    if (p.pid == 0) continue;
    ProcessInfo& info = table[p.pid];
    info.pid = p.pid;
    info.name = p.image_name;
  }
  for (const ServiceStatusEntry& s : services) {
    if (s.pid == 0 || s.current_state == kServiceStopped) continue;
    auto it = table.find(s.pid);
    if (it == table.end()) continue;
    it->second.services.push_back(s.name);
  }
  for (auto& entry : table) {
    std::vector<std::string>& names = entry.second.services;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  return table;
}

ServiceInfo WatchedServiceFromStatus(const std::string& name,
                                     const ServiceStatusEntry* status) {
  ServiceInfo info;
  info.name = name;
  if (status != nullptr && status->pid != 0 &&
      status->current_state != kServiceStopped) {
    info.running = true;
    info.pids.push_back(status->pid);
  }
  return info;
}

}  // namespace epx

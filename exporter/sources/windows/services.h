// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Every process (Toolhelp32 snapshot: pid and image name) with the
/// services it hosts (EnumServicesStatusEx over all Win32 services). A
/// service list that cannot be read leaves ProcessInfo::services empty and
/// is reported in *error (return false) while the table is still filled.
bool ReadProcessTable(std::map<std::int64_t, ProcessInfo>* out,
                      std::string* error);

/// Resolves each watched service through the service control manager
/// (OpenService + QueryServiceStatusEx): running with its pid, or not
/// running (also when it is not installed). One entry per name, always.
/// False with *error when the service control manager cannot be opened.
bool ResolveWatchedServices(const std::vector<std::string>& names,
                            std::vector<ServiceInfo>* out, std::string* error);

}  // namespace epx

#pragma once

#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Walks <procfs_root>/<pid>/fd and fills snapshot->processes,
/// inode_owners and processes_unreadable; resolves watched systemd units
/// into snapshot->services. Returns false with *error set only when the
/// procfs root itself cannot be listed.
bool ScanLinuxProcesses(const std::string& procfs_root,
                        const std::vector<std::string>& watched_units,
                        Snapshot* snapshot, std::string* error);

/// True if a process in `unit` belongs to the watched name; "nginx" matches
/// the unit "nginx.service".
bool UnitMatches(const std::string& watched, const std::string& unit);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analysis/port_usage.h"
#include "incidents/incident_json.h"

namespace epx {

/// Pure: the incident view of a report as fixed-width text tables, headed
/// by `title` (host name and time).
std::string FormatConsoleReport(const PortUsageReport& report,
                                const std::string& title);

/// Pure: the recorded incidents as text (`report --incidents`): the newest
/// `rows` of `list` (newest first) and, from newest_json (the newest
/// incident's stored JSON, may be empty), its worst moment's top processes
/// and destinations; `directory` is where the files are.
std::string FormatIncidentsSection(const std::vector<IncidentSummary>& list,
                                   const std::string& newest_json,
                                   const std::string& directory,
                                   std::size_t rows = 10);

}  // namespace epx

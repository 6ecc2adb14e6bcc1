// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "analysis/port_usage.h"

namespace epx {

/// Pure: the incident view of a report as fixed-width text tables, headed
/// by `title` (host name and time).
std::string FormatConsoleReport(const PortUsageReport& report,
                                const std::string& title);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/port_usage.h"
#include "model/snapshot.h"

namespace epx {

/// Pure: fills report->auto_reuse from snapshot.auto_reuse_ranges and, when
/// an auto-reuse pool is closer to failing than the TCP headline, makes it
/// the TCP headline (rule kPerDestination): a connect() without bind()
/// fails when that pool is exhausted toward its destination.
void AnalyzeAutoReusePools(const Snapshot& snapshot, PortUsageReport* report);

}  // namespace epx

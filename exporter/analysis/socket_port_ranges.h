// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/port_usage.h"
#include "model/snapshot.h"

namespace epx {

/// Pure: Linux TCP clients with their own IP_LOCAL_PORT_RANGE (the BPF
/// source reports it per socket) take ports from that range only, within
/// the namespace's. For each distinct such range seen (at most 16), the
/// ports of it unavailable toward the worst (local address, remote address,
/// remote port) are those held for every destination plus that group's;
/// when such a pool is closer to failing than the TCP headline, it becomes
/// the TCP headline (its capacity, exclusive and worst counts).
void AnalyzeSocketPortRanges(const Snapshot& snapshot, PortUsageReport* report);

}  // namespace epx

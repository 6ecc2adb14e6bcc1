// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/port_usage.h"
#include "model/snapshot.h"

namespace epx {

/// Pure: the connect events to report: every total, the top N processes by
/// connect failures (then port-0 failures, then connects), the top N
/// processes by connects, and the top N destinations by failures; of other
/// namespaces, the top options.top_namespaces by failures (then connects)
/// with their totals, and across those the top N processes by failures and
/// the top N destinations by failures.
ConnectEvents SummarizeConnectEvents(const ConnectEvents& events,
                                     const AnalysisOptions& options);

}  // namespace epx

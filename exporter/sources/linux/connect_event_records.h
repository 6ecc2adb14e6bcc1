// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/snapshot.h"
#include "sources/linux/bpf/connect_events.h"

namespace epx {

/// Pure: the connect_events maps as read from the kernel (totals summed
/// over CPUs, indexed by epx_total; every process and destination entry)
/// into ConnectEvents: connects are attempts that did not fail for lack of
/// a port. Process names are cut at their first NUL.
ConnectEvents DecodeConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_destination_key, std::uint64_t>>&
        destinations);

}  // namespace epx

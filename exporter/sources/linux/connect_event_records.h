// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
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

/// Pure: the newest namespace (highest cookie) of each inode among the
/// entries of the namespace_* maps; an entry with a lower cookie is of a
/// namespace that is gone and whose inode the kernel handed out again.
std::map<std::uint32_t, std::uint64_t> NewestNamespaces(
    const std::vector<std::pair<epx_namespace_key, epx_namespace_counts>>&
        namespace_totals,
    const std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>&
        destinations);

/// Pure: the namespace_* maps as read from the kernel (every entry) into
/// events->namespaces, one per namespace inode sorted by inode (entries of
/// a gone namespace whose inode was reused left out), with the drop counts
/// of totals; sets events->namespaces_counted.
void DecodeNamespaceConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_namespace_key, epx_namespace_counts>>&
        namespace_totals,
    const std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>&
        destinations,
    ConnectEvents* events);

}  // namespace epx

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

/// Pure: the namespace_* maps as read from the kernel (every entry) into
/// events->namespaces, one per namespace (inode and cookie) sorted by inode
/// then cookie, with the drop counts of totals; sets
/// events->namespaces_counted.
void DecodeNamespaceConnectEvents(
    const std::vector<std::uint64_t>& totals,
    const std::vector<std::pair<epx_namespace_key, epx_namespace_counts>>&
        namespace_totals,
    const std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>&
        processes,
    const std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>&
        destinations,
    ConnectEvents* events);

/// Pure: which namespaces the namespaces collector's scan read, by inode and
/// cookie; an inode alone is not enough, the kernel hands a gone namespace's
/// inode to the next one it makes.
class ScannedNamespaces {
 public:
  enum class State {
    kRead,     ///< read in the scan: inode and cookie equal
    kUnknown,  ///< found, but not read or its cookie is unknown
    kGone,     ///< not found, or its inode now names another namespace
  };

  explicit ScannedNamespaces(const NamespaceScan& scan);

  State Of(std::uint64_t netns, std::uint64_t cookie) const;

  /// Leaves in events->namespaces only the namespaces in State::kRead.
  void KeepRead(ConnectEvents* events) const;

 private:
  std::map<std::uint64_t, std::uint64_t> cookies_;
};

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "sources/linux/bind_bucket_memory.h"
#include "sources/linux/namespaces_parser.h"

namespace epx {

/// The namespaces collector: finds every network namespace (each process's
/// <procfs>/<pid>/ns/net, deduplicated by inode, and the names under
/// /run/netns) and reads each one other than the exporter's own from a
/// helper thread that has entered it with setns(CLONE_NEWNET).
class NamespaceCollector {
 public:
  /// bound_sockets: also dump bound-only TCP sockets (Linux 6.8+).
  explicit NamespaceCollector(std::string procfs_root,
                              bool bound_sockets = true,
                              std::string netns_dir = "/run/netns");

  /// Fills *scan. False with *error set when the exporter lacks
  /// CAP_SYS_ADMIN (nothing entered) or some namespaces could not be found
  /// or read (the others are still in *scan). A namespace that vanishes
  /// during the scan is skipped.
  bool Collect(NamespaceScan* scan, std::string* error);

 private:
  /// Every namespace but the exporter's own; *denied counts processes whose
  /// namespace link could not be read (no CAP_SYS_PTRACE).
  std::vector<NamespaceCandidate> Find(std::uint32_t* denied);
  /// Runs on the helper thread: enters the namespace and reads it. False
  /// with *vanished set when it is gone; false with *error otherwise.
  bool Read(const NamespaceCandidate& candidate, NamespaceSnapshot* out,
            bool* vanished, std::string* error);

  std::string root_;
  /// Explicit-port classification per namespace inode, across collections.
  std::map<std::uint64_t, ExplicitPortMarks> marks_;
  std::string netns_dir_;
  /// inet_diag lists bound-only TCP sockets (Linux 6.8+) and they are asked
  /// for.
  bool bound_visible_ = false;
};

}  // namespace epx

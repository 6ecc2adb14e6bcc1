// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace epx {

/// The Kubernetes pod and the container a process runs in, as its cgroup
/// path names them; empty strings when the path names none.
struct CgroupIdentity {
  /// Pod UID with dashes (the kubelet's systemd driver writes underscores).
  std::string pod_uid;
  /// 64 hex digits of the container id (containerd, CRI-O, Docker).
  std::string container_id;
};

/// Pure: the pod UID and container id named by the text of a
/// /proc/<pid>/cgroup file (cgroup v1 or v2 lines); fields stay empty when
/// no line names them.
CgroupIdentity ParseCgroupIdentity(const std::string& cgroup_file);

/// A place a network namespace was found: a process's /proc/<pid>/ns/net
/// (pid > 0) or a name under /run/netns (pid 0).
struct NamespaceCandidate {
  std::uint64_t inode = 0;
  std::int64_t pid = 0;
  /// Path to open the namespace with.
  std::string path;
  /// Name under /run/netns; empty for a process's namespace.
  std::string name;
};

/// Pure: one candidate per namespace inode, sorted by inode: the lowest pid
/// found in it (processes before names), with the /run/netns name when one
/// has it; candidates with inode `own` (the exporter's namespace) dropped.
std::vector<NamespaceCandidate> DedupeNamespaces(
    std::vector<NamespaceCandidate> found, std::uint64_t own);

}  // namespace epx

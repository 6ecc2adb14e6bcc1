// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "sources/linux/bpf/bpf_requirements.h"

namespace epx {

/// What keeps BPF programs from loading in this process ("" when nothing
/// does): reads /proc/self/status and /sys/kernel/btf/vmlinux.
std::string MissingBpfRequirementsHere();

/// Inode number of the calling thread's network namespace (the process's
/// unless the thread entered another); 0 when unknown.
std::uint32_t OwnNetworkNamespaceInode();

/// Level of this process's pid namespace (0 for the initial one, also when
/// unknown).
std::uint32_t OwnPidNamespaceLevel();

/// While alive, libbpf's warnings of this thread go to a buffer instead of
/// stderr, so a failed load can name its cause in one error. One at a time
/// per thread.
class LibbpfMessages {
 public:
  LibbpfMessages();
  ~LibbpfMessages();
  LibbpfMessages(const LibbpfMessages&) = delete;
  LibbpfMessages& operator=(const LibbpfMessages&) = delete;
  /// The last warning lines libbpf printed, joined with "; ".
  std::string Text() const;
};

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "model/socket_record.h"
#include "sources/linux/socket_attribution.h"

namespace epx {

class LibbpfMessages;

/// The BPF socket source: iter/tcp and iter/udp programs
/// (bpf/socket_iter.bpf.c) write one record per socket of this network
/// namespace, read through a fresh iterator fd each time; an iter/task_file
/// program names the processes holding them. Not thread-safe.
class SocketIterators {
 public:
  SocketIterators();
  ~SocketIterators();
  SocketIterators(const SocketIterators&) = delete;
  SocketIterators& operator=(const SocketIterators&) = delete;

  /// Loads and attaches the programs once; false with *error naming what is
  /// missing (privileges, BTF, iterator support, a build without BPF). A
  /// failed load is not retried: later calls return the same error.
  bool Load(std::string* error);

  /// Appends every TCP and UDP socket the iterators see that keep accepts
  /// (all when empty; Load() first). Bound-only TCP sockets are not among
  /// them: the iterator walks the listening and connection tables, not the
  /// bind table.
  bool Read(std::vector<SocketRecord>* out, std::string* error,
            const SocketFilter& keep = {});

  /// Appends (inode, pid) for every descriptor of a TCP or UDP socket of
  /// this network namespace held by a process of this pid namespace, in one
  /// pass over every process's descriptor table (Load() first). A process
  /// appears once per descriptor, pids as /proc shows them.
  bool ReadOwners(std::vector<InodeOwner>* out, std::string* error);

  /// Whether ReadOwners() can run (the owner program loaded); Load() first.
  bool HasOwners() const {
    return programs_ != nullptr && owners_error_.empty();
  }

  struct Programs;

 private:
  /// Opens the skeleton and loads its programs, the owner program only
  /// with with_owners; nullptr with *error naming the step that failed.
  static std::unique_ptr<Programs> OpenAndLoad(bool with_owners,
                                               const LibbpfMessages& log,
                                               std::string* error);

  bool tried_ = false;
  std::string load_error_;
  /// Why the owner program cannot run ("" when it can).
  std::string owners_error_;
  std::unique_ptr<Programs> programs_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace epx

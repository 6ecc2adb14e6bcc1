#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Socket inode -> owning pids, as found in /proc/<pid>/fd.
class InodeOwners {
 public:
  /// Forgets every entry.
  void Clear() {
    pairs_.clear();
    sorted_ = true;
  }
  /// Prepares for about `entries` (inode, pid) pairs.
  void Reserve(std::size_t entries) { pairs_.reserve(entries); }
  /// Records that pid holds the socket inode.
  void Add(std::uint64_t inode, std::int64_t pid) {
    pairs_.emplace_back(inode, pid);
    sorted_ = false;
  }

  /// Sets SocketRecord::pid (the lowest owning pid) of every socket whose
  /// inode has an owner and lists further owners in snapshot->extra_owners,
  /// kept sorted by socket index. With `only`, just those socket indexes
  /// are looked at and earlier extra owners are kept. Sockets without a
  /// known owner keep their pid.
  void Attribute(Snapshot* snapshot,
                 const std::vector<std::size_t>* only = nullptr);

 private:
  std::vector<std::pair<std::uint64_t, std::int64_t>> pairs_;
  bool sorted_ = true;
};

}  // namespace epx

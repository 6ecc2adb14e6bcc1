// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// One descriptor of a socket: its inode (the kernel numbers sockets with
/// get_next_ino(), 32 bits) and the process holding it.
struct InodeOwner {
  std::uint32_t inode = 0;
  std::int32_t pid = 0;
};

/// Socket inode -> owning pids, as found in /proc/<pid>/fd. An open-address
/// table of 8 bytes a slot holds the lowest owner of every socket whose
/// inode and pid fit 32 bits (Linux socket inodes always do); further
/// owners and larger values wait in a small ordered side set.
class InodeOwners {
 public:
  /// Forgets every entry.
  void Clear();
  /// Sizes the table once for n inodes, so adding them does not grow it
  /// step by step (each step holds the old table and the new one).
  void Reserve(std::size_t n);
  /// Records that pid holds the socket inode; repeats are ignored.
  void Add(std::uint64_t inode, std::int64_t pid);
  /// Forgets that pid holds the socket inode; unknown pairs are ignored.
  void Remove(std::uint64_t inode, std::int64_t pid);
  /// Number of distinct inodes in the table.
  std::size_t size() const { return used_; }

  /// Sets SocketRecord::pid (the lowest owning pid) of every socket whose
  /// inode has an owner and lists further owners in snapshot->extra_owners,
  /// kept sorted by socket index. With `only`, just those socket indexes
  /// are looked at and earlier extra owners are kept. Sockets without a
  /// known owner keep their pid.
  void Attribute(Snapshot* snapshot,
                 const std::vector<std::size_t>* only = nullptr);

 private:
  /// Index of the slot holding inode, or of the empty slot where it goes.
  std::size_t Find(std::uint32_t inode) const;
  void Rehash(std::size_t slots);
  /// Empties slot i, moving later entries of its probe run back.
  void EraseSlot(std::size_t i);
  /// The lowest owner of inode, or kUnknownPid.
  std::int64_t Lookup(std::uint64_t inode) const;

  /// inode << 32 | pid; 0 is empty (inode 0 is never a socket's).
  std::vector<std::uint64_t> slots_;
  std::size_t used_ = 0;
  /// (inode, pid) pairs the table does not hold: owners beyond the lowest,
  /// and values wider than 32 bits.
  std::set<std::pair<std::uint64_t, std::int64_t>> others_;
};

}  // namespace epx

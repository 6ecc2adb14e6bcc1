// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/snapshot.h"
#include "sources/linux/socket_attribution.h"

namespace epx {

/// Finds the owners of sockets through <procfs>/<pid>/fd and remembers
/// them between collections: a process is re-read only when it is new or
/// its descriptor count (st_size of /proc/<pid>/fd, Linux >= 6.2) changed,
/// and kernel threads are skipped without a stat() once seen. A changed
/// count also re-reads comm, and the process's identity when comm changed
/// (an exec); an exec that keeps the count keeps the old name.
/// If a socket is still unowned after that (a process closed one socket and
/// opened another), other processes are re-read until every such socket is
/// found: first the few that changed most recently, then the ones read
/// longest ago, within a budget of kSearchBudgetFds descriptors per call, so
/// a socket that closed before it could be found (connection churn) costs
/// a bounded amount. Such a socket can therefore show as unowned for a few
/// collections on a host with many descriptors. Sockets that no readable
/// process owns after every process was read are remembered and do not
/// start a search again. With kernel owners (UseKernelOwners), one pass
/// over every process's descriptor table replaces that reading when it
/// would read at least 1/kKernelPassShare of all descriptors (the first
/// collection, a large process that changed), when a process cannot be
/// read, and for the search on hosts small enough: owners are then exact,
/// and no process is unreadable.
/// Each process is reported with its descriptor count (from the last read
/// of its fd directory, else the directory's st_size), executable and
/// effective user. Not thread-safe; one per source.
class ProcessSocketScanner {
 public:
  /// Descriptors the search for unowned sockets may read per Update().
  static constexpr std::int64_t kSearchBudgetFds = 5000;
  /// Processes that changed in the last two collections are searched
  /// first, whatever their size, up to this many.
  static constexpr std::size_t kSearchRecentProcesses = 8;
  /// Reading a descriptor link through /proc costs several times what the
  /// kernel pass spends on one descriptor (about 0.5 us at 100k sockets).
  static constexpr std::int64_t kKernelPassShare = 8;

  /// Appends (inode, pid) of every socket descriptor of every process;
  /// false with *error when it cannot.
  using OwnerPass = std::function<bool(std::vector<InodeOwner>*, std::string*)>;

  explicit ProcessSocketScanner(std::string procfs_root);

  /// From now on, owners come from `pass` instead of <procfs>/<pid>/fd; a
  /// failing pass falls back to the descriptor walk for that Update().
  void UseKernelOwners(OwnerPass pass) { kernel_owners_ = std::move(pass); }

  /// Sets the owner of every socket in snapshot->sockets it can see and
  /// fills processes, processes_unreadable and the watched services.
  /// False with *error only when the procfs root cannot be listed.
  bool Update(const std::vector<std::string>& watched_units, Snapshot* snapshot,
              std::string* error);

  /// Processes whose descriptors were read during the last Update().
  std::size_t last_rescanned() const { return last_rescanned_; }
  /// Whether the last Update() took owners from a kernel pass.
  bool last_kernel_pass() const { return last_kernel_pass_; }
  /// Why the last kernel pass failed; "" when it did not.
  const std::string& kernel_pass_error() const { return kernel_pass_error_; }

 private:
  struct Entry {
    std::uint64_t identity = 0;
    /// Inode of <procfs>/<pid> as readdir reports it: unchanged means the
    /// same process, so a kernel thread is not looked at again.
    std::uint64_t proc_ino = 0;
    /// Kernel threads hold no descriptors.
    bool kernel_thread = false;
    std::int64_t fd_count = -1;
    bool readable = true;
    bool seen = false;
    bool scanned = false;
    /// Update() count when this process's sockets last changed.
    std::uint64_t changed_at = 0;
    /// Update() count when its descriptors were last read.
    std::uint64_t scanned_at = 0;
    /// Its socket inodes (32 bits, as sockfs numbers them).
    std::vector<std::uint32_t> inodes;
    /// Descriptors the last read of <procfs>/<pid>/fd listed; -1 unread.
    std::int64_t fd_entries = -1;
    /// fd_count when that read happened: a different fd_count now (the
    /// kernel pass read the process instead) makes fd_count the newer count.
    std::int64_t fd_count_at_read = -1;
    std::string name;
    std::string unit;
    std::string executable;
    std::string user;
  };

  void ReadIdentity(int proc_fd, const std::string& pid_name, Entry* entry);
  /// The name of a uid (getpwuid_r, remembered), else the number.
  const std::string& UserName(std::int64_t uid);
  /// Re-reads the process's socket descriptors; true if they changed.
  bool ScanFds(int proc_fd, std::int64_t pid, Entry* entry);

  /// Replaces owners_ and every entry's inodes with a kernel pass; false
  /// (nothing changed) when the pass fails.
  bool KernelPass(int proc_fd);

  std::string procfs_root_;
  OwnerPass kernel_owners_;
  bool last_kernel_pass_ = false;
  std::string kernel_pass_error_;
  /// Owner records the last kernel pass read: the next one reserves for
  /// about as many.
  std::size_t last_kernel_owners_ = 0;
  std::unordered_map<std::int64_t, Entry> entries_;
  void ReadSocketInodes(int proc_fd, std::int64_t pid, Entry* entry);

  /// (inode, pid) of every socket descriptor, updated as processes change.
  InodeOwners owners_;
  std::unordered_set<std::uint64_t> unresolvable_;
  std::unordered_map<std::int64_t, std::string> user_names_;
  std::size_t last_rescanned_ = 0;
  std::uint64_t generation_ = 0;
  /// True once any process showed a non-zero fd count: the kernel reports
  /// counts, so a count of 0 really means no descriptors.
  bool fd_counts_reported_ = false;
};

/// True if a process in `unit` belongs to the watched name; "nginx" matches
/// the unit "nginx.service".
bool UnitMatches(const std::string& watched, const std::string& unit);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/process_scanner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "sources/linux/file_reader.h"
#include "sources/linux/proc_process_parser.h"

namespace epx {
namespace {

bool ParsePid(const char* name, std::int64_t* pid) {
  if (*name == '\0') return false;
  std::int64_t v = 0;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (*p - '0');
  }
  *pid = v;
  return true;
}

class DirCloser {
 public:
  explicit DirCloser(DIR* dir) : dir_(dir) {}
  ~DirCloser() {
    if (dir_ != nullptr) closedir(dir_);
  }
  DirCloser(const DirCloser&) = delete;
  DirCloser& operator=(const DirCloser&) = delete;

 private:
  DIR* dir_;
};

// True if <procfs>/<pid>/comm no longer matches `name` (an exec, a rename).
bool Renamed(int proc_fd, const std::string& pid_name,
             const std::string& name) {
  std::string text;
  if (!ReadFileAt(proc_fd, pid_name + "/comm", &text)) return false;
  std::string comm = ParseComm(text);
  return comm.size() < kCommMaxLength
             ? comm != name
             : name.compare(0, kCommMaxLength, comm) != 0;
}

}  // namespace

bool UnitMatches(const std::string& watched, const std::string& unit) {
  return unit == watched || unit == watched + ".service";
}

ProcessSocketScanner::ProcessSocketScanner(std::string procfs_root)
    : procfs_root_(std::move(procfs_root)) {}

void ProcessSocketScanner::ReadIdentity(int proc_fd,
                                        const std::string& pid_name,
                                        Entry* entry) {
  std::string text;
  entry->name.clear();
  entry->unit.clear();
  if (ReadFileAt(proc_fd, pid_name + "/comm", &text))
    entry->name = ParseComm(text);
  if (entry->name.size() == kCommMaxLength &&
      ReadFileAt(proc_fd, pid_name + "/cmdline", &text))
    entry->name = FullProcessName(entry->name, text);
  if (ReadFileAt(proc_fd, pid_name + "/cgroup", &text))
    entry->unit = ParseSystemdUnit(text);
  entry->kernel_thread = ReadFileAt(proc_fd, pid_name + "/stat", &text) &&
                         IsKernelThreadStat(text);
  entry->executable.clear();
  entry->user.clear();
  if (entry->kernel_thread) return;
  char target[4096];
  ssize_t n =
      readlinkat(proc_fd, (pid_name + "/exe").c_str(), target, sizeof target);
  if (n > 0 && static_cast<std::size_t>(n) < sizeof target)
    entry->executable.assign(target, static_cast<std::size_t>(n));
  if (ReadFileAt(proc_fd, pid_name + "/status", &text)) {
    std::int64_t uid = ParseStatusEffectiveUid(text);
    if (uid >= 0) entry->user = UserName(uid);
  }
}

const std::string& ProcessSocketScanner::UserName(std::int64_t uid) {
  auto known = user_names_.find(uid);
  if (known != user_names_.end()) return known->second;
  std::string name = std::to_string(uid);
  passwd pw;
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(static_cast<uid_t>(uid), &pw, buffer.data(), buffer.size(),
                 &found) == 0 &&
      found != nullptr && found->pw_name != nullptr)
    name = found->pw_name;
  return user_names_.emplace(uid, std::move(name)).first->second;
}

bool ProcessSocketScanner::ScanFds(int proc_fd, std::int64_t pid,
                                   Entry* entry) {
  entry->scanned = true;
  entry->scanned_at = generation_;
  std::vector<std::uint32_t> previous;
  previous.swap(entry->inodes);
  ReadSocketInodes(proc_fd, pid, entry);
  if (entry->inodes == previous) return false;
  for (std::uint64_t inode : previous) owners_.Remove(inode, pid);
  for (std::uint64_t inode : entry->inodes) owners_.Add(inode, pid);
  return true;
}

void ProcessSocketScanner::ReadSocketInodes(int proc_fd, std::int64_t pid,
                                            Entry* entry) {
  std::string fd_dir = std::to_string(pid) + "/fd";
  int dir_fd = openat(proc_fd, fd_dir.c_str(),
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  entry->fd_entries = -1;
  entry->fd_count_at_read = entry->fd_count;
  if (dir_fd < 0) {
    entry->readable = !(errno == EACCES || errno == EPERM);
    return;
  }
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    close(dir_fd);
    entry->readable = false;
    return;
  }
  DirCloser closer(dir);
  entry->readable = true;
  entry->fd_entries = 0;
  char target[64];
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    ++entry->fd_entries;
    ssize_t n = readlinkat(dir_fd, d->d_name, target, sizeof target - 1);
    if (n < 9 || std::memcmp(target, "socket:[", 8) != 0) continue;
    std::uint64_t inode = ParseSocketLinkInode(
        std::string_view(target, static_cast<std::size_t>(n)));
    if (inode != 0 && inode <= UINT32_MAX)
      entry->inodes.push_back(static_cast<std::uint32_t>(inode));
  }
}

bool ProcessSocketScanner::KernelPass(int proc_fd) {
  if (!kernel_owners_) return false;
  std::vector<InodeOwner> found;
  found.reserve(last_kernel_owners_ + last_kernel_owners_ / 8 + 64);
  if (!kernel_owners_(&found, &kernel_pass_error_)) {
    if (kernel_pass_error_.empty()) kernel_pass_error_ = "kernel pass failed";
    return false;
  }
  std::sort(found.begin(), found.end(),
            [](const InodeOwner& a, const InodeOwner& b) {
              return a.pid != b.pid ? a.pid < b.pid : a.inode < b.inode;
            });
  last_kernel_owners_ = found.size();
  owners_.Clear();
  owners_.Reserve(found.size());
  // Each pid's inodes go straight from its run of `found` to its entry, so
  // no second copy of the whole list is held.
  auto take = [this](Entry* entry, std::vector<std::uint32_t> inodes) {
    if (inodes != entry->inodes) entry->changed_at = generation_;
    entry->inodes.swap(inodes);
    entry->readable = true;
    entry->scanned = true;
    entry->scanned_at = generation_;
  };
  std::vector<std::int64_t> held;
  for (std::size_t i = 0; i < found.size();) {
    std::int64_t pid = found[i].pid;
    std::vector<std::uint32_t> inodes;
    for (; i < found.size() && found[i].pid == pid; ++i) {
      if (!inodes.empty() && inodes.back() == found[i].inode) continue;
      inodes.push_back(found[i].inode);
      owners_.Add(found[i].inode, pid);
    }
    held.push_back(pid);
    auto it = entries_.find(pid);
    if (it != entries_.end()) {
      take(&it->second, std::move(inodes));
      continue;
    }
    // A process that started after the listing above: named now, as the
    // next listing would.
    std::string pid_name = std::to_string(pid);
    struct stat st;
    if (fstatat(proc_fd, (pid_name + "/fd").c_str(), &st, 0) != 0) {
      for (std::uint64_t inode : inodes) owners_.Remove(inode, pid);
      continue;
    }
    Entry& entry = entries_[pid];
    entry.seen = true;
    entry.identity = st.st_ino;
    entry.fd_count = st.st_size;
    ReadIdentity(proc_fd, pid_name, &entry);
    take(&entry, std::move(inodes));
    entry.changed_at = generation_;
  }
  for (auto& [pid, entry] : entries_) {
    if (!std::binary_search(held.begin(), held.end(), pid)) take(&entry, {});
  }
  last_kernel_pass_ = true;
  return true;
}

bool ProcessSocketScanner::Update(const std::vector<std::string>& watched_units,
                                  Snapshot* snapshot, std::string* error) {
  int proc_fd = open(procfs_root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    *error = procfs_root_ + ": " + std::strerror(errno);
    return false;
  }
  DIR* proc_dir = fdopendir(proc_fd);
  if (proc_dir == nullptr) {
    *error = procfs_root_ + ": " + std::strerror(errno);
    close(proc_fd);
    return false;
  }
  DirCloser closer(proc_dir);
  for (auto& e : entries_) {
    e.second.seen = false;
    e.second.scanned = false;
  }
  last_rescanned_ = 0;
  last_kernel_pass_ = false;
  kernel_pass_error_.clear();
  ++generation_;
  std::vector<std::int64_t> rescan;
  std::int64_t total_fds = 0, rescan_fds = 0;
  while (dirent* d = readdir(proc_dir)) {
    std::int64_t pid;
    if (!ParsePid(d->d_name, &pid)) continue;
    auto known = entries_.find(pid);
    if (known != entries_.end() && known->second.kernel_thread &&
        d->d_ino != 0 && known->second.proc_ino == d->d_ino) {
      known->second.seen = true;
      continue;
    }
    std::string pid_name = d->d_name;
    struct stat st;
    if (fstatat(proc_fd, (pid_name + "/fd").c_str(), &st, 0) != 0) {
      if (errno == ENOENT) continue;
      st.st_ino = 0;
      st.st_size = 0;
    }
    Entry& entry = entries_[pid];
    entry.seen = true;
    bool fresh = entry.fd_count < 0 || entry.identity != st.st_ino;
    entry.proc_ino = d->d_ino;
    if (fresh) {
      entry.identity = st.st_ino;
      ReadIdentity(proc_fd, pid_name, &entry);
    } else if (st.st_size != entry.fd_count && !entry.kernel_thread &&
               Renamed(proc_fd, pid_name, entry.name)) {
      ReadIdentity(proc_fd, pid_name, &entry);
    }
    if (st.st_size > 0) fd_counts_reported_ = true;
    total_fds += st.st_size;
    if (fresh || !fd_counts_reported_ || st.st_size != entry.fd_count ||
        !entry.readable) {
      entry.fd_count = st.st_size;
      if (!(kernel_owners_ && entry.kernel_thread)) {
        rescan.push_back(pid);
        rescan_fds += st.st_size;
      }
    }
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.seen) {
      ++it;
    } else {
      for (std::uint64_t inode : it->second.inodes)
        owners_.Remove(inode, it->first);
      it = entries_.erase(it);
    }
  }
  bool pass_pays = rescan_fds * kKernelPassShare >= total_fds;
  if (rescan.empty() || !pass_pays || !KernelPass(proc_fd)) {
    bool unreadable = false;
    for (std::int64_t pid : rescan) {
      Entry& entry = entries_[pid];
      if (ScanFds(proc_fd, pid, &entry)) entry.changed_at = generation_;
      unreadable |= !entry.readable;
      ++last_rescanned_;
    }
    // The kernel reads what /proc refuses.
    if (unreadable && !pass_pays && kernel_owners_) KernelPass(proc_fd);
  }

  owners_.Attribute(snapshot);
  std::unordered_set<std::uint64_t> unresolved;
  std::vector<std::size_t> unowned;
  for (std::size_t i = 0; i < snapshot->sockets.size(); ++i) {
    const SocketRecord& s = snapshot->sockets[i];
    if (s.inode != 0 && s.pid == kUnknownPid) {
      unresolved.insert(s.inode);
      unowned.push_back(i);
    }
  }
  std::unordered_set<std::uint64_t> pending;
  for (std::uint64_t inode : unresolved) {
    if (!unresolvable_.count(inode)) pending.insert(inode);
  }
  bool searched_all = true;
  if (!pending.empty() && !last_kernel_pass_ &&
      total_fds <= kKernelPassShare * kSearchBudgetFds && KernelPass(proc_fd)) {
    owners_.Attribute(snapshot, &unowned);
    unresolved.clear();
    for (std::size_t i : unowned) {
      const SocketRecord& s = snapshot->sockets[i];
      if (s.pid == kUnknownPid) unresolved.insert(s.inode);
    }
  } else if (!pending.empty() && !last_kernel_pass_) {
    std::vector<std::int64_t> order;
    for (const auto& [pid, entry] : entries_) {
      if (!entry.scanned) order.push_back(pid);
    }
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      const Entry& x = entries_[a];
      const Entry& y = entries_[b];
      return x.changed_at != y.changed_at ? x.changed_at > y.changed_at : a < b;
    });
    std::size_t recent = 0;
    while (recent < order.size() && recent < kSearchRecentProcesses &&
           entries_[order[recent]].changed_at + 2 >= generation_)
      ++recent;
    std::sort(order.begin() + static_cast<std::ptrdiff_t>(recent), order.end(),
              [&](std::int64_t a, std::int64_t b) {
                const Entry& x = entries_[a];
                const Entry& y = entries_[b];
                return x.scanned_at != y.scanned_at
                           ? x.scanned_at < y.scanned_at
                           : a < b;
              });
    std::int64_t budget = kSearchBudgetFds;
    std::size_t k = 0;
    for (; k < order.size() && !pending.empty(); ++k) {
      Entry& entry = entries_[order[k]];
      if (k >= recent && budget <= 0) break;
      bool changed = ScanFds(proc_fd, order[k], &entry);
      ++last_rescanned_;
      budget -= std::max<std::int64_t>(entry.fd_count, 1);
      if (changed) entry.changed_at = generation_;
      for (std::uint64_t inode : entry.inodes) pending.erase(inode);
    }
    searched_all = pending.empty() || k == order.size();
    owners_.Attribute(snapshot, &unowned);
    unresolved.clear();
    for (std::size_t i : unowned) {
      const SocketRecord& s = snapshot->sockets[i];
      if (s.pid == kUnknownPid) unresolved.insert(s.inode);
    }
  }
  if (!searched_all) {
    // Not every process was read: only sockets already known to have no
    // readable owner stay exempt; the rest are searched for again next time.
    for (auto it = unresolved.begin(); it != unresolved.end();) {
      it = unresolvable_.count(*it) ? std::next(it) : unresolved.erase(it);
    }
  }
  unresolvable_ = std::move(unresolved);

  snapshot->processes.clear();
  snapshot->processes_unreadable = 0;
  snapshot->services.clear();
  for (const std::string& unit : watched_units) {
    ServiceInfo svc;
    svc.name = unit;
    snapshot->services.push_back(svc);
  }
  for (const auto& [pid, entry] : entries_) {
    if (!entry.readable) ++snapshot->processes_unreadable;
    ProcessInfo info;
    info.pid = pid;
    info.name = entry.name;
    if (!entry.unit.empty()) info.services.push_back(entry.unit);
    bool read_is_current =
        entry.fd_entries >= 0 && entry.fd_count_at_read == entry.fd_count;
    info.handles =
        read_is_current ? entry.fd_entries
        : fd_counts_reported_ && entry.identity != 0 && entry.fd_count >= 0
            ? entry.fd_count
            : -1;
    info.executable = entry.executable;
    info.user = entry.user;
    for (ServiceInfo& svc : snapshot->services) {
      if (!entry.unit.empty() && UnitMatches(svc.name, entry.unit)) {
        svc.pids.push_back(pid);
        svc.running = true;
      }
    }
    snapshot->processes.emplace(pid, std::move(info));
  }
  for (ServiceInfo& svc : snapshot->services)
    std::sort(svc.pids.begin(), svc.pids.end());
  return true;
}

}  // namespace epx

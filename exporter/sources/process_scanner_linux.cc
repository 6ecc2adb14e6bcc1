#include "sources/process_scanner_linux.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "sources/file_reader.h"
#include "sources/proc_process_parser.h"

namespace epx {
namespace {

bool IsPidName(const char* name) {
  if (*name == '\0') return false;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
  }
  return true;
}

enum class FdScan { kOk, kDenied, kGone };

FdScan ScanFds(int proc_fd, const std::string& pid_name, std::int64_t pid,
               Snapshot* snapshot) {
  std::string fd_dir = pid_name + "/fd";
  int dir_fd = openat(proc_fd, fd_dir.c_str(),
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir_fd < 0) {
    return (errno == EACCES || errno == EPERM) ? FdScan::kDenied
                                               : FdScan::kGone;
  }
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    close(dir_fd);
    return FdScan::kGone;
  }
  char target[64];
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    ssize_t n = readlinkat(dir_fd, entry->d_name, target, sizeof target - 1);
    if (n <= 0) continue;
    if (static_cast<std::size_t>(n) < 9 || std::memcmp(target, "socket:[", 8) != 0)
      continue;
    std::uint64_t inode =
        ParseSocketLinkInode(std::string(target, static_cast<std::size_t>(n)));
    if (inode == 0) continue;
    auto& owners = snapshot->inode_owners[inode];
    if (owners.empty() || owners.back() != pid) owners.push_back(pid);
  }
  closedir(dir);
  return FdScan::kOk;
}

}  // namespace

bool UnitMatches(const std::string& watched, const std::string& unit) {
  return unit == watched || unit == watched + ".service";
}

bool ScanLinuxProcesses(const std::string& procfs_root,
                        const std::vector<std::string>& watched_units,
                        Snapshot* snapshot, std::string* error) {
  int proc_fd =
      open(procfs_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    *error = procfs_root + ": " + std::strerror(errno);
    return false;
  }
  DIR* proc_dir = fdopendir(proc_fd);
  if (proc_dir == nullptr) {
    *error = procfs_root + ": " + std::strerror(errno);
    close(proc_fd);
    return false;
  }
  std::vector<ServiceInfo> services;
  for (const std::string& unit : watched_units) {
    ServiceInfo svc;
    svc.name = unit;
    services.push_back(svc);
  }
  while (dirent* entry = readdir(proc_dir)) {
    if (!IsPidName(entry->d_name)) continue;
    std::string pid_name = entry->d_name;
    std::int64_t pid = std::stoll(pid_name);
    FdScan scan = ScanFds(proc_fd, pid_name, pid, snapshot);
    if (scan == FdScan::kGone) continue;
    if (scan == FdScan::kDenied) ++snapshot->processes_unreadable;
    ProcessInfo info;
    info.pid = pid;
    std::string text;
    if (ReadFileAt(proc_fd, pid_name + "/comm", &text)) {
      info.name = ParseComm(text);
    }
    if (ReadFileAt(proc_fd, pid_name + "/cgroup", &text)) {
      std::string unit = ParseSystemdUnit(text);
      if (!unit.empty()) info.services.push_back(unit);
    }
    for (ServiceInfo& svc : services) {
      for (const std::string& unit : info.services) {
        if (UnitMatches(svc.name, unit)) {
          svc.pids.push_back(pid);
          svc.running = true;
        }
      }
    }
    snapshot->processes[pid] = std::move(info);
  }
  closedir(proc_dir);
  snapshot->services = std::move(services);
  return true;
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/namespaces.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <thread>
#include <utility>

#include "sources/linux/bind_bucket_memory.h"
#include "sources/linux/file_reader.h"
#include "sources/linux/host_source.h"
#include "sources/linux/link_dump_parser.h"
#include "sources/linux/netlink_dump.h"
#include "sources/linux/sysctl_parser.h"

namespace epx {
namespace {

constexpr int kCapSysAdmin = 21;

bool IsNumber(const char* s) {
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

bool Vanished(int error) { return error == ENOENT || error == ESRCH; }

// CapEff of <root>/self/status, as hex; false when unreadable.
bool HasCapability(const std::string& root, int capability) {
  std::string status;
  if (!ReadFile(root + "/self/status", &status)) return false;
  std::size_t at = status.find("\nCapEff:");
  if (at == std::string::npos) return false;
  std::uint64_t mask = std::strtoull(status.c_str() + at + 8, nullptr, 16);
  return (mask >> capability & 1U) != 0;
}

std::string FirstLine(std::string text) {
  std::size_t end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

// The sockets of the calling thread's namespace, as the host's netlink
// source dumps them (TCP and UDP of both families); the explicit-port binds
// are dumped, with one more walk of the connection table, only when a
// connected socket not classified yet appears (as on the host). Without
// bound_only, the TCP dumps leave out bound-only sockets, and with them the
// kernel's walk of its host-wide bind table.
bool DumpNamespaceSockets(bool bound_only, ExplicitPortMarks* marks,
                          std::vector<SocketRecord>* sockets,
                          std::string* error) {
  InetDiagSocket socket;
  std::string ignored;
  std::uint32_t states =
      bound_only ? kAllDiagStates : kAllDiagStates & ~kBoundInactiveDiagState;
  if (!socket.DumpTcpBothFamilies(sockets, &ignored, states)) {
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      if (!socket.Dump(Protocol::kTcp, family, sockets, error, states))
        return false;
    }
  }
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    if (!socket.Dump(Protocol::kUdp, family, sockets, error)) return false;
  }
  if (marks->NeedsDump(*sockets)) {
    std::vector<SocketRecord> explicit_port;
    if (!socket.DumpExplicitPortTcp(&explicit_port, error)) {
      marks->Clear();
      return false;
    }
    marks->Update(*sockets, explicit_port);
  }
  marks->Mark(sockets);
  return true;
}

// The cookie of the calling thread's network namespace; 0 before kernel
// 5.14 (no SO_NETNS_COOKIE).
std::uint64_t OwnNamespaceCookie() {
  std::uint64_t cookie = 0;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  socklen_t size = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &size) != 0)
    cookie = 0;
  close(fd);
  return cookie;
}

}  // namespace

NamespaceCollector::NamespaceCollector(std::string procfs_root,
                                       bool bound_sockets,
                                       std::string netns_dir)
    : root_(std::move(procfs_root)), netns_dir_(std::move(netns_dir)) {
  std::string text, ignored;
  KernelVersion kernel;
  if (bound_sockets && ReadFile(root_ + "/sys/kernel/osrelease", &text) &&
      ParseKernelRelease(text, &kernel, &ignored))
    bound_visible_ = kernel.AtLeast(6, 8);
}

std::vector<NamespaceCandidate> NamespaceCollector::Find(
    std::uint32_t* denied) {
  std::vector<NamespaceCandidate> found;
  struct stat st;
  std::uint64_t own = 0;
  if (stat((root_ + "/self/ns/net").c_str(), &st) == 0) own = st.st_ino;
  if (DIR* dir = opendir(root_.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (!IsNumber(entry->d_name)) continue;
      std::string path = root_ + "/" + entry->d_name + "/ns/net";
      if (stat(path.c_str(), &st) != 0) {
        if (errno == EACCES || errno == EPERM) ++*denied;
        continue;
      }
      found.push_back({static_cast<std::uint64_t>(st.st_ino),
                       std::strtoll(entry->d_name, nullptr, 10), path, ""});
    }
    closedir(dir);
  }
  if (DIR* dir = opendir(netns_dir_.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::string path = netns_dir_ + "/" + entry->d_name;
      if (stat(path.c_str(), &st) != 0) continue;
      found.push_back(
          {static_cast<std::uint64_t>(st.st_ino), 0, path, entry->d_name});
    }
    closedir(dir);
  }
  return DedupeNamespaces(std::move(found), own);
}

bool NamespaceCollector::Read(const NamespaceCandidate& candidate,
                              NamespaceSnapshot* out, bool* vanished,
                              std::string* error) {
  int fd = open(candidate.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *vanished = Vanished(errno);
    *error = candidate.path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_ino != candidate.inode) {
    // The process exited and its pid was reused elsewhere.
    close(fd);
    *vanished = true;
    return false;
  }
  int entered = setns(fd, CLONE_NEWNET);
  int saved = errno;
  close(fd);
  if (entered != 0) {
    *error = "setns " + candidate.path + ": " + std::strerror(saved) +
             (saved == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
    return false;
  }
  out->id.inode = candidate.inode;
  out->id.cookie = OwnNamespaceCookie();
  out->id.pid = candidate.pid;
  out->id.name = candidate.name;
  if (candidate.pid > 0) {
    std::string pid_dir = root_ + "/" + std::to_string(candidate.pid);
    std::string text;
    if (ReadFile(pid_dir + "/comm", &text)) out->id.process = FirstLine(text);
    if (ReadFile(pid_dir + "/cgroup", &text)) {
      CgroupIdentity cgroup = ParseCgroupIdentity(text);
      out->id.pod_uid = cgroup.pod_uid;
      out->id.container_id = cgroup.container_id;
    }
  }
  // /proc/sys/net answers for the network namespace of the thread that
  // opens the file (net_ctl_header_lookup: current->nsproxy->net_ns).
  Snapshot sysctls;
  std::string why;
  if (!ReadPortRangeSysctls(root_, &sysctls, &why) ||
      !ReadTimeWaitReuseSysctls(root_, &sysctls, &why)) {
    *error = "netns " + std::to_string(candidate.inode) + ": " + why;
    return false;
  }
  std::vector<LinkRecord> links;
  if (!DumpNamespaceSockets(bound_visible_, &marks_[candidate.inode],
                            &out->sockets, &why) ||
      !DumpLinks(&links, &why)) {
    *error = "netns " + std::to_string(candidate.inode) + ": " + why;
    return false;
  }
  out->ranges = std::move(sysctls.ranges);
  out->time_wait_reuse = sysctls.time_wait_reuse;
  out->l3mdev = L3mdevMapFromLinks(links);
  out->l3mdev.tcp_l3mdev_accept = sysctls.l3mdev.tcp_l3mdev_accept;
  out->bound_sockets_visible = bound_visible_;
  return true;
}

bool NamespaceCollector::Collect(NamespaceScan* scan, std::string* error) {
  scan->valid = true;
  std::uint32_t denied = 0;
  std::vector<NamespaceCandidate> candidates = Find(&denied);
  scan->found = static_cast<std::uint32_t>(candidates.size());
  if (!HasCapability(root_, kCapSysAdmin)) {
    for (const NamespaceCandidate& c : candidates)
      scan->failed_inodes.push_back(c.inode);
    *error = "cannot enter other network namespaces: setns needs CAP_SYS_ADMIN";
    return false;
  }
  std::vector<std::string> errors;
  if (denied > 0) {
    errors.push_back("the network namespace of " + std::to_string(denied) +
                     " processes is unreadable: needs CAP_SYS_PTRACE");
  }
  // One helper thread enters each namespace in turn; its namespace dies
  // with it, so the exporter's own threads never leave theirs.
  std::string thread_error;
  std::thread helper([&] {
    try {
      for (const NamespaceCandidate& c : candidates) {
        NamespaceSnapshot ns;
        bool vanished = false;
        std::string why;
        if (Read(c, &ns, &vanished, &why)) {
          scan->namespaces.push_back(std::move(ns));
        } else if (!vanished) {
          scan->failed_inodes.push_back(c.inode);
          if (errors.size() < 3) errors.push_back(why);
        }
      }
    } catch (const std::exception& e) {
      thread_error = e.what();
    }
  });
  helper.join();
  if (!thread_error.empty()) errors.push_back(thread_error);
  // candidates are sorted by inode (DedupeNamespaces).
  for (auto it = marks_.begin(); it != marks_.end();) {
    auto at =
        std::lower_bound(candidates.begin(), candidates.end(), it->first,
                         [](const NamespaceCandidate& c, std::uint64_t inode) {
                           return c.inode < inode;
                         });
    bool seen = at != candidates.end() && at->inode == it->first;
    it = seen ? std::next(it) : marks_.erase(it);
  }
  for (const std::string& e : errors) {
    if (!error->empty()) *error += "; ";
    *error += e;
  }
  return errors.empty();
}

}  // namespace epx

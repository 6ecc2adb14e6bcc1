// SPDX-License-Identifier: Apache-2.0
#include "sources/self_test_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

#include "sources/linux/bpf/bpf_requirements.h"
#include "sources/linux/connect_events.h"
#include "sources/linux/file_reader.h"
#include "sources/linux/host_source.h"

namespace epx {
namespace {

/// The private namespace's range: two ports, so a few connects to one
/// destination exhaust it.
constexpr const char* kTinyRange = "40000 40001";
constexpr std::uint16_t kListenerPort = 39999;
constexpr std::uint64_t kFailuresToMake = 3;
constexpr int kMaxConnects = 16;

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

bool WriteFile(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, text, std::strlen(text));
  ::close(fd);
  return n == static_cast<ssize_t>(std::strlen(text));
}

bool BringLoopbackUp(std::string* error) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = Errno("socket");
    return false;
  }
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  if (!ok) *error = Errno("bringing lo up");
  ::close(fd);
  return ok;
}

/// Runs on a thread of its own, which enters a new network namespace and
/// dies with it.
void ConnectEventsInPrivateNamespace(SelfTestCheck* check) {
  if (::unshare(CLONE_NEWNET) != 0) {
    check->seen = "skipped: cannot make a private network namespace (" +
                  Errno("unshare") + "; needs CAP_SYS_ADMIN)";
    return;
  }
  std::string error;
  if (!BringLoopbackUp(&error) ||
      !WriteFile("/proc/sys/net/ipv4/ip_local_port_range", kTinyRange)) {
    if (error.empty()) error = Errno("setting ip_local_port_range");
    check->seen = "skipped: " + error;
    return;
  }
  ConnectEventCollector collector;
  ConnectEvents before, after;
  if (!collector.Read(&before, &error)) {
    check->seen = "skipped: " + error;
    return;
  }
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(kListenerPort);
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
          0 ||
      ::listen(listener, 64) != 0) {
    check->outcome = CheckOutcome::kFail;
    check->seen = Errno("listening in the private namespace");
    if (listener >= 0) ::close(listener);
    return;
  }
  std::vector<int> clients;
  std::uint64_t failures = 0, connects = 0;
  std::string unexpected;
  for (int i = 0; i < kMaxConnects && failures < kFailuresToMake; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    clients.push_back(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) ==
        0) {
      ++connects;
    } else if (errno == EADDRNOTAVAIL) {
      ++failures;
    } else {
      unexpected = Errno("connect");
      break;
    }
  }
  bool read = collector.Read(&after, &error);
  for (int fd : clients) ::close(fd);
  ::close(listener);
  if (!unexpected.empty() || failures != kFailuresToMake) {
    check->outcome = CheckOutcome::kFail;
    check->seen = "could not make " + std::to_string(kFailuresToMake) +
                  " connects fail: " +
                  (unexpected.empty() ? std::to_string(failures) + " failed"
                                      : unexpected);
    return;
  }
  if (!read) {
    check->outcome = CheckOutcome::kFail;
    check->seen = "reading the counts: " + error;
    return;
  }
  SelfTestCheck counted = CheckConnectEventCounts(
      static_cast<std::int64_t>(::getpid()), failures, connects, before, after);
  *check = counted;
  check->seen += " (private namespace, range " + std::string(kTinyRange) + ")";
}

/// What keeps BPF programs from loading on this thread; "" when nothing
/// does (checked before a BPF source is made, so its failure is not logged).
std::string MissingBpf() {
  std::string status;
  std::uint64_t caps = 0;
  if (!ReadFile("/proc/thread-self/status", &status) ||
      !ParseEffectiveCapabilities(status, &caps))
    caps = 0;
  struct stat st {};
  return MissingBpfRequirements(caps,
                                ::stat("/sys/kernel/btf/vmlinux", &st) == 0);
}

}  // namespace

std::string OwnProcessNameHere() {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  std::string exe(path, static_cast<std::size_t>(n));
  std::size_t slash = exe.rfind('/');
  return slash == std::string::npos ? exe : exe.substr(slash + 1);
}

std::vector<SourceView> CollectOtherSocketSources(
    const SourceOptions& options, const std::string& in_use,
    const SocketFilter& keep, std::size_t text_max_sockets) {
  std::vector<SourceView> views;
  for (const char* name : {"netlink", "bpf", "procfs"}) {
    if (in_use == name) continue;
    SourceOptions only_sockets = options;
    only_sockets.socket_source = name;
    only_sockets.collect_processes = false;
    only_sockets.collect_tcp_stats = false;
    only_sockets.collect_connect_events = false;
    only_sockets.watched_services.clear();
    SourceView view;
    view.source = name;
    if (view.source == "procfs" && text_max_sockets > 0) {
      std::uint64_t sockets = ReadSocketCountHint(options.procfs_root);
      if (sockets > text_max_sockets) {
        view.skip_reason = std::to_string(sockets) +
                           " sockets on the host, more than the start-up run "
                           "reads as text (" +
                           std::to_string(text_max_sockets) +
                           "); GET /selftest or the selftest command compares "
                           "it";
        views.push_back(std::move(view));
        continue;
      }
    }
    if (view.source == "bpf") {
      std::string missing = MissingBpf();
      if (!missing.empty()) {
        view.skip_reason = "missing " + missing;
        views.push_back(std::move(view));
        continue;
      }
    }
    only_sockets.keep_sockets = keep;
    view.snapshot = MakeHostSource(only_sockets)->Collect();
    for (const CollectorStatus& c : view.snapshot.collectors) {
      if (c.name == "bpf_sockets" && !c.success) view.skip_reason = c.error;
    }
    views.push_back(std::move(view));
  }
  return views;
}

bool ReadTcpCountersHere(const SourceOptions& options,
                         std::vector<TcpCounters>* out, std::string* error) {
  return ReadTcpCounters(options.procfs_root, out, error);
}

bool ReadRangesSecondWay(const SourceOptions& options,
                         const std::string& /*first_source*/,
                         std::vector<PortRange>* ranges, std::string* name,
                         std::string* error) {
  *name = "sysctl files under " + options.procfs_root;
  Snapshot again;
  if (!ReadPortRangeSysctls(options.procfs_root, &again, error)) return false;
  *ranges = std::move(again.ranges);
  return true;
}

SelfTestCheck CheckConnectEventsHere(const SourceOptions& options) {
  SelfTestCheck check;
  check.name = "connect_events";
  check.metrics =
      "ephemeral_port_connect_failures_total, "
      "ephemeral_port_process_connect_failures_total";
  check.expected = std::to_string(kFailuresToMake) +
                   " connects failing for lack of a port, counted on this pid";
  if (!options.collect_connect_events) {
    check.seen = "collector off (--collector.connect_events)";
    return check;
  }
  try {
    std::thread([&check] { ConnectEventsInPrivateNamespace(&check); }).join();
  } catch (const std::exception& e) {
    check.outcome = CheckOutcome::kFail;
    check.seen = std::string("thread: ") + e.what();
  }
  return check;
}

}  // namespace epx

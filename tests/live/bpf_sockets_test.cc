// SPDX-License-Identifier: Apache-2.0
// The BPF socket source against real sockets in a private network
// namespace: it gives the netlink source's snapshot socket by socket, and
// its TCP headline for bind-before-connect clients is what the kernel's
// connect() enforces (fill until EADDRNOTAVAIL).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "../support/private_network.h"
#include "analysis/port_usage.h"
#include "sources/linux/bpf/bpf_program.h"
#include "sources/linux/host_source.h"
#include "sources/linux/socket_iterators.h"

namespace epx::testing {
namespace {

class Fds {
 public:
  ~Fds() {
    for (int fd : fds_) close(fd);
  }
  int Add(int fd) {
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }
  void Close(int fd) {
    for (auto& f : fds_) {
      if (f == fd) f = -1;
    }
    close(fd);
  }

 private:
  std::vector<int> fds_;
};

sockaddr_storage Address(int family, const char* text, std::uint16_t port,
                         socklen_t* len) {
  sockaddr_storage a{};
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    inet_pton(AF_INET, text, &v4->sin_addr);
    *len = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    inet_pton(AF_INET6, text, &v6->sin6_addr);
    *len = sizeof *v6;
  }
  return a;
}

int Listen(Fds* fds, int family, const char* address, std::uint16_t port) {
  socklen_t len;
  sockaddr_storage a = Address(family, address, port, &len);
  int fd = fds->Add(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      listen(fd, 4096) != 0) {
    ADD_FAILURE() << "listen on " << address << ":" << port << ": "
                  << std::strerror(errno);
  }
  return fd;
}

// A client socket connected to address:port; with bind_first it binds
// (bind_address, 0) first. Returns the fd, or -1 with *err set.
int Connect(Fds* fds, int family, const char* address, std::uint16_t port,
            const char* bind_first, int* err) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  socklen_t len;
  if (bind_first != nullptr) {
    sockaddr_storage b = Address(family, bind_first, 0, &len);
    if (bind(fd, reinterpret_cast<sockaddr*>(&b), len) != 0) {
      *err = errno;
      close(fd);
      return -1;
    }
  }
  sockaddr_storage a = Address(family, address, port, &len);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fds->Add(fd);
}

void SetRange(int low, int high) {
  std::ofstream("/proc/sys/net/ipv4/ip_local_port_range")
      << low << " " << high << "\n";
}

Snapshot Collect(const std::string& source) {
  SourceOptions options;
  options.socket_source = source;
  options.collect_tcp_stats = false;
  LinuxHostSource host(options);
  return host.Collect();
}

bool CollectorOk(const Snapshot& s, const std::string& name) {
  for (const CollectorStatus& c : s.collectors) {
    if (c.name == name) {
      EXPECT_TRUE(c.success) << name << ": " << c.error;
      return c.success;
    }
  }
  ADD_FAILURE() << "no collector " << name;
  return false;
}

using Key = std::tuple<int, int, int, std::string, int, std::string, int,
                       std::uint64_t, std::int64_t, std::uint32_t, bool>;

std::map<Key, int> Sockets(const Snapshot& s) {
  std::map<Key, int> out;
  for (const SocketRecord& r : s.sockets) {
    ++out[Key{static_cast<int>(r.protocol), static_cast<int>(r.family),
              static_cast<int>(r.state), r.local_address.ToString(),
              r.local_port, r.remote_address.ToString(), r.remote_port, r.inode,
              r.pid, r.bound_device, r.timewait_object}];
  }
  return out;
}

// Every owner of each socket (its pid and the extra owners), sorted.
std::map<Key, std::vector<std::int64_t>> Owners(const Snapshot& s) {
  std::map<Key, std::vector<std::int64_t>> out;
  auto key = [&](std::size_t i) {
    const SocketRecord& r = s.sockets[i];
    return Key{static_cast<int>(r.protocol),
               static_cast<int>(r.family),
               static_cast<int>(r.state),
               r.local_address.ToString(),
               r.local_port,
               r.remote_address.ToString(),
               r.remote_port,
               r.inode,
               0,
               r.bound_device,
               r.timewait_object};
  };
  for (std::size_t i = 0; i < s.sockets.size(); ++i) {
    if (s.sockets[i].pid != kUnknownPid)
      out[key(i)].push_back(s.sockets[i].pid);
  }
  for (const ExtraOwner& e : s.extra_owners)
    out[key(e.socket_index)].push_back(e.pid);
  for (auto& [k, pids] : out) std::sort(pids.begin(), pids.end());
  return out;
}

// A forked child that opens `threads` threads, each with a UDP socket of
// its own (one descriptor table), and then waits to be killed. Returns its
// pid once every socket is open.
pid_t ThreadedChild(int threads) {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&] {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        socklen_t len;
        sockaddr_storage a = Address(AF_INET, "127.0.0.1", 0, &len);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) _exit(2);
        char c = 1;
        if (write(ready[1], &c, 1) != 1) _exit(1);
        pause();
      });
    }
    for (std::thread& t : workers) t.join();
    _exit(0);
  }
  close(ready[1]);
  char c;
  for (int i = 0; i < threads; ++i) {
    if (read(ready[0], &c, 1) != 1) child = -1;
  }
  close(ready[0]);
  return child;
}

std::string Describe(const Key& k) {
  return std::string(ProtocolName(static_cast<Protocol>(std::get<0>(k)))) +
         " " + SocketStateName(static_cast<SocketState>(std::get<2>(k))) + " " +
         std::get<3>(k) + ":" + std::to_string(std::get<4>(k)) + " -> " +
         std::get<5>(k) + ":" + std::to_string(std::get<6>(k)) + " inode " +
         std::to_string(std::get<7>(k)) + " pid " +
         std::to_string(std::get<8>(k)) + " dev " +
         std::to_string(std::get<9>(k)) + (std::get<10>(k) ? " timewait" : "");
}

double TcpHeadline(const Snapshot& s, std::uint32_t* worst) {
  PortUsageReport r = AnalyzePortUsage(s, {});
  for (const ExhaustionSummary& e : r.exhaustion) {
    if (e.protocol == Protocol::kTcp) {
      *worst = e.worst_in_use;
      return e.ratio;
    }
  }
  ADD_FAILURE() << "no TCP headline";
  return -1;
}

int CountState(const Snapshot& s, SocketState state) {
  int n = 0;
  for (const SocketRecord& r : s.sockets) n += r.state == state;
  return n;
}

TEST(BpfSocketsTest, SameSnapshotAsNetlinkSocketBySocket) {
  SetRange(40000, 40999);
  Fds fds;
  int err = 0;
  Listen(&fds, AF_INET, "127.0.0.1", 5000);
  Listen(&fds, AF_INET6, "::1", 5001);
  Listen(&fds, AF_INET6, "::", 5002);
  Listen(&fds, AF_INET, "127.0.0.1", 40500);
  for (int i = 0; i < 20; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 5000, nullptr, &err), 0);
  std::vector<int> bound_first;
  for (int i = 0; i < 10; ++i) {
    bound_first.push_back(
        Connect(&fds, AF_INET, "127.0.0.1", 5000, "127.0.0.1", &err));
    ASSERT_GE(bound_first.back(), 0) << std::strerror(err);
  }
  for (int i = 0; i < 10; ++i)
    ASSERT_GE(Connect(&fds, AF_INET6, "::1", 5001, nullptr, &err), 0);
  for (int i = 0; i < 5; ++i)
    ASSERT_GE(Connect(&fds, AF_INET6, "::ffff:127.0.0.1", 5002, nullptr, &err),
              0);
  for (int i = 0; i < 3; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 40500, nullptr, &err), 0);
  // TIME_WAIT: the client closes first, then the server end (listeners of
  // their own, so accept() returns the connection just made).
  int closing = Listen(&fds, AF_INET, "127.0.0.1", 5003);
  for (int i = 0; i < 5; ++i) {
    int c = Connect(&fds, AF_INET, "127.0.0.1", 5003, nullptr, &err);
    int s = fds.Add(accept4(closing, nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_GE(s, 0);
    fds.Close(c);
    fds.Close(s);
  }
  // CLOSE_WAIT on the server end, a FIN_WAIT2 timewait object on the client.
  int half_closed = Listen(&fds, AF_INET6, "::", 5004);
  for (int i = 0; i < 4; ++i) {
    int c = Connect(&fds, AF_INET6, "::ffff:127.0.0.1", 5004, nullptr, &err);
    ASSERT_GE(fds.Add(accept4(half_closed, nullptr, nullptr, SOCK_CLOEXEC)), 0);
    fds.Close(c);
  }
  // Bound-only TCP and UDP: unconnected, connected, IPv6.
  socklen_t len;
  sockaddr_storage any4 = Address(AF_INET, "127.0.0.1", 0, &len);
  int bound = fds.Add(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(bind(bound, reinterpret_cast<sockaddr*>(&any4), len), 0);
  int udp = fds.Add(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&any4), len), 0);
  sockaddr_storage dns = Address(AF_INET, "127.0.0.1", 53, &len);
  int udp_connected = fds.Add(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(connect(udp_connected, reinterpret_cast<sockaddr*>(&dns), len), 0);
  sockaddr_storage any6 = Address(AF_INET6, "::", 0, &len);
  int udp6 = fds.Add(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  setsockopt(udp6, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ASSERT_EQ(bind(udp6, reinterpret_cast<sockaddr*>(&any6), len), 0);
  // A second process sharing every descriptor, and one socket of its own.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int own = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_storage a = Address(AF_INET, "127.0.0.1", 0, &len);
    bind(own, reinterpret_cast<sockaddr*>(&a), len);
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  close(ready[1]);
  // A third process sharing every descriptor, with four threads that each
  // opened a socket.
  pid_t threaded = ThreadedChild(4);
  ASSERT_GT(threaded, 0);
  // Timewait objects appear when the FINs have crossed: poll with a bound.
  Snapshot netlink, bpf;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    netlink = Collect("netlink");
    if (CountState(netlink, SocketState::kTimeWait) == 5 &&
        CountState(netlink, SocketState::kFinWait2) == 4)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  bpf = Collect("bpf");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  kill(threaded, SIGKILL);
  waitpid(threaded, nullptr, 0);
  ASSERT_TRUE(CollectorOk(bpf, "bpf_sockets"));
  EXPECT_TRUE(CollectorOk(bpf, "sockets"));
  EXPECT_TRUE(CollectorOk(netlink, "sockets"));
  EXPECT_EQ(CountState(bpf, SocketState::kTimeWait), 5);
  EXPECT_EQ(CountState(bpf, SocketState::kFinWait2), 4);
  EXPECT_EQ(CountState(bpf, SocketState::kCloseWait), 4);
  EXPECT_EQ(CountState(bpf, SocketState::kBound), 1);
  std::map<Key, int> a = Sockets(netlink), b = Sockets(bpf);
  for (const auto& [k, n] : a) {
    auto it = b.find(k);
    EXPECT_EQ(it == b.end() ? 0 : it->second, n) << "netlink: " << Describe(k);
  }
  for (const auto& [k, n] : b) {
    if (a.count(k) == 0) ADD_FAILURE() << "only bpf: " << Describe(k);
  }
  EXPECT_EQ(netlink.sockets.size(), bpf.sockets.size());
  // Timewait timers as inet_diag gives them (the two reads are apart by
  // the time between them, well under a second).
  std::map<std::pair<int, int>, std::uint32_t> timers;
  for (const SocketRecord& r : netlink.sockets) {
    if (r.timewait_object) timers[{r.local_port, r.remote_port}] = r.expires_ms;
  }
  int timed = 0;
  for (const SocketRecord& r : bpf.sockets) {
    if (!r.timewait_object) continue;
    auto it = timers.find({r.local_port, r.remote_port});
    ASSERT_NE(it, timers.end());
    EXPECT_GT(r.expires_ms, 0u);
    EXPECT_LE(r.expires_ms, it->second + 50) << r.local_port;
    EXPECT_GE(r.expires_ms + 2000, it->second) << r.local_port;
    ++timed;
  }
  EXPECT_EQ(timed, 9);
  EXPECT_EQ(netlink.extra_owners.size(), bpf.extra_owners.size());
  EXPECT_GT(bpf.extra_owners.size(), 100u);
  // Owners from the kernel's pass equal the /proc walk's, socket by socket;
  // every shared descriptor has all three processes, the threaded child's
  // sockets it alone.
  std::map<Key, std::vector<std::int64_t>> walk = Owners(netlink),
                                           kernel = Owners(bpf);
  EXPECT_EQ(walk, kernel);
  int three_owners = 0, threaded_only = 0;
  for (const auto& [k, pids] : kernel) {
    three_owners += pids.size() == 3;
    threaded_only += pids == std::vector<std::int64_t>{threaded};
  }
  EXPECT_GT(three_owners, 50);
  EXPECT_EQ(threaded_only, 4);
  EXPECT_EQ(bpf.processes_unreadable, 0u);
  ASSERT_EQ(bpf.processes.count(threaded), 1u);
  EXPECT_EQ(bpf.processes.at(threaded).name,
            netlink.processes.at(threaded).name);

  // What only the kernel's structures tell.
  std::map<std::uint16_t, bool> bound_first_ports;
  for (int fd : bound_first) {
    sockaddr_in a{};
    socklen_t l = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
    bound_first_ports[ntohs(a.sin_port)] = true;
  }
  int plain_with_bucket = 0, bound_first_with_bucket = 0;
  for (const SocketRecord& r : bpf.sockets) {
    EXPECT_NE(r.kernel_facts & kFactsKnown, 0) << "every record has facts";
    bool bucket = (r.kernel_facts & kFactBindBucket) != 0;
    if (r.protocol != Protocol::kTcp) continue;
    if (r.state == SocketState::kListen || r.state == SocketState::kBound) {
      EXPECT_TRUE(bucket) << "listener/bound " << r.local_port;
    }
    if (r.state == SocketState::kEstablished && r.remote_port == 5000) {
      if (bound_first_ports.count(r.local_port)) {
        bound_first_with_bucket += bucket;
      } else {
        plain_with_bucket += bucket;
      }
    }
  }
  EXPECT_EQ(bound_first_with_bucket, 10);
  EXPECT_EQ(plain_with_bucket, 0);
  bool reuseaddr = false, reuseport = false;
  for (const SocketRecord& r : bpf.sockets) {
    if (r.protocol != Protocol::kUdp) continue;
    if (r.family == Family::kIpv4 && r.state == SocketState::kUnconnected &&
        r.inode != 0 && (r.kernel_facts & kFactReuseAddr))
      reuseaddr = true;
    if (r.family == Family::kIpv6 && (r.kernel_facts & kFactReusePort))
      reuseport = true;
  }
  EXPECT_TRUE(reuseaddr);
  EXPECT_TRUE(reuseport);
}

TEST(BpfSocketsTest, KernelPassNamesEachProcessOncePerDescriptor) {
  Fds fds;
  int err = 0;
  Listen(&fds, AF_INET, "127.0.0.1", 5300);
  for (int i = 0; i < 3; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 5300, nullptr, &err), 0);
  pid_t threaded = ThreadedChild(8);
  ASSERT_GT(threaded, 0);
  SocketIterators iterators;
  std::vector<InodeOwner> raw;
  std::string error;
  bool ok = iterators.ReadOwners(&raw, &error);
  // The /proc walk of the same processes, TCP and UDP sockets only (the
  // pass leaves out unix and netlink sockets).
  Snapshot sockets = Collect("netlink");
  ASSERT_TRUE(ok) << error;
  std::set<std::uint64_t> inet;
  for (const SocketRecord& r : sockets.sockets) inet.insert(r.inode);
  std::multiset<std::pair<std::int64_t, std::uint64_t>> from_kernel;
  for (const InodeOwner& o : raw) {
    if (o.pid == getpid() || o.pid == threaded)
      from_kernel.emplace(o.pid, o.inode);
  }
  std::multiset<std::pair<std::int64_t, std::uint64_t>> from_proc;
  for (pid_t pid : {getpid(), threaded}) {
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::error_code ec;
      std::string target = std::filesystem::read_symlink(entry, ec).string();
      if (target.rfind("socket:[", 0) != 0) continue;
      std::uint64_t inode = std::stoull(target.substr(8));
      if (inet.count(inode)) from_proc.emplace(pid, inode);
    }
  }
  kill(threaded, SIGKILL);
  waitpid(threaded, nullptr, 0);
  EXPECT_EQ(from_kernel, from_proc)
      << "the threaded child's 8 threads share one table: seen once";
  std::size_t threaded_descriptors = 0;
  for (const auto& owner : from_kernel)
    threaded_descriptors += owner.first == threaded;
  // 8 sockets of its own plus the 4 it inherited.
  EXPECT_EQ(threaded_descriptors, 12u);
}

TEST(BpfSocketsTest, PerSocketPortRangeFullReadsOne) {
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif
  SetRange(40000, 40999);
  Fds fds;
  Listen(&fds, AF_INET, "127.0.0.1", 5100);
  socklen_t len;
  sockaddr_storage a = Address(AF_INET, "127.0.0.1", 5100, &len);
  std::uint32_t range = (40109u << 16) | 40100u;
  // Clients with their own 10-port range connect until the kernel refuses.
  int made = 0, err = 0;
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range, sizeof range) !=
        0) {
      close(fd);
      GTEST_SKIP() << "no IP_LOCAL_PORT_RANGE: " << std::strerror(errno);
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
      err = errno;
      close(fd);
      break;
    }
    fds.Add(fd);
    ASSERT_LT(++made, 11);
  }
  EXPECT_EQ(err, EADDRNOTAVAIL) << std::strerror(err);
  EXPECT_GT(made, 0);
  Snapshot bpf = Collect("bpf");
  ASSERT_TRUE(CollectorOk(bpf, "bpf_sockets"));
  int seen = 0;
  for (const SocketRecord& r : bpf.sockets) {
    if (r.remote_port != 5100 || r.state != SocketState::kEstablished ||
        r.local_port < 40000)
      continue;
    ++seen;
    EXPECT_EQ(r.port_range_low, 40100);
    EXPECT_EQ(r.port_range_high, 40109);
    EXPECT_GE(r.local_port, 40100);
    EXPECT_LE(r.local_port, 40109);
  }
  EXPECT_EQ(seen, made);
  std::uint32_t worst = 0;
  EXPECT_DOUBLE_EQ(TcpHeadline(bpf, &worst), 1.0)
      << "the kernel refused the next connect of a 10-port client";
  EXPECT_LT(TcpHeadline(Collect("netlink"), &worst), 0.5);
}

TEST(BpfSocketsTest, HeadlineIsWhatMakesConnectFail) {
  // Away from the ports the tests above leave in TIME_WAIT and FIN_WAIT2.
  SetRange(42000, 42999);
  Fds fds;
  Listen(&fds, AF_INET, "127.0.0.1", 5000);
  Listen(&fds, AF_INET, "127.0.0.1", 6000);
  int err = 0;
  for (int i = 0; i < 250; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 5000, nullptr, &err), 0);
  for (int i = 0; i < 100; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 5000, "127.0.0.1", &err), 0)
        << std::strerror(err);
  for (int i = 0; i < 300; ++i)
    ASSERT_GE(Connect(&fds, AF_INET, "127.0.0.1", 6000, nullptr, &err), 0);
  Snapshot bpf = Collect("bpf");
  ASSERT_TRUE(CollectorOk(bpf, "bpf_sockets"));
  Snapshot netlink = Collect("netlink");
  std::uint32_t worst_bpf = 0, worst_netlink = 0;
  double bpf_ratio = TcpHeadline(bpf, &worst_bpf);
  double netlink_ratio = TcpHeadline(netlink, &worst_netlink);
  EXPECT_DOUBLE_EQ(bpf_ratio, 0.40);
  EXPECT_DOUBLE_EQ(netlink_ratio, 0.35);
  // The kernel's answer: connects toward the worst destination until none
  // is left.
  int more = 0;
  for (;;) {
    if (Connect(&fds, AF_INET, "127.0.0.1", 6000, nullptr, &err) < 0) break;
    ++more;
    ASSERT_LT(more, 2000);
  }
  EXPECT_EQ(err, EADDRNOTAVAIL) << std::strerror(err);
  EXPECT_EQ(static_cast<std::uint32_t>(more), 1000 - worst_bpf)
      << "the BPF headline said " << worst_bpf << " of 1000 ports were gone";
  Snapshot full = Collect("bpf");
  std::uint32_t worst_full = 0;
  EXPECT_DOUBLE_EQ(TcpHeadline(full, &worst_full), 1.0);
  Snapshot full_netlink = Collect("netlink");
  EXPECT_LT(TcpHeadline(full_netlink, &worst_full), 1.0);
}

void SetSysctl(const char* name, int value) {
  std::ofstream(std::string("/proc/sys/net/ipv4/") + name) << value << "\n";
}

TEST(BpfSocketsTest, TimeWaitWithoutTimestampsIsNotRecycled) {
  // 100 loopback TIME_WAIT sockets from connections made without TCP
  // timestamps; tcp_timestamps is on again when the exporter looks, so
  // without the per-socket fact they look recyclable.
  SetRange(43000, 43099);
  SetSysctl("tcp_tw_reuse", 2);
  SetSysctl("tcp_timestamps", 0);
  Fds fds;
  int err = 0;
  int server = Listen(&fds, AF_INET, "127.0.0.1", 5400);
  for (int i = 0; i < 100; ++i) {
    int c = Connect(&fds, AF_INET, "127.0.0.1", 5400, nullptr, &err);
    ASSERT_GE(c, 0) << std::strerror(err);
    int a = fds.Add(accept4(server, nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_GE(a, 0);
    fds.Close(c);
    fds.Close(a);
  }
  SetSysctl("tcp_timestamps", 1);
  // Older than tcp_tw_reuse_delay (1 s), all 100 in TIME_WAIT: bounded poll.
  Snapshot netlink;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    netlink = Collect("netlink");
    int old = 0;
    for (const SocketRecord& r : netlink.sockets) {
      old += r.state == SocketState::kTimeWait && r.local_port >= 43000 &&
             r.local_port <= 43099 && r.expires_ms < 60000 - 1500;
    }
    if (old == 100) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << old;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Snapshot bpf = Collect("bpf");
  ASSERT_TRUE(CollectorOk(bpf, "bpf_sockets"));
  std::uint32_t worst = 0;
  EXPECT_DOUBLE_EQ(TcpHeadline(bpf, &worst), 1.0);
  EXPECT_EQ(worst, 100u);
  EXPECT_DOUBLE_EQ(TcpHeadline(netlink, &worst), 0.0)
      << "netlink takes every old loopback TIME_WAIT as recyclable";
  // The kernel's answer: no port is left for :5400.
  EXPECT_LT(Connect(&fds, AF_INET, "127.0.0.1", 5400, nullptr, &err), 0);
  EXPECT_EQ(err, EADDRNOTAVAIL) << std::strerror(err);
}

TEST(BpfSocketsTest, WithoutPrivilegesNetlinkRunsAndTheCollectorSaysWhy) {
  Fds fds;
  Listen(&fds, AF_INET, "127.0.0.1", 5200);
  std::size_t expected = Collect("netlink").sockets.size();
  int result[2];
  ASSERT_EQ(pipe(result), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Not root any more: no CAP_BPF, CAP_PERFMON or CAP_SYS_ADMIN.
    if (setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
      _exit(9);
    Snapshot s = Collect("bpf");
    std::string line;
    for (const CollectorStatus& c : s.collectors) {
      line += c.name + "=" + (c.success ? "1" : "0") + ":" + c.error + "\n";
    }
    line += "sockets=" + std::to_string(s.sockets.size()) + "\n";
    if (write(result[1], line.data(), line.size()) < 0) _exit(8);
    _exit(0);
  }
  close(result[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(result[0], buf, sizeof buf)) > 0;)
    out.append(buf, n);
  close(result[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(
      out.find("bpf_sockets=0:socket iterators not loaded: missing CAP_BPF"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("sockets=1:\n"), std::string::npos) << out;
  EXPECT_NE(out.find("sockets=" + std::to_string(expected) + "\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
#if EPX_BPF_BUILT
  std::string missing = epx::MissingBpfRequirementsHere();
  if (!missing.empty()) {
    std::printf("SKIPPED: BPF programs cannot load here: missing %s\n",
                missing.c_str());
    return epx::testing::kSkipExitCode;
  }
#else
  std::printf("SKIPPED: this build has no BPF support\n");
  return epx::testing::kSkipExitCode;
#endif
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::string why;
  if (!epx::testing::EnterPrivateNetwork(&why)) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return epx::testing::kSkipExitCode;
  }
  return RUN_ALL_TESTS();
}

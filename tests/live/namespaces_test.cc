// SPDX-License-Identifier: Apache-2.0
// The namespaces collector against the kernel: three child network
// namespaces, each with its own 1,000-port range and 40, 120 and 250
// connections to one destination; the second also holds TIME_WAIT sockets
// and bind-before-connect clients toward that destination and connections
// to a second one. The exporter, in a namespace of its own, must report
// each one's headline as what connect() still gets there before
// EADDRNOTAVAIL says, and the second's bind headline as what bind(addr, 0)
// still gets before EADDRINUSE. The test runs in private PID and mount
// namespaces (it re-executes itself under unshare) so the exporter sees only
// its processes and /run/netns only its names.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/exposition.h"
#include "../support/private_network.h"
#include "../support/scrape.h"
#include "../support/subprocess.h"

namespace epx::testing {
namespace {

constexpr int kExporterPort = 19161;
constexpr int kServerPort = 7000;
constexpr int kOtherServerPort = 7001;
constexpr int kRangeSize = 1000;

std::uint64_t InodeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool Shell(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

// Runs fn on a thread that has entered the network namespace at ns_path.
bool RunInside(const std::string& ns_path, const std::function<void()>& fn) {
  bool entered = false;
  std::thread t([&] {
    int fd = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    entered = setns(fd, CLONE_NEWNET) == 0;
    close(fd);
    if (entered) fn();
  });
  t.join();
  return entered;
}

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A connect to the server at port; the fd, or -1 with errno set. With
// bind_first, bind(127.0.0.1, 0) before connect() (a client that picks its
// source address).
int Connect(int port = kServerPort, bool bind_first = false) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local = Loopback(0);
  if (bind_first &&
      bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  sockaddr_in a = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

// A listening socket on 127.0.0.1:port, or -1 with *error set.
int Listen(int port, std::string* error) {
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = Loopback(port);
  if (bind(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(server, 4096) != 0) {
    *error = std::string("listener: ") + std::strerror(errno);
    close(server);
    return -1;
  }
  return server;
}

// One child namespace: its range, a listener and `connections` clients;
// optionally `time_wait` closed connections left in TIME_WAIT (with
// tcp_tw_reuse 0 there, so that they hold their ports for the whole test),
// `bind_first` bind-before-connect clients to the same server, `other`
// connections to a second server and `bound_only` sockets bound to
// 127.0.0.1:0 and never connected.
struct Child {
  std::string path;
  int first_port;
  int connections;
  int time_wait = 0;
  int bind_first = 0;
  int other = 0;
  int bound_only = 0;
  std::uint64_t inode = 0;
  std::vector<int> fds;
  std::string error;

  // Ports a new connect() to the server cannot use.
  int HeadlineInUse() const {
    return connections + time_wait + bind_first + bound_only;
  }
  // Ports a new bind(127.0.0.1, 0) cannot use, at most.
  int MostBindInUse() const { return HeadlineInUse() + other; }
};

// Connects and closes `count` times, the client first, the server once it
// has seen the client's FIN: the client's socket stays in TIME_WAIT.
bool LeaveTimeWait(int server, int count, std::string* error) {
  for (int i = 0; i < count; ++i) {
    int fd = Connect();
    int peer = fd < 0 ? -1 : accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    if (peer < 0) {
      *error = std::string("time_wait connect: ") + std::strerror(errno);
      if (fd >= 0) close(fd);
      return false;
    }
    close(fd);
    char byte;
    while (read(peer, &byte, 1) > 0) {
    }
    close(peer);
  }
  return true;
}

void Fill(Child* c) {
  RunInside(c->path, [c] {
    std::ofstream range("/proc/sys/net/ipv4/ip_local_port_range");
    range << c->first_port << " " << c->first_port + kRangeSize - 1 << "\n";
    range.close();
    if (!range) {
      c->error = "cannot write the range";
      return;
    }
    if (c->time_wait > 0) {
      std::ofstream reuse("/proc/sys/net/ipv4/tcp_tw_reuse");
      reuse << "0\n";
      reuse.close();
      if (!reuse) {
        c->error = "cannot write tcp_tw_reuse";
        return;
      }
    }
    int server = Listen(kServerPort, &c->error);
    if (server < 0) return;
    c->fds.push_back(server);
    if (!LeaveTimeWait(server, c->time_wait, &c->error)) return;
    if (c->other > 0) {
      int other = Listen(kOtherServerPort, &c->error);
      if (other < 0) return;
      c->fds.push_back(other);
    }
    struct Batch {
      int count;
      int port;
      bool bind_first;
    };
    for (Batch b : {Batch{c->connections, kServerPort, false},
                    Batch{c->bind_first, kServerPort, true},
                    Batch{c->other, kOtherServerPort, false}}) {
      for (int i = 0; i < b.count; ++i) {
        int fd = Connect(b.port, b.bind_first);
        if (fd < 0) {
          c->error = std::string("connect: ") + std::strerror(errno);
          return;
        }
        c->fds.push_back(fd);
      }
    }
    for (int i = 0; i < c->bound_only; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in local = Loopback(0);
      if (fd < 0 ||
          bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        c->error = std::string("bind: ") + std::strerror(errno);
        if (fd >= 0) close(fd);
        return;
      }
      c->fds.push_back(fd);
    }
  });
}

// Connects until the kernel refuses (at most 2 * kRangeSize tries); the
// number it still granted, or -1 when it refused for another reason.
int KernelStillGrants(const std::string& ns_path) {
  int granted = -1;
  RunInside(ns_path, [&] {
    std::vector<int> extra;
    for (int i = 0; i < 2 * kRangeSize; ++i) {
      int fd = Connect();
      if (fd >= 0) {
        extra.push_back(fd);
        continue;
      }
      if (errno == EADDRNOTAVAIL) granted = static_cast<int>(extra.size());
      break;
    }
    for (int fd : extra) close(fd);
  });
  return granted;
}

// Binds 127.0.0.1:0 until the kernel refuses (at most 2 * kRangeSize
// tries); the number of binds it still granted, or -1 when it refused for
// another reason than EADDRINUSE. The sockets are never connected, so
// closing them leaves nothing behind.
int KernelStillBinds(const std::string& ns_path) {
  int granted = -1;
  RunInside(ns_path, [&] {
    std::vector<int> extra;
    for (int i = 0; i < 2 * kRangeSize; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in local = Loopback(0);
      if (fd >= 0 &&
          bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0) {
        extra.push_back(fd);
        continue;
      }
      if (errno == EADDRINUSE) granted = static_cast<int>(extra.size());
      if (fd >= 0) close(fd);
      break;
    }
    for (int fd : extra) close(fd);
  });
  return granted;
}

std::string Label(std::uint64_t inode) { return std::to_string(inode); }

bool BoundOnlyVisible() {
  utsname u{};
  int major = 0, minor = 0;
  return uname(&u) == 0 &&
         std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
         (major > 6 || (major == 6 && minor >= 8));
}

TEST(NamespacesLive, EachNamespaceHeadlineIsWhatItsKernelRefuses) {
  std::string tag = std::to_string(getpid());
  std::vector<std::string> names = {"epx28a-" + tag, "epx28b-" + tag};
  for (const std::string& n : names)
    ASSERT_TRUE(Shell("ip netns add " + n)) << n;
  // The third namespace has no name: a process holds it.
  Subprocess holder({"/usr/bin/unshare", "-n", "sleep", "600"});
  ASSERT_TRUE(holder.Running());
  std::string holder_ns = "/proc/" + std::to_string(holder.pid()) + "/ns/net";
  std::uint64_t own = InodeOf("/proc/self/ns/net");
  for (int i = 0;
       i < 200 && (InodeOf(holder_ns) == own || InodeOf(holder_ns) == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_NE(InodeOf(holder_ns), own);

  std::vector<Child> children(3);
  children[0].path = "/run/netns/" + names[0];
  children[0].first_port = 30000;
  children[0].connections = 40;
  // inet_diag lists bound-only sockets from Linux 6.8.
  children[0].bound_only = BoundOnlyVisible() ? 5 : 0;
  children[1].path = "/run/netns/" + names[1];
  children[1].first_port = 32000;
  children[1].connections = 120;
  children[1].time_wait = 30;
  children[1].bind_first = 25;
  children[1].other = 50;
  children[2].path = holder_ns;
  children[2].first_port = 34000;
  children[2].connections = 250;
  auto filled = std::chrono::steady_clock::now();
  for (Child& c : children) {
    ASSERT_TRUE(Shell("nsenter --net=" + c.path + " ip link set lo up"));
    Fill(&c);
    ASSERT_EQ(c.error, "") << c.path;
    c.inode = InodeOf(c.path);
  }

  {
    Subprocess exporter(
        {EPX_EXPORTER, "--source=netlink", "--collector.namespaces",
         "--selftest.at-start=false",
         "--web.listen-address=127.0.0.1:" + std::to_string(kExporterPort)},
        "/tmp/epx_live_namespaces_exporter.log");
    ASSERT_TRUE(exporter.Running());
    std::vector<Sample> samples =
        ScrapeMetricsUntil(kExporterPort, [&](const std::vector<Sample>& s) {
          return Find(s, "ephemeral_port_namespaces_scanned", {}).value_or(0) ==
                 3;
        });
    EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                   {{"collector", "namespaces"}}),
              1);
    EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_failed", {}), 0);
    for (const Child& c : children) {
      SCOPED_TRACE(c.path);
      auto in_use = Find(samples, "ephemeral_port_namespace_in_use",
                         {{"netns", Label(c.inode)}, {"protocol", "tcp"}});
      auto capacity = Find(samples, "ephemeral_port_namespace_capacity",
                           {{"netns", Label(c.inode)}, {"protocol", "tcp"}});
      auto ratio = Find(samples, "ephemeral_port_namespace_exhaustion_ratio",
                        {{"netns", Label(c.inode)}, {"protocol", "tcp"}});
      auto bind_ratio =
          Find(samples, "ephemeral_port_namespace_bind_exhaustion_ratio",
               {{"netns", Label(c.inode)}, {"protocol", "tcp"}});
      ASSERT_TRUE(in_use && capacity && ratio && bind_ratio);
      EXPECT_EQ(*in_use, c.HeadlineInUse());
      EXPECT_EQ(*capacity, kRangeSize);
      EXPECT_DOUBLE_EQ(*ratio,
                       static_cast<double>(c.HeadlineInUse()) / kRangeSize);
      // connect() may give a client of the second server a port that one of
      // the first already uses (a port is shared across destinations), so
      // the ports held on 127.0.0.1 are between these two.
      long bind_in_use = std::lround(*bind_ratio * kRangeSize);
      EXPECT_GE(bind_in_use, c.HeadlineInUse());
      EXPECT_LE(bind_in_use, c.MostBindInUse());
      // TIME_WAIT lasts 60 s: the kernel must be asked while it holds them.
      ASSERT_LT(std::chrono::steady_clock::now() - filled,
                std::chrono::seconds(50))
          << "too slow: the TIME_WAIT sockets may have expired";
      // Binds first: the connects below leave their ports in FIN_WAIT2.
      int bound = KernelStillBinds(c.path);
      EXPECT_EQ(bound, *capacity - bind_in_use)
          << "the kernel granted " << bound << " more bind(127.0.0.1, 0)";
      int granted = KernelStillGrants(c.path);
      EXPECT_EQ(granted, *capacity - *in_use)
          << "the kernel granted " << granted << " more connects";
    }
    EXPECT_EQ(Find(samples, "ephemeral_port_namespace_info",
                   {{"netns", Label(children[2].inode)}, {"process", "sleep"}}),
              1);

    // A namespace created and destroyed between scrapes.
    std::string brief = "epx28c-" + tag;
    ASSERT_TRUE(Shell("ip netns add " + brief));
    std::uint64_t brief_inode = InodeOf("/run/netns/" + brief);
    samples =
        ScrapeMetricsUntil(kExporterPort, [](const std::vector<Sample>& s) {
          return Find(s, "ephemeral_port_namespaces_scanned", {}).value_or(0) ==
                 4;
        });
    EXPECT_TRUE(Find(samples, "ephemeral_port_namespace_info",
                     {{"netns", Label(brief_inode)}}));
    ASSERT_TRUE(Shell("ip netns del " + brief));
    samples =
        ScrapeMetricsUntil(kExporterPort, [](const std::vector<Sample>& s) {
          return Find(s, "ephemeral_port_namespaces_scanned", {}).value_or(0) ==
                 3;
        });
    EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_scanned", {}), 3);
    EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_failed", {}), 0);
    EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                   {{"collector", "namespaces"}}),
              1);
    EXPECT_FALSE(Find(samples, "ephemeral_port_namespace_info",
                      {{"netns", Label(brief_inode)}}));
    exporter.Stop();
  }
  for (Child& c : children)
    for (int fd : c.fds) close(fd);
  holder.Stop();
  for (const std::string& n : names) EXPECT_TRUE(Shell("ip netns del " + n));
}

TEST(NamespacesLive, BoundOnlySocketsLeftOutOnRequest) {
  if (!BoundOnlyVisible()) GTEST_SKIP() << "bound-only sockets need 6.8+";
  std::string name = "epx28e-" + std::to_string(getpid());
  ASSERT_TRUE(Shell("ip netns add " + name));
  Child c;
  c.path = "/run/netns/" + name;
  c.first_port = 36000;
  c.connections = 10;
  c.bound_only = 5;
  ASSERT_TRUE(Shell("nsenter --net=" + c.path + " ip link set lo up"));
  Fill(&c);
  ASSERT_EQ(c.error, "");
  c.inode = InodeOf(c.path);
  {
    Subprocess exporter(
        {EPX_EXPORTER, "--source=netlink", "--collector.namespaces",
         "--no-collector.namespaces.bound-sockets", "--selftest.at-start=false",
         "--web.listen-address=127.0.0.1:" + std::to_string(kExporterPort)},
        "/tmp/epx_live_namespaces_unbound.log");
    ASSERT_TRUE(exporter.Running());
    std::vector<Sample> samples =
        ScrapeMetricsUntil(kExporterPort, [](const std::vector<Sample>& s) {
          return Find(s, "ephemeral_port_namespaces_scanned", {}).value_or(0) ==
                 1;
        });
    // The 5 bound-only sockets are not dumped: a lower bound.
    EXPECT_EQ(Find(samples, "ephemeral_port_namespace_in_use",
                   {{"netns", Label(c.inode)}, {"protocol", "tcp"}}),
              c.connections);
    EXPECT_EQ(KernelStillGrants(c.path), kRangeSize - c.HeadlineInUse());
    exporter.Stop();
  }
  for (int fd : c.fds) close(fd);
  EXPECT_TRUE(Shell("ip netns del " + name));
}

TEST(NamespacesLive, WithoutCapSysAdminTheCollectorFailsAndSaysSo) {
  std::string name = "epx28d-" + std::to_string(getpid());
  ASSERT_TRUE(Shell("ip netns add " + name));
  const char* log = "/tmp/epx_live_namespaces_nocap.log";
  {
    Subprocess exporter(
        {"/usr/bin/setpriv", "--bounding-set=-sys_admin",
         "--inh-caps=-sys_admin", EPX_EXPORTER, "--source=netlink",
         "--collector.namespaces", "--selftest.at-start=false",
         "--web.listen-address=127.0.0.1:" + std::to_string(kExporterPort)},
        log);
    ASSERT_TRUE(exporter.Running());
    std::vector<Sample> samples =
        ScrapeMetricsUntil(kExporterPort, [](const std::vector<Sample>& s) {
          return Find(s, "ephemeral_port_namespaces_failed", {}).has_value();
        });
    samples = ScrapeMetrics(kExporterPort);
    EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                   {{"collector", "namespaces"}}),
              0);
    EXPECT_EQ(Find(samples, "ephemeral_port_collector_success",
                   {{"collector", "sockets"}}),
              1);
    EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_failed", {}), 1);
    EXPECT_EQ(Find(samples, "ephemeral_port_namespaces_scanned", {}), 0);
    exporter.Stop();
  }
  std::ifstream in(log);
  std::string line;
  int naming = 0;
  while (std::getline(in, line))
    if (line.find("collector=namespaces") != std::string::npos &&
        line.find("CAP_SYS_ADMIN") != std::string::npos)
      ++naming;
  EXPECT_EQ(naming, 1) << "log lines naming CAP_SYS_ADMIN over two scrapes";
  EXPECT_TRUE(Shell("ip netns del " + name));
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  using epx::testing::kSkipExitCode;
  if (std::getenv("EPX_NAMESPACES_TEST_INSIDE") == nullptr) {
    if (geteuid() != 0) {
      std::printf(
          "SKIPPED: needs root for network, PID and mount namespaces\n");
      return kSkipExitCode;
    }
    setenv("EPX_NAMESPACES_TEST_INSIDE", "1", 1);
    std::vector<char*> args = {const_cast<char*>("/usr/bin/unshare"),
                               const_cast<char*>("--pid"),
                               const_cast<char*>("--fork"),
                               const_cast<char*>("--mount-proc"),
                               const_cast<char*>("--mount"),
                               const_cast<char*>("--propagation"),
                               const_cast<char*>("private")};
    std::string self = "/proc/self/exe";
    char path[4096];
    ssize_t n = readlink(self.c_str(), path, sizeof path - 1);
    if (n <= 0) return 1;
    path[n] = '\0';
    args.push_back(path);
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    pid_t child = fork();
    if (child == 0) {
      execv(args[0], args.data());
      _exit(kSkipExitCode);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child) return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  std::string why;
  if (mkdir("/run/netns", 0755) != 0 && errno != EEXIST) why = "no /run/netns";
  if (why.empty() && mount("tmpfs", "/run/netns", "tmpfs", 0, "") != 0)
    why = std::string("cannot mount /run/netns: ") + std::strerror(errno);
  if (why.empty()) epx::testing::EnterPrivateNetwork(&why);
  if (!why.empty()) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return kSkipExitCode;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

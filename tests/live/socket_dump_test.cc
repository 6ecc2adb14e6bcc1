// SPDX-License-Identifier: Apache-2.0
// The Linux source against real sockets in a private network namespace,
// at a size (over 10,000 sockets) where it dumps on two threads: every
// socket must come back exactly once, with its state and ports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "../support/private_network.h"
#include "sources/linux/host_source.h"

namespace epx::testing {
namespace {

using Key =
    std::tuple<Protocol, Family, SocketState, std::uint16_t, std::uint16_t>;

class Fds {
 public:
  ~Fds() {
    for (int fd : fds_) close(fd);
  }
  int Add(int fd) {
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }

 private:
  std::vector<int> fds_;
};

std::uint16_t LocalPort(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.ss_family == AF_INET
                   ? reinterpret_cast<sockaddr_in*>(&a)->sin_port
                   : reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
}

// Opens `count` connections to a new listener of the family and records
// both ends (and the listener) in *expected.
void Connect(int family, int count, Fds* fds, std::map<Key, int>* expected) {
  sockaddr_storage addr{};
  socklen_t len;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    len = sizeof *v6;
  }
  Family f = family == AF_INET ? Family::kIpv4 : Family::kIpv6;
  int listener = fds->Add(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(listener, 0);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(listener, 128), 0);
  std::uint16_t server_port = LocalPort(listener);
  ++(*expected)[Key{Protocol::kTcp, f, SocketState::kListen, server_port, 0}];
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  for (int i = 0; i < count; ++i) {
    int client = fds->Add(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(client, 0) << "connection " << i;
    ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), len), 0)
        << "connection " << i;
    ASSERT_GE(fds->Add(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)), 0)
        << "connection " << i;
    std::uint16_t port = LocalPort(client);
    ++(*expected)[Key{Protocol::kTcp, f, SocketState::kEstablished, port,
                      server_port}];
    ++(*expected)[Key{Protocol::kTcp, f, SocketState::kEstablished, server_port,
                      port}];
  }
}

TEST(SocketDumpTest, TwoThreadDumpReturnsEverySocketOnce) {
  Fds fds;
  std::map<Key, int> expected;
  Connect(AF_INET, 5500, &fds, &expected);
  Connect(AF_INET6, 500, &fds, &expected);
  int udp = fds.Add(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  ++expected[Key{Protocol::kUdp, Family::kIpv6, SocketState::kUnconnected,
                 LocalPort(udp), 0}];
  ASSERT_FALSE(HasFatalFailure());

  SourceOptions options;
  options.socket_source = "netlink";
  options.collect_processes = false;
  options.collect_tcp_stats = false;
  LinuxHostSource source(options);
  // The first collection sizes itself from /proc/net/sockstat (12,000
  // sockets here), so both collections dump on two threads.
  for (int round = 0; round < 2; ++round) {
    Snapshot snapshot = source.Collect();
    for (const CollectorStatus& c : snapshot.collectors)
      EXPECT_TRUE(c.success) << c.name << ": " << c.error;
    std::map<Key, int> seen;
    for (const SocketRecord& s : snapshot.sockets) {
      ++seen[Key{s.protocol, s.family, s.state, s.local_port, s.remote_port}];
    }
    EXPECT_EQ(snapshot.sockets.size(), 12003u) << "round " << round;
    EXPECT_TRUE(seen == expected) << "round " << round;
  }
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  rlimit files{};
  constexpr rlim_t kNeeded = 13000;
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_max < kNeeded) {
    std::printf("SKIPPED: needs %lu open files, the hard limit is lower\n",
                static_cast<unsigned long>(kNeeded));
    return epx::testing::kSkipExitCode;
  }
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  std::string why;
  if (!epx::testing::EnterPrivateNetwork(&why)) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return epx::testing::kSkipExitCode;
  }
  return RUN_ALL_TESTS();
}

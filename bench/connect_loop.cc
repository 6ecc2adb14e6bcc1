// SPDX-License-Identifier: Apache-2.0
// Tight TCP connect/close loop on loopback, for the connect_events overhead
// benchmark. A listener thread accepts and closes; the main thread opens,
// connects and closes (with RST, so no TIME_WAIT piles up) for SECONDS and
// prints "connects N seconds S rate R cpu_us C": C is the CPU time (user and
// system, both threads) per connect, in microseconds, which a busy shared
// machine disturbs less than the rate.
// Usage: connect_loop PORT SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: connect_loop PORT SECONDS\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  double seconds = std::atof(argv[2]);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 4096) != 0) {
    std::perror("listen");
    return 2;
  }
  std::atomic<bool> done{false};
  std::thread acceptor([&] {
    while (!done) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) close(fd);
    }
  });
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  long connects = 0;
  linger reset{1, 0};
  while (std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 100; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
        ++connects;
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      close(fd);
    }
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  done = true;
  int wake = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  connect(wake, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  close(wake);
  acceptor.join();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf("connects %ld seconds %.3f rate %.0f cpu_us %.3f\n", connects,
              elapsed, connects / elapsed,
              connects > 0 ? cpu * 1e6 / connects : 0.0);
  return 0;
}

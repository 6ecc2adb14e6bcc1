// SPDX-License-Identifier: Apache-2.0
// What each socket source's reads cost, in this process and this network
// namespace: the BPF source's iterators and its bound-only inet_diag dump,
// against the netlink source's dumps of every TCP and UDP socket. Rounds
// alternate the order; each read is timed with this thread's CPU clock,
// which counts the kernel's work for the read too. Run by
// bench/socket_walks.sh under a held load.
//
// usage: epx_bench_socket_walks [ROUNDS]
// Prints "name median_ms min_ms sockets" per read, then the ratios.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "sources/linux/inet_diag_parser.h"
#include "sources/linux/netlink_dump.h"
#include "sources/linux/socket_iterators.h"

namespace {

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Read {
  const char* name;
  std::function<bool(std::vector<epx::SocketRecord>*, std::string*)> run;
  std::vector<double> seconds;
  std::size_t sockets = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  if (rounds < 1) rounds = 1;
  epx::SocketIterators iterators;
  std::vector<Read> reads = {
      {"bpf_iterators",
       [&](std::vector<epx::SocketRecord>* out, std::string* e) {
         return iterators.Read(out, e);
       },
       {},
       0},
      {"bpf_bound_only_dump",
       [](std::vector<epx::SocketRecord>* out, std::string* e) {
         epx::InetDiagSocket socket;
         return socket.DumpTcpBothFamilies(out, e,
                                           epx::kBoundInactiveDiagState);
       },
       {},
       0},
      {"netlink_dumps",
       [](std::vector<epx::SocketRecord>* out, std::string* e) {
         epx::InetDiagSocket socket;
         return socket.DumpTcpBothFamilies(out, e) &&
                socket.Dump(epx::Protocol::kUdp, epx::Family::kIpv4, out, e) &&
                socket.Dump(epx::Protocol::kUdp, epx::Family::kIpv6, out, e);
       },
       {},
       0},
  };
  std::vector<epx::SocketRecord> out;
  std::string error;
  for (Read& r : reads) {
    if (!r.run(&out, &error)) {
      std::fprintf(stderr, "%s: %s\n", r.name, error.c_str());
      return 2;
    }
  }
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t k = 0; k < reads.size(); ++k) {
      Read& r = reads[(k + static_cast<std::size_t>(round)) % reads.size()];
      out.clear();
      double start = ThreadCpuSeconds();
      if (!r.run(&out, &error)) {
        std::fprintf(stderr, "%s: %s\n", r.name, error.c_str());
        return 2;
      }
      r.seconds.push_back(ThreadCpuSeconds() - start);
      r.sockets = out.size();
    }
  }
  for (const Read& r : reads) {
    std::printf("%s %.1f %.1f %zu\n", r.name, Median(r.seconds) * 1e3,
                *std::min_element(r.seconds.begin(), r.seconds.end()) * 1e3,
                r.sockets);
  }
  double bpf = Median(reads[0].seconds) + Median(reads[1].seconds);
  double netlink = Median(reads[2].seconds);
  std::printf("bpf_source/netlink_source %.2f\n", bpf / netlink);
  std::printf("bound_only_dump/netlink_source %.2f\n",
              Median(reads[1].seconds) / netlink);
  return 0;
}

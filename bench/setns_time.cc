// SPDX-License-Identifier: Apache-2.0
// Time to enter a network namespace the way the namespaces collector does
// it: open its nsfs file, setns(CLONE_NEWNET), close, on one helper thread
// that visits every namespace given in turn (as one scrape does).
//
// usage: epx_bench_setns REPEAT PATH...
// Prints "namespaces N per_namespace_us MEDIAN scrape_ms MEDIAN": the median
// over every entry of one namespace, and the median over the REPEAT passes
// of the whole list.
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: epx_bench_setns REPEAT PATH...\n");
    return 2;
  }
  int repeat = std::atoi(argv[1]);
  std::vector<std::string> paths(argv + 2, argv + argc);
  std::vector<double> each, pass;
  bool ok = true;
  std::thread helper([&] {
    for (int r = 0; r < repeat && ok; ++r) {
      double pass_start = Now();
      for (const std::string& p : paths) {
        double t0 = Now();
        int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
          std::fprintf(stderr, "epx_bench_setns: %s: %s\n", p.c_str(),
                       std::strerror(errno));
          ok = false;
          break;
        }
        close(fd);
        each.push_back(Now() - t0);
      }
      pass.push_back(Now() - pass_start);
    }
  });
  helper.join();
  if (!ok) return 1;
  std::printf("namespaces %zu per_namespace_us %.1f scrape_ms %.3f\n",
              paths.size(), Median(each) * 1e6, Median(pass) * 1e3);
  return 0;
}

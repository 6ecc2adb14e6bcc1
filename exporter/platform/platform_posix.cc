// SPDX-License-Identifier: Apache-2.0
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>

#include "platform/platform.h"

namespace epx {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void PrepareStopSignals() {
  sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void WaitForStopSignal() {
  sigset_t set = StopSet();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
}

bool SleepUnlessStopped(double seconds) {
  sigset_t set = StopSet();
  timespec timeout;
  timeout.tv_sec = static_cast<time_t>(seconds);
  timeout.tv_nsec = static_cast<decltype(timeout.tv_nsec)>(
      (seconds - std::floor(seconds)) * 1e9);
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig > 0) return true;
    if (errno == EAGAIN) return false;
    if (errno != EINTR) return false;
  }
}

std::string DefaultStoragePath() { return "/var/lib/ephemeral-port-exporter"; }

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

void TuneAllocator() {
  mallopt(M_ARENA_MAX, 1);
  // Fixed, so glibc does not raise it to the size of the last freed list.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

void ReturnFreedMemory() {
  constexpr std::size_t kWorthTrimming = 1 << 20;
  if (mallinfo2().fordblks > kWorthTrimming) malloc_trim(0);
}

void ReleaseUnusedStack() {
#if defined(__linux__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* base = nullptr;
  std::size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0) return;
  // Two pages of margin below this frame for the calls still to come.
  const std::uintptr_t page =
      static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  volatile char here = 0;
  std::uintptr_t low = reinterpret_cast<std::uintptr_t>(base);
  std::uintptr_t high =
      (reinterpret_cast<std::uintptr_t>(&here) - 2 * page) & ~(page - 1);
  if (high > low && high - low < size) madvise(base, high - low, MADV_DONTNEED);
#endif
}

void ReportServing() {}

void ReportStartProgress() {}

bool ShouldLogStartError(const std::string&, std::uint64_t* repeats) {
  *repeats = 1;
  return true;
}

bool ServiceLogFailures(std::uint64_t*) { return false; }

bool TakeServiceCommand(std::vector<std::string>*) { return false; }

int RunAsService(const std::function<int()>& body) { return body(); }

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include <malloc.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

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

void ShareAllocatorArena() { mallopt(M_ARENA_MAX, 1); }

void ReturnFreedMemory() {
  constexpr std::size_t kWorthTrimming = 8 << 20;
  if (mallinfo2().fordblks > kWorthTrimming) malloc_trim(0);
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

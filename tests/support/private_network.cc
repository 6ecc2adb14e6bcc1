// SPDX-License-Identifier: Apache-2.0
#include "private_network.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace epx::testing {

bool EnterPrivateNetwork(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root to create a network namespace (unshare -n)";
    return false;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    *why = std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(errno);
    return false;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
            (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
  int saved = errno;
  if (fd >= 0) close(fd);
  if (!up) {
    *why = std::string("cannot bring lo up: ") + std::strerror(saved);
    return false;
  }
  return true;
}

}  // namespace epx::testing

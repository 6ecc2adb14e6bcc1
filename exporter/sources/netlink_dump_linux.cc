#include "sources/netlink_dump_linux.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sources/inet_diag_parser.h"

namespace epx {
namespace {

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

std::string ErrnoText(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

bool DumpInetDiag(Protocol protocol, Family family,
                  std::vector<SocketRecord>* out, std::string* error) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    *error = ErrnoText("netlink socket", errno);
    return false;
  }
  FdCloser closer(fd);
  static thread_local std::uint32_t sequence = 1;
  std::vector<std::uint8_t> request =
      BuildInetDiagRequest(protocol, family, ++sequence);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, request.data(), request.size(), 0,
             reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    *error = ErrnoText("netlink send", errno);
    return false;
  }
  static thread_local std::vector<std::uint8_t> buffer(1 << 16);
  InetDiagParseState state;
  while (!state.done) {
    ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoText("netlink recv", errno);
      return false;
    }
    if (n == 0) {
      *error = "netlink recv: dump ended without NLMSG_DONE";
      return false;
    }
    ParseInetDiagBuffer(buffer.data(), static_cast<std::size_t>(n), protocol,
                        out, &state);
    if (state.malformed_messages > 0 && !state.done) {
      *error = "netlink dump: malformed reply";
      return false;
    }
  }
  if (state.error != 0) {
    *error = ErrnoText("netlink dump", state.error);
    return false;
  }
  return true;
}

}  // namespace epx

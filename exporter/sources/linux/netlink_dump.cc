// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/netlink_dump.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sources/linux/inet_diag_parser.h"

namespace epx {
namespace {

std::string ErrnoText(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

// Sends `request` on `fd` and hands each reply datagram to `parse` (which
// appends what it reads and updates *state) until the dump is done. `parse`
// returns false for a reply it finds malformed. Errors read "<what> send:
// ...", "<what> recv: ...", "<what> dump: ...".
template <typename Parse>
bool ReceiveDump(int fd, const std::vector<std::uint8_t>& request,
                 const char* what, std::vector<std::uint8_t>* buffer,
                 NetlinkDumpState* state, Parse parse, std::string* error) {
  const std::string name = what;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, request.data(), request.size(), 0,
             reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    *error = ErrnoText(name + " send", errno);
    return false;
  }
  while (!state->done) {
    ssize_t n = recv(fd, buffer->data(), buffer->size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoText(name + " recv", errno);
      return false;
    }
    if (n == 0) {
      *error = name + " recv: dump ended without NLMSG_DONE";
      return false;
    }
    if (!parse(buffer->data(), static_cast<std::size_t>(n))) {
      *error = name + " dump: malformed reply";
      return false;
    }
  }
  if (state->error != 0) {
    *error = ErrnoText(name + " dump", state->error);
    return false;
  }
  return true;
}

}  // namespace

InetDiagSocket::InetDiagSocket() { Open(); }

InetDiagSocket::~InetDiagSocket() {
  if (fd_ >= 0) close(fd_);
}

void InetDiagSocket::Open() {
  if (fd_ >= 0) close(fd_);
  fd_ = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  open_errno_ = fd_ < 0 ? errno : 0;
}

bool InetDiagSocket::Dump(Protocol protocol, Family family,
                          std::vector<SocketRecord>* out, std::string* error,
                          std::uint32_t states) {
  return Run(BuildInetDiagRequest(protocol, family, ++sequence_, states),
             protocol, out, error);
}

bool InetDiagSocket::DumpTcpBothFamilies(std::vector<SocketRecord>* out,
                                         std::string* error,
                                         std::uint32_t states) {
  std::size_t before = out->size();
  if (Run(BuildTcpDiagBothFamiliesRequest(++sequence_, states), Protocol::kTcp,
          out, error))
    return true;
  out->resize(before);
  return false;
}

bool InetDiagSocket::DumpExplicitPortTcp(std::vector<SocketRecord>* out,
                                         std::string* error) {
  std::size_t before = out->size();
  if (Run(BuildExplicitPortTcpDiagRequest(++sequence_), Protocol::kTcp, out,
          error))
    return true;
  out->resize(before);
  return false;
}

bool InetDiagSocket::Run(const std::vector<std::uint8_t>& request,
                         Protocol protocol, std::vector<SocketRecord>* out,
                         std::string* error) {
  // What is left of a broken dump must not reach the next one.
  bool ok = false;
  try {
    ok = RunOnce(request, protocol, out, error);
  } catch (...) {
    Open();
    throw;
  }
  if (!ok) Open();
  return ok;
}

bool InetDiagSocket::RunOnce(const std::vector<std::uint8_t>& request,
                             Protocol protocol, std::vector<SocketRecord>* out,
                             std::string* error) {
  if (fd_ < 0) {
    *error = ErrnoText("netlink socket", open_errno_);
    return false;
  }
  buffer_.resize(1 << 16);
  InetDiagParseState state;
  return ReceiveDump(
      fd_, request, "netlink", &buffer_, &state,
      [&](const std::uint8_t* data, std::size_t size) {
        std::size_t from = out->size();
        ParseInetDiagBuffer(data, size, protocol, out, &state);
        KeepSocketsFrom(out, from, keep_);
        return state.malformed_messages == 0 || state.done;
      },
      error);
}

bool DumpLinks(std::vector<LinkRecord>* out, std::string* error) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    *error = ErrnoText("rtnetlink socket", errno);
    return false;
  }
  std::vector<std::uint8_t> buffer(1 << 15);
  LinkParseState state;
  bool ok = ReceiveDump(
      fd, BuildLinkDumpRequest(1), "rtnetlink", &buffer, &state,
      [&](const std::uint8_t* data, std::size_t size) {
        ParseLinkDumpBuffer(data, size, out, &state);
        return state.malformed_messages == 0;
      },
      error);
  close(fd);
  return ok;
}

}  // namespace epx

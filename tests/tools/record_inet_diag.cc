// SPDX-License-Identifier: Apache-2.0
// Writes the raw NETLINK_SOCK_DIAG reply bytes of one dump to a file, so
// the parser can be tested on a recorded real dump:
//   record_inet_diag tcp|udp 4|6 OUTPUT
// or those of an rtnetlink link dump (RTM_GETLINK):
//   record_inet_diag links OUTPUT
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sources/linux/inet_diag_parser.h"
#include "sources/linux/link_dump_parser.h"

namespace {

// Sends `request` on a netlink socket of `netlink_protocol`, writes every
// reply datagram to `path` and hands it to `parse` until `parse` says the
// dump is done. Returns the exit code.
template <typename Parse>
int SendAndRecord(int netlink_protocol,
                  const std::vector<std::uint8_t>& request, const char* path,
                  Parse parse) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, netlink_protocol);
  if (fd < 0) {
    std::perror("socket");
    return 1;
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, request.data(), request.size(), 0,
             reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    std::perror("sendto");
    return 1;
  }
  FILE* out = std::fopen(path, "wb");
  if (out == nullptr) {
    std::perror(path);
    return 1;
  }
  std::vector<std::uint8_t> buffer(1 << 16);
  for (bool done = false; !done;) {
    ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      std::perror("recv");
      return 1;
    }
    std::fwrite(buffer.data(), 1, static_cast<std::size_t>(n), out);
    done = parse(buffer.data(), static_cast<std::size_t>(n));
  }
  std::fclose(out);
  close(fd);
  return 0;
}

int RecordLinks(const char* path) {
  std::vector<epx::LinkRecord> links;
  epx::LinkParseState state;
  int rc = SendAndRecord(NETLINK_ROUTE, epx::BuildLinkDumpRequest(1), path,
                         [&](const std::uint8_t* data, std::size_t size) {
                           epx::ParseLinkDumpBuffer(data, size, &links, &state);
                           return state.done;
                         });
  if (rc == 0) std::printf("%zu links recorded\n", links.size());
  return rc;
}

int RecordSockets(epx::Protocol protocol, epx::Family family,
                  const char* path) {
  std::vector<epx::SocketRecord> sockets;
  epx::InetDiagParseState state;
  int rc = SendAndRecord(
      NETLINK_SOCK_DIAG, epx::BuildInetDiagRequest(protocol, family, 1), path,
      [&](const std::uint8_t* data, std::size_t size) {
        epx::ParseInetDiagBuffer(data, size, protocol, &sockets, &state);
        return state.done;
      });
  if (rc == 0) std::printf("%zu sockets recorded\n", sockets.size());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "links") return RecordLinks(argv[2]);
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: record_inet_diag tcp|udp 4|6 OUTPUT\n"
                 "       record_inet_diag links OUTPUT\n");
    return 2;
  }
  epx::Protocol protocol =
      std::string(argv[1]) == "udp" ? epx::Protocol::kUdp : epx::Protocol::kTcp;
  epx::Family family =
      std::string(argv[2]) == "6" ? epx::Family::kIpv6 : epx::Family::kIpv4;
  return RecordSockets(protocol, family, argv[3]);
}

// SPDX-License-Identifier: Apache-2.0
// The benchmark's floor: dump every TCP socket (IPv4 and IPv6, all states)
// through NETLINK_SOCK_DIAG and only count the answers. No attributes are
// requested and nothing is parsed beyond the netlink headers, so this is
// about the least any inet_diag based collector can do.
//
// usage: epx_bench_dump [REPEAT] [MODE]
// MODE: per-family (default: one SOCK_DIAG_BY_FAMILY dump per family),
// both (one TCPDIAG_GETSOCK dump of both families, all states) or
// explicit-port (the same request with the exporter's "not
// INET_DIAG_BC_AUTO" filter and connected states only: the sockets bound to
// an explicit port).
// Prints one line per repeat: "sockets N seconds S", S measured from opening
// the netlink socket to the end of the last dump.
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// Reads one dump's replies; returns how many messages of `type` it held, or
// -1 with errno set.
long CountReplies(int nl, int type, std::vector<char>& buf) {
  long count = 0;
  for (;;) {
    ssize_t n = recv(nl, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) {
        errno = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        return -1;
      }
      if (h->nlmsg_type == type) ++count;
    }
  }
}

// Returns the number of sockets in one family's dump, or -1.
long DumpFamily(int nl, int family, std::vector<char>& buf) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } msg{};
  msg.header.nlmsg_len = sizeof msg;
  msg.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.header.nlmsg_seq = static_cast<__u32>(family);
  msg.request.sdiag_family = static_cast<__u8>(family);
  msg.request.sdiag_protocol = IPPROTO_TCP;
  msg.request.idiag_states = ~0U;
  if (send(nl, &msg, sizeof msg, 0) != static_cast<ssize_t>(sizeof msg)) {
    return -1;
  }
  return CountReplies(nl, SOCK_DIAG_BY_FAMILY, buf);
}

// One TCPDIAG_GETSOCK dump (both families, one table walk); with
// explicit_port, filtered as the exporter's K1 dump is. Returns the number
// of sockets, or -1.
long DumpCompat(int nl, bool explicit_port, std::vector<char>& buf) {
  struct {
    nlmsghdr header;
    inet_diag_req request;
    nlattr attr;
    inet_diag_bc_op ops[2];
  } msg{};
  std::size_t size =
      explicit_port ? sizeof msg : NLMSG_LENGTH(sizeof msg.request);
  msg.header.nlmsg_len = static_cast<__u32>(size);
  msg.header.nlmsg_type = TCPDIAG_GETSOCK;
  msg.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.header.nlmsg_seq = 7;
  msg.request.idiag_family = AF_INET;
  msg.request.idiag_states = ~0U;
  if (explicit_port) {
    msg.request.idiag_states =
        1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 11;
    msg.attr.nla_len = sizeof msg.attr + sizeof msg.ops;
    msg.attr.nla_type = INET_DIAG_REQ_BYTECODE;
    msg.ops[0] = {INET_DIAG_BC_AUTO, 4, 8};
    msg.ops[1] = {INET_DIAG_BC_JMP, 4, 8};
  }
  if (send(nl, &msg, size, 0) != static_cast<ssize_t>(size)) return -1;
  return CountReplies(nl, TCPDIAG_GETSOCK, buf);
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = argc > 1 ? std::atoi(argv[1]) : 1;
  if (repeat < 1) repeat = 1;
  std::string mode = argc > 2 ? argv[2] : "per-family";
  if (mode != "per-family" && mode != "both" && mode != "explicit-port") {
    std::fprintf(stderr, "epx_bench_dump: unknown mode %s\n", mode.c_str());
    return 2;
  }
  std::vector<char> buf(1 << 16);
  for (int r = 0; r < repeat; ++r) {
    double t0 = Now();
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
      std::perror("socket(NETLINK_SOCK_DIAG)");
      return 1;
    }
    long v4 = 0, v6 = 0;
    if (mode == "per-family") {
      v4 = DumpFamily(nl, AF_INET, buf);
      v6 = DumpFamily(nl, AF_INET6, buf);
    } else {
      v4 = DumpCompat(nl, mode == "explicit-port", buf);
    }
    close(nl);
    double t1 = Now();
    if (v4 < 0 || v6 < 0) {
      std::fprintf(stderr, "epx_bench_dump: dump failed: %s\n",
                   std::strerror(errno));
      return 1;
    }
    std::printf("sockets %ld seconds %.6f\n", v4 + v6, t1 - t0);
  }
  return 0;
}

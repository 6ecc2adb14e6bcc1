// The benchmark's floor: dump every TCP socket (IPv4 and IPv6, all states)
// through NETLINK_SOCK_DIAG and only count the answers. No attributes are
// requested and nothing is parsed beyond the netlink headers, so this is
// about the least any inet_diag based collector can do.
//
// usage: epx_bench_dump [REPEAT]
// Prints one line per repeat: "sockets N seconds S", S measured from opening
// the netlink socket to the end of the second dump.
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
#include <vector>

namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
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
      if (h->nlmsg_type == NLMSG_ERROR) return -1;
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) ++count;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = argc > 1 ? std::atoi(argv[1]) : 1;
  if (repeat < 1) repeat = 1;
  std::vector<char> buf(1 << 16);
  for (int r = 0; r < repeat; ++r) {
    double t0 = Now();
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
      std::perror("socket(NETLINK_SOCK_DIAG)");
      return 1;
    }
    long v4 = DumpFamily(nl, AF_INET, buf);
    long v6 = DumpFamily(nl, AF_INET6, buf);
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

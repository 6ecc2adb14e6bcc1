// SPDX-License-Identifier: Apache-2.0
// A process that holds real sockets on command, for the live tests.
// Usage: port_holder [--name COMM]
// Reads one command per line on stdin and answers one line on stdout:
//   listen ADDR PORT               -> ok PORT        (accepts in background)
//   connect ADDR PORT COUNT        -> ok OPENED ERR  (ERR: 0 or errno name)
//   bindconnect BIND ADDR PORT N   -> ok OPENED ERR  (bind BIND:0 first)
//   bindportconnect BIND LPORT ADDR PORT N
//                                  -> ok OPENED ERR  (bind BIND:LPORT+i, an
//                                     explicit port, then connect)
//   fill ADDR PORT                 -> ok OPENED ERR  (until connect fails)
//   bindfill BIND ADDR PORT N      -> ok OPENED ERR  (bind BIND:0, connect to
//                                     PORT..PORT+N-1 in turn, until bind or
//                                     connect fails)
//   device NAME|-                  -> ok             (SO_BINDTODEVICE on the
//                                     TCP clients and listeners opened after
//                                     it; - = none)
//   bind ADDR COUNT                -> ok BOUND ERR   (bound, unconnected TCP)
//   attempt ADDR PORT COUNT        -> ok FAILED ERR  (COUNT connects, each
//                                     closed: how many failed, last errno)
//   churn ADDR PORT COUNT          -> ok DONE ERR    (connect, then close
//                                     with RST so no TIME_WAIT is left)
//   bindzero ADDR COUNT [udp]      -> ok FAILED ERR  (bind to port 0, close)
//   udp ADDR PORT COUNT            -> ok OPENED ERR  (connected UDP)
//   sendto ADDR PORT COUNT         -> ok FAILED ERR  (COUNT fresh unbound UDP
//                                     sockets each send one datagram, by
//                                     sendto(), sendmsg(), sendmmsg() in
//                                     turn, and are closed)
//   close PORT COUNT               -> ok CLOSED P... (client-first close of
//                                     connections to PORT: TIME_WAIT here;
//                                     lists the local ports closed)
//   ports PORT|bound|udp           -> ok P...        (local ports held toward
//                                     remote PORT, by bound-only TCP or UDP)
//   pasvopen ADDR COUNT            -> ok OPENED P... (FTP-passive style: a
//                                     listener on ADDR:0, one connection to
//                                     it from ADDR:21000+i, accepted; lists
//                                     the listeners' ports)
//   pasvclose                      -> ok CLOSED      (close those listeners,
//                                     keep both ends of their connections)
//   release                        -> ok CLOSED      (RST every client socket)
//   quit                           -> ok
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Client {
  int fd;
  int remote_port;
  int local_port;
};

struct Held {
  int fd;
  int local_port;
};

std::mutex g_mu;
std::vector<int> g_listeners;
std::vector<int> g_accepted;
std::vector<Client> g_clients;
std::vector<Held> g_bound;  // bound-only TCP sockets
std::vector<Held> g_udp;
std::vector<int> g_pasv_listeners;
std::vector<int> g_pasv_ends;  // both ends of the passive-port connections
int g_pasv_next = 0;
std::string g_device;  // bound device of new TCP clients, "" for none
int g_wake[2];

std::string ErrName(int err) {
  switch (err) {
    case 0:
      return "0";
    case EADDRNOTAVAIL:
      return "EADDRNOTAVAIL";
    case EADDRINUSE:
      return "EADDRINUSE";
    case EAGAIN:
      return "EAGAIN";
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    default:
      return "errno" + std::to_string(err);
  }
}

bool MakeAddr(const std::string& host, int port, sockaddr_storage* ss,
              socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

int LocalPort(int fd) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void Wake() {
  char c = 1;
  (void)!write(g_wake[1], &c, 1);
}

// Accepts on every listener and closes accepted sockets when the peer
// closes, so a client-first close ends in TIME_WAIT on the client.
void ServeLoop() {
  std::vector<pollfd> fds;
  for (;;) {
    std::size_t listeners = 0;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      listeners = g_listeners.size();
      fds.clear();
      fds.push_back({g_wake[0], POLLIN, 0});
      for (int fd : g_listeners) fds.push_back({fd, POLLIN, 0});
      for (int fd : g_accepted) fds.push_back({fd, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) return;
    std::lock_guard<std::mutex> lock(g_mu);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int fd = fds[i].fd;
      if (i == 0) {
        char buf[64];
        (void)!read(fd, buf, sizeof buf);
      } else if (i <= listeners) {
        for (;;) {
          int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          g_accepted.push_back(c);
        }
      } else {
        char buf[256];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
          close(fd);
          for (auto it = g_accepted.begin(); it != g_accepted.end(); ++it) {
            if (*it == fd) {
              g_accepted.erase(it);
              break;
            }
          }
        }
      }
    }
  }
}

int Listen(const std::string& host, int port, std::string* err) {
  sockaddr_storage ss;
  socklen_t len;
  if (!MakeAddr(host, port, &ss, &len)) {
    *err = "bad address";
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!g_device.empty() &&
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, g_device.c_str(),
                 static_cast<socklen_t>(g_device.size())) != 0) {
    *err = ErrName(errno);
    close(fd);
    return -1;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      listen(fd, 4096) != 0) {
    *err = ErrName(errno);
    close(fd);
    return -1;
  }
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  int actual = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  std::lock_guard<std::mutex> lock(g_mu);
  g_listeners.push_back(fd);
  Wake();
  return actual;
}

// Opens up to count connections; returns the number opened and sets *err.
int Connect(const std::string& bind_host, const std::string& host, int port,
            long count, int type, int* err, int bind_port = 0) {
  sockaddr_storage ss;
  socklen_t len;
  *err = 0;
  if (!MakeAddr(host, port, &ss, &len)) {
    *err = EINVAL;
    return 0;
  }
  int opened = 0;
  for (long i = 0; i < count; ++i) {
    int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      break;
    }
    if (type == SOCK_STREAM && !g_device.empty() &&
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, g_device.c_str(),
                   static_cast<socklen_t>(g_device.size())) != 0) {
      *err = errno;
      close(fd);
      break;
    }
    if (!bind_host.empty()) {
      sockaddr_storage local;
      socklen_t local_len;
      MakeAddr(bind_host, bind_port == 0 ? 0 : bind_port + static_cast<int>(i),
               &local, &local_len);
      if (bind(fd, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
        *err = errno;
        close(fd);
        break;
      }
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      *err = errno;
      close(fd);
      break;
    }
    std::lock_guard<std::mutex> lock(g_mu);
    if (type == SOCK_STREAM) {
      g_clients.push_back({fd, port, LocalPort(fd)});
    } else {
      g_udp.push_back({fd, LocalPort(fd)});
    }
    ++opened;
  }
  return opened;
}

// connect()s count fresh sockets and closes each at once (RST when
// `reset`); returns how many connects failed, *err the last errno.
int AttemptConnects(const std::string& host, int port, long count, bool reset,
                    int* err) {
  sockaddr_storage ss;
  socklen_t len;
  *err = 0;
  if (!MakeAddr(host, port, &ss, &len)) {
    *err = EINVAL;
    return 0;
  }
  int failed = 0;
  for (long i = 0; i < count; ++i) {
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      return failed;
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      *err = errno;
      ++failed;
    } else if (reset) {
      linger l{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
  }
  return failed;
}

// bind()s count fresh sockets to port 0 of host and closes each; returns
// how many binds failed.
int BindZero(const std::string& host, long count, int type, int* err) {
  *err = 0;
  int failed = 0;
  for (long i = 0; i < count; ++i) {
    sockaddr_storage ss;
    socklen_t len;
    MakeAddr(host, 0, &ss, &len);
    int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      return failed;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      *err = errno;
      ++failed;
    }
    close(fd);
  }
  return failed;
}

// Sends one datagram from each of count fresh unbound UDP sockets, so each
// send autobinds; returns how many sends failed.
int SendUnbound(const std::string& host, int port, long count, int* err) {
  *err = 0;
  int failed = 0;
  for (long i = 0; i < count; ++i) {
    sockaddr_storage ss;
    socklen_t len;
    MakeAddr(host, port, &ss, &len);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      return failed;
    }
    char byte = 'x';
    iovec iov{&byte, 1};
    mmsghdr m{};
    m.msg_hdr.msg_name = &ss;
    m.msg_hdr.msg_namelen = len;
    m.msg_hdr.msg_iov = &iov;
    m.msg_hdr.msg_iovlen = 1;
    long rc;
    if (i % 3 == 0) {
      rc = sendto(fd, &byte, 1, 0, reinterpret_cast<sockaddr*>(&ss), len);
    } else if (i % 3 == 1) {
      rc = sendmsg(fd, &m.msg_hdr, 0);
    } else {
      rc = sendmmsg(fd, &m, 1, 0);
    }
    if (rc < 0) {
      *err = errno;
      ++failed;
    }
    close(fd);
  }
  return failed;
}

int BindOnly(const std::string& host, long count, int* err) {
  *err = 0;
  int bound = 0;
  for (long i = 0; i < count; ++i) {
    sockaddr_storage ss;
    socklen_t len;
    MakeAddr(host, 0, &ss, &len);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      *err = errno;
      close(fd);
      break;
    }
    std::lock_guard<std::mutex> lock(g_mu);
    g_bound.push_back({fd, LocalPort(fd)});
    ++bound;
  }
  return bound;
}

int PassiveOpen(const std::string& host, long count, std::string* ports,
                int* err) {
  *err = 0;
  int opened = 0;
  for (long i = 0; i < count; ++i) {
    sockaddr_storage ss, local;
    socklen_t len, local_len;
    MakeAddr(host, 0, &ss, &len);
    MakeAddr(host, 21000 + g_pasv_next++, &local, &local_len);
    int l = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int a = -1;
    bool ok = l >= 0 && c >= 0 &&
              bind(l, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
              listen(l, 1) == 0;
    if (ok) {
      len = sizeof ss;
      getsockname(l, reinterpret_cast<sockaddr*>(&ss), &len);
      ok = bind(c, reinterpret_cast<sockaddr*>(&local), local_len) == 0 &&
           connect(c, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
           (a = accept4(l, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;
    }
    if (!ok) {
      *err = errno;
      for (int fd : {l, c, a}) {
        if (fd >= 0) close(fd);
      }
      break;
    }
    *ports += " " + std::to_string(LocalPort(l));
    std::lock_guard<std::mutex> lock(g_mu);
    g_pasv_listeners.push_back(l);
    g_pasv_ends.push_back(c);
    g_pasv_ends.push_back(a);
    ++opened;
  }
  return opened;
}

int PassiveClose() {
  std::lock_guard<std::mutex> lock(g_mu);
  for (int fd : g_pasv_listeners) close(fd);
  int closed = static_cast<int>(g_pasv_listeners.size());
  g_pasv_listeners.clear();
  return closed;
}

int CloseClientFirst(int port, long count, std::string* ports) {
  std::lock_guard<std::mutex> lock(g_mu);
  int closed = 0;
  for (auto it = g_clients.begin(); it != g_clients.end() && closed < count;) {
    if (it->remote_port == port) {
      *ports += " " + std::to_string(it->local_port);
      close(it->fd);
      it = g_clients.erase(it);
      ++closed;
    } else {
      ++it;
    }
  }
  return closed;
}

std::string Ports(const std::string& which) {
  std::lock_guard<std::mutex> lock(g_mu);
  std::string out;
  if (which == "bound" || which == "udp") {
    for (const Held& h : which == "bound" ? g_bound : g_udp)
      out += " " + std::to_string(h.local_port);
    return out;
  }
  int port = std::atoi(which.c_str());
  for (const Client& c : g_clients) {
    if (c.remote_port == port) out += " " + std::to_string(c.local_port);
  }
  return out;
}

int Release() {
  std::lock_guard<std::mutex> lock(g_mu);
  int closed = 0;
  linger abort_close{1, 0};
  for (const Client& c : g_clients) {
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
    close(c.fd);
    ++closed;
  }
  g_clients.clear();
  return closed;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--name") prctl(PR_SET_NAME, argv[i + 1]);
  }
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  std::thread(ServeLoop).detach();
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, a, b;
    in >> cmd;
    std::ostringstream reply;
    int err = 0;
    if (cmd == "listen") {
      int port;
      in >> a >> port;
      std::string e;
      int actual = Listen(a, port, &e);
      if (actual < 0) {
        reply << "error " << e;
      } else {
        reply << "ok " << actual;
      }
    } else if (cmd == "connect" || cmd == "udp") {
      int port;
      long count;
      in >> a >> port >> count;
      int n = Connect("", a, port, count,
                      cmd == "udp" ? SOCK_DGRAM : SOCK_STREAM, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "bindconnect") {
      int port;
      long count;
      in >> b >> a >> port >> count;
      int n = Connect(b, a, port, count, SOCK_STREAM, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "bindportconnect") {
      int lport, port;
      long count;
      in >> b >> lport >> a >> port >> count;
      int n = Connect(b, a, port, count, SOCK_STREAM, &err, lport);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "fill") {
      int port;
      in >> a >> port;
      int n = Connect("", a, port, 200000, SOCK_STREAM, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "bindfill") {
      int port, spread, n = 0;
      in >> b >> a >> port >> spread;
      while (n < 200000 && spread > 0 &&
             Connect(b, a, port + n % spread, 1, SOCK_STREAM, &err) == 1)
        ++n;
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "device") {
      in >> a;
      g_device = a == "-" ? "" : a;
      reply << "ok";
    } else if (cmd == "bind") {
      long count;
      in >> a >> count;
      int n = BindOnly(a, count, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "attempt" || cmd == "churn") {
      int port;
      long count;
      in >> a >> port >> count;
      int n = AttemptConnects(a, port, count, cmd == "churn", &err);
      reply << "ok " << (cmd == "churn" ? count - n : n) << " " << ErrName(err);
    } else if (cmd == "sendto") {
      int port;
      long count;
      in >> a >> port >> count;
      int n = SendUnbound(a, port, count, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "bindzero") {
      long count;
      std::string kind;
      in >> a >> count >> kind;
      int n =
          BindZero(a, count, kind == "udp" ? SOCK_DGRAM : SOCK_STREAM, &err);
      reply << "ok " << n << " " << ErrName(err);
    } else if (cmd == "close") {
      int port;
      long count;
      in >> port >> count;
      std::string ports;
      int n = CloseClientFirst(port, count, &ports);
      reply << "ok " << n << ports;
    } else if (cmd == "ports") {
      in >> a;
      reply << "ok" << Ports(a);
    } else if (cmd == "pasvopen") {
      long count;
      in >> a >> count;
      std::string ports;
      int n = PassiveOpen(a, count, &ports, &err);
      reply << "ok " << n << ports;
      if (err != 0) reply.str("error " + ErrName(err));
    } else if (cmd == "pasvclose") {
      reply << "ok " << PassiveClose();
    } else if (cmd == "release") {
      reply << "ok " << Release();
    } else if (cmd == "quit") {
      std::cout << "ok" << std::endl;
      return 0;
    } else {
      reply << "error unknown command";
    }
    std::cout << reply.str() << std::endl;
  }
  return 0;
}

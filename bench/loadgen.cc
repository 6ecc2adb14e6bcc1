// SPDX-License-Identifier: Apache-2.0
// Socket load for the scrape benchmark (bench/run.sh). Run it inside a
// private network namespace: it opens thousands of loopback connections.
//
// usage: epx_bench_load --connections=N [--per-worker=15000]
//          [--ipv6-every=10] [--sources=64] [--churn-rate=200] [--udp=200]
//          [--base-port=20000] [--timeout=300] [--pidfile=PATH]
//
// It forks one server worker and one client worker per --per-worker
// connections, so no process comes near the 20,000 open-file limit (a
// connection costs one descriptor on each side). Every worker closes the
// descriptors it inherited except its status pipe and dies with its parent.
//   server i   listens on 0.0.0.0:(base+1+i) and [::]:(base+1+i), accepts
//              and holds its share.
//   client i   connects its share to server i: IPv4 from source addresses
//              127.1.0.1 .. 127.1.0.<sources> (bind with
//              IP_BIND_ADDRESS_NO_PORT, so the port is picked at connect),
//              every <ipv6-every>-th connection from ::1 to [::1].
//   churn      a client connecting to 0.0.0.0:base and closing first,
//              <churn-rate> times a second (its sockets end in TIME_WAIT),
//              and the server that reads EOF and closes.
//   udp        <udp> sockets held by this process: half bound, half
//              connected; every tenth IPv6.
// Held TCP sockets have SO_LINGER 0, so stopping the load resets them
// instead of leaving hundreds of thousands of TIME_WAIT sockets behind.
//
// Output (stdout, one line each): "worker PID NAME" per worker, "progress N"
// while connecting, then "established N of M" and "ready" (or "ready
// partial" when the timeout hit first), "stopped" at the end. SIGTERM or
// SIGINT stops every worker by PID (SIGTERM, then SIGKILL after 10 s) and
// exits.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

struct Options {
  long connections = 10000;
  long per_worker = 15000;
  long ipv6_every = 10;  // 0: IPv4 only
  long sources = 64;
  long churn_rate = 200;  // per second, 0: no churn
  long udp = 200;
  long base_port = 20000;
  long timeout = 300;  // seconds to establish everything
  std::string pidfile;
};

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "epx_bench_load: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void RaiseFdLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Status line from a worker to the coordinator.
void Report(int fd, const std::string& line) {
  std::string text = line + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

[[noreturn]] void HoldForever() {
  for (;;) pause();
}

void SetLingerZero(int fd) {
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

sockaddr_in V4(uint32_t host_order_addr, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(host_order_addr);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

sockaddr_in6 V6(const in6_addr& addr, int port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = addr;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  return a;
}

int Listener(int family, int port) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (family == AF_INET) {
    sockaddr_in a = V4(INADDR_ANY, port);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 a = V6(in6addr_any, port);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0 || listen(fd, 65535) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// ---- workers (each runs in its own forked process) ----

// Accepts and holds connections; reports "accepted N" at most every 100 ms
// and whenever it reaches `expect`.
void ServerWorker(int status, int port, long expect) {
  int l4 = Listener(AF_INET, port);
  int l6 = Listener(AF_INET6, port);
  if (l4 < 0 || l6 < 0) {
    Report(status, "error listen port " + std::to_string(port) + ": " +
                       std::strerror(errno));
    HoldForever();
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int l : {l4, l6}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = l;
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  }
  Report(status, "listening");
  long accepted = 0;
  long reported = -1;
  double last_report = 0;
  bool full = false;
  for (;;) {
    epoll_event events[2];
    int n = epoll_wait(ep, events, 2, 100);
    for (int i = 0; i < n && !full; ++i) {
      for (;;) {
        int c = accept4(events[i].data.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
          if (errno == EMFILE || errno == ENFILE) {
            Report(status,
                   std::string("error accept: ") + std::strerror(errno));
            full = true;
          }
          break;
        }
        SetLingerZero(c);
        ++accepted;
      }
    }
    double t = Now();
    if (accepted != reported &&
        (accepted >= expect || t - last_report >= 0.1)) {
      Report(status, "accepted " + std::to_string(accepted));
      reported = accepted;
      last_report = t;
    }
    if (full) HoldForever();
  }
}

// Connects `count` connections to `port`; connection k (global index
// first+j) decides the family and source address.
void ClientWorker(int status, const Options& o, int port, long first,
                  long count) {
  in6_addr loop6 = in6addr_loopback;
  long done = 0;
  int last_err = 0;
  for (long j = 0; j < count; ++j) {
    long k = first + j;
    bool v6 = o.ipv6_every > 0 && k % o.ipv6_every == 0;
    bool ok = false;
    for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
      int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        last_err = errno;
        break;
      }
      SetLingerZero(fd);
      timeval tv{};
      tv.tv_sec = 5;
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      int rc;
      if (v6) {
        sockaddr_in6 dst = V6(loop6, port);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
      } else {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in src =
            V4(0x7F010000u + 1u + static_cast<uint32_t>(k % o.sources), 0);
        rc = bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
        if (rc == 0) {
          sockaddr_in dst = V4(INADDR_LOOPBACK, port);
          rc = connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
        }
      }
      if (rc == 0) {
        ok = true;
      } else {
        last_err = errno;
        close(fd);
        if (last_err == EMFILE || last_err == ENFILE) break;
      }
    }
    if (!ok) break;
    ++done;
    if (done % 5000 == 0) Report(status, "progress " + std::to_string(done));
  }
  std::string line = "done " + std::to_string(done);
  if (done < count) line += std::string(" ") + std::strerror(last_err);
  Report(status, line);
  HoldForever();
}

// Reads each accepted churn connection until EOF and closes it, so the
// client's close comes first and the client socket ends in TIME_WAIT.
void ChurnServerWorker(int status, int port) {
  int l4 = Listener(AF_INET, port);
  if (l4 < 0) {
    Report(status, std::string("error churn listen: ") + std::strerror(errno));
    HoldForever();
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = l4;
  epoll_ctl(ep, EPOLL_CTL_ADD, l4, &ev);
  Report(status, "listening");
  for (;;) {
    epoll_event events[64];
    int n = epoll_wait(ep, events, 64, 1000);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == l4) {
        for (;;) {
          int c = accept4(l4, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      char buf[256];
      ssize_t r;
      while ((r = read(fd, buf, sizeof buf)) > 0) {
      }
      if (r == 0 || (r < 0 && errno != EAGAIN)) close(fd);
    }
  }
}

// Connects and closes at a fixed rate; never bursts to catch up.
void ChurnClientWorker(int status, const Options& o, int port) {
  Report(status, "started");
  const long period_ns = 1000000000L / o.churn_rate;
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  long k = 0;
  for (;;) {
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      ++next.tv_sec;
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next.tv_sec + 1) next = now;  // fell behind: no burst
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    timeval tv{};
    tv.tv_sec = 2;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src =
        V4(0x7F010000u + 1u + static_cast<uint32_t>(k++ % o.sources), 0);
    sockaddr_in dst = V4(INADDR_LOOPBACK, port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0) {
      connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    }
    close(fd);
  }
}

// ---- coordinator ----

struct Worker {
  pid_t pid = -1;
  std::string name;
  int status_fd = -1;
  std::string pending;  // partial line
  bool listening = false;
  bool failed = false;
  long accepted = 0;  // server
  long done = -1;     // client: connections made, -1 while connecting
  bool exited = false;
};

std::vector<Worker> g_workers;
sigset_t g_blocked;

Worker& Spawn(const std::string& name, const std::function<void(int)>& body) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Die("pipe");
  pid_t parent = getpid();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    prctl(PR_SET_NAME, name.c_str());
    sigprocmask(SIG_UNBLOCK, &g_blocked, nullptr);
    if (fds[1] != 3) {
      dup2(fds[1], 3);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) dup2(devnull, 0);
    // Only stdio and the status pipe (fd 3) survive.
    syscall(SYS_close_range, 4U, ~0U, 0U);
    body(3);
    _exit(0);
  }
  close(fds[1]);
  Worker w;
  w.pid = pid;
  w.name = name;
  w.status_fd = fds[0];
  g_workers.push_back(w);
  std::printf("worker %d %s\n", static_cast<int>(pid), name.c_str());
  return g_workers.back();
}

void HandleLine(Worker& w, const std::string& line) {
  if (line == "listening" || line == "started") {
    w.listening = true;
  } else if (line.rfind("accepted ", 0) == 0) {
    w.accepted = std::atol(line.c_str() + 9);
  } else if (line.rfind("done ", 0) == 0) {
    w.done = std::atol(line.c_str() + 5);
    if (line.find(' ', 5) != std::string::npos) {
      std::printf("%s: %s\n", w.name.c_str(), line.c_str());
    }
  } else if (line.rfind("progress ", 0) == 0) {
    // Printed in aggregate by the coordinator.
  } else if (line.rfind("error", 0) == 0) {
    w.failed = true;
    std::printf("%s: %s\n", w.name.c_str(), line.c_str());
  }
}

// Reads every worker's status lines until `finished` holds or the deadline.
bool Pump(double deadline, const std::function<bool()>& finished) {
  while (!finished()) {
    double left = deadline - Now();
    if (left <= 0) return false;
    std::vector<pollfd> pfds;
    std::vector<size_t> index;
    for (size_t i = 0; i < g_workers.size(); ++i) {
      if (g_workers[i].status_fd < 0) continue;
      pfds.push_back({g_workers[i].status_fd, POLLIN, 0});
      index.push_back(i);
    }
    if (pfds.empty()) return finished();
    int wait_ms = static_cast<int>(left * 1000) + 1;
    if (wait_ms > 200) wait_ms = 200;
    int n = poll(pfds.data(), pfds.size(), wait_ms);
    if (n < 0 && errno != EINTR) Die("poll");
    for (size_t p = 0; p < pfds.size() && n > 0; ++p) {
      if (pfds[p].revents == 0) continue;
      Worker& w = g_workers[index[p]];
      char buf[4096];
      ssize_t r = read(w.status_fd, buf, sizeof buf);
      if (r <= 0) {
        close(w.status_fd);
        w.status_fd = -1;
        if (w.done < 0 && !w.listening) w.failed = true;
        continue;
      }
      w.pending.append(buf, static_cast<size_t>(r));
      size_t nl;
      while ((nl = w.pending.find('\n')) != std::string::npos) {
        HandleLine(w, w.pending.substr(0, nl));
        w.pending.erase(0, nl + 1);
      }
    }
  }
  return true;
}

void StopAll() {
  // Clients first, so their resets reach live servers.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& w : g_workers) {
      bool client = w.name.rfind("epx-cli", 0) == 0;
      if (!w.exited && client == (pass == 0)) kill(w.pid, SIGTERM);
    }
  }
  for (int sig : {SIGTERM, SIGKILL}) {
    double deadline = Now() + 10;
    for (;;) {
      bool all = true;
      for (auto& w : g_workers) {
        if (w.exited) continue;
        pid_t r = waitpid(w.pid, nullptr, WNOHANG);
        if (r == w.pid || (r < 0 && errno == ECHILD)) {
          w.exited = true;
        } else {
          all = false;
        }
      }
      if (all || Now() > deadline) break;
      usleep(20000);
    }
    if (sig == SIGKILL) break;
    for (auto& w : g_workers) {
      if (!w.exited) kill(w.pid, SIGKILL);
    }
  }
}

bool ParseLong(const char* arg, const char* name, long* out) {
  size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(arg + len + 1, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0) {
    std::fprintf(stderr, "epx_bench_load: bad value in %s\n", arg);
    std::exit(2);
  }
  *out = v;
  return true;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (ParseLong(a, "--connections", &o.connections) ||
        ParseLong(a, "--per-worker", &o.per_worker) ||
        ParseLong(a, "--ipv6-every", &o.ipv6_every) ||
        ParseLong(a, "--sources", &o.sources) ||
        ParseLong(a, "--churn-rate", &o.churn_rate) ||
        ParseLong(a, "--udp", &o.udp) ||
        ParseLong(a, "--base-port", &o.base_port) ||
        ParseLong(a, "--timeout", &o.timeout)) {
      continue;
    }
    if (std::strncmp(a, "--pidfile=", 10) == 0) {
      o.pidfile = a + 10;
      continue;
    }
    std::fprintf(stderr, "epx_bench_load: unknown argument %s\n", a);
    std::exit(2);
  }
  if (o.per_worker < 1 || o.per_worker > 18000 || o.sources < 1 ||
      o.sources > 65000 || o.base_port < 1024) {
    std::fprintf(stderr,
                 "epx_bench_load: need 1 <= per-worker <= 18000, "
                 "1 <= sources <= 65000, base-port >= 1024\n");
    std::exit(2);
  }
  long pairs = (o.connections + o.per_worker - 1) / o.per_worker;
  if (o.base_port + pairs + 1 > 65535) {
    std::fprintf(stderr, "epx_bench_load: too many workers for base-port\n");
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  RaiseFdLimit();
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&g_blocked);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&g_blocked, s);
  sigprocmask(SIG_BLOCK, &g_blocked, nullptr);

  const int churn_port = static_cast<int>(o.base_port);
  const long pairs = (o.connections + o.per_worker - 1) / o.per_worker;
  const double start = Now();
  const double deadline = start + static_cast<double>(o.timeout);

  if (o.churn_rate > 0) {
    Spawn("epx-churn-srv", [&](int s) { ChurnServerWorker(s, churn_port); });
  }
  std::vector<size_t> servers;
  std::vector<size_t> clients;
  for (long i = 0; i < pairs; ++i) {
    long share = std::min(o.per_worker, o.connections - i * o.per_worker);
    int port = static_cast<int>(o.base_port + 1 + i);
    Spawn("epx-srv-" + std::to_string(i),
          [&](int s) { ServerWorker(s, port, share); });
    servers.push_back(g_workers.size() - 1);
  }
  bool ok = Pump(std::min(deadline, Now() + 30), [&] {
    for (auto& w : g_workers) {
      if (!w.listening && !w.failed) return false;
    }
    return true;
  });
  for (auto& w : g_workers) ok = ok && !w.failed;
  if (!ok) {
    std::printf("error: servers did not start listening\n");
    StopAll();
    std::printf("stopped\n");
    return 1;
  }
  for (long i = 0; i < pairs; ++i) {
    long share = std::min(o.per_worker, o.connections - i * o.per_worker);
    int port = static_cast<int>(o.base_port + 1 + i);
    long first = i * o.per_worker;
    Spawn("epx-cli-" + std::to_string(i),
          [&](int s) { ClientWorker(s, o, port, first, share); });
    clients.push_back(g_workers.size() - 1);
  }
  if (o.churn_rate > 0) {
    Spawn("epx-churn-cli", [&](int s) { ChurnClientWorker(s, o, churn_port); });
  }

  // UDP sockets held by the coordinator itself.
  std::vector<int> udp;
  for (long i = 0; i < o.udp; ++i) {
    bool v6 = i % 10 == 9;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    int rc;
    if (v6) {
      sockaddr_in6 a = V6(in6addr_loopback, 0);
      rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      if (rc == 0 && i % 2 == 1) {
        sockaddr_in6 d = V6(in6addr_loopback, churn_port);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&d), sizeof d);
      }
    } else {
      sockaddr_in a = V4(INADDR_LOOPBACK, 0);
      rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      if (rc == 0 && i % 2 == 1) {
        sockaddr_in d = V4(INADDR_LOOPBACK, churn_port);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&d), sizeof d);
      }
    }
    if (rc != 0) {
      close(fd);
      break;
    }
    udp.push_back(fd);
  }

  if (!o.pidfile.empty()) {
    FILE* f = std::fopen(o.pidfile.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      for (auto& w : g_workers) std::fprintf(f, "%d\n", w.pid);
      std::fclose(f);
    }
  }

  // Wait until every pair is complete: the client finished (or gave up) and
  // its server accepted what the client connected.
  long last_progress = -1;
  double last_print = 0;
  auto complete = [&] {
    long connected = 0;
    bool all = true;
    for (long i = 0; i < pairs; ++i) {
      Worker& c = g_workers[clients[i]];
      Worker& s = g_workers[servers[i]];
      connected += std::min(c.done >= 0 ? c.done : s.accepted, s.accepted);
      if (c.failed || s.failed) continue;
      if (c.done < 0 || s.accepted < c.done) all = false;
    }
    double t = Now();
    if (connected != last_progress && t - last_print >= 2) {
      std::printf("progress %ld\n", connected);
      last_progress = connected;
      last_print = t;
    }
    return all;
  };
  bool complete_in_time = Pump(deadline, complete);
  long established = 0;
  for (long i = 0; i < pairs; ++i) {
    Worker& c = g_workers[clients[i]];
    Worker& s = g_workers[servers[i]];
    established += std::min(c.done >= 0 ? c.done : s.accepted, s.accepted);
  }
  std::printf("established %ld of %ld in %.1f s, udp %zu\n", established,
              o.connections, Now() - start, udp.size());
  std::printf(complete_in_time && established == o.connections
                  ? "ready\n"
                  : "ready partial\n");

  // Hold until told to stop; note workers that die on their own.
  for (;;) {
    siginfo_t info{};
    int sig = sigwaitinfo(&g_blocked, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      pid_t pid;
      while ((pid = waitpid(-1, nullptr, WNOHANG)) > 0) {
        for (auto& w : g_workers) {
          if (w.pid == pid) {
            w.exited = true;
            std::printf("worker %d %s exited\n", pid, w.name.c_str());
          }
        }
      }
      continue;
    }
    break;
  }
  StopAll();
  for (int fd : udp) close(fd);
  std::printf("stopped\n");
  return 0;
}

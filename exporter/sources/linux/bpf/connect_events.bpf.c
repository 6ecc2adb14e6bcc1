// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/* Counts what the pool running dry does to applications, in the kernel:
   TCP connect() failing for lack of a local port, outbound TCP connects per
   process, bind() to port 0 failing with EADDRINUSE and UDP sends or
   connect()s failing to autobind. Sockets of the network namespace
   target_netns count in totals, processes and destinations; with
   other_namespaces set, those of every other namespace count in the
   namespace_* maps, keyed by namespace inode and cookie. Aggregated in bounded
   maps; user space reads counts only.

   TCP uses the sock:inet_sock_set_state BTF tracepoint (no tracefs; it
   fires on TCP state changes only): tcp_v4_connect()/tcp_v6_connect() move
   the socket to SYN_SENT before choosing a port and back to CLOSE when
   inet_hash_connect() finds none, still in the caller's context and with no
   local port. UDP sends use sock:sock_send_length (every sendmsg() path,
   kernel 6.3 and later): a send that fails with EAGAIN and leaves the
   socket without a port failed to autobind; the destination is read from
   the system call's arguments. bind() and UDP connect() use the syscall
   tracepoints, which need tracefs; without it that part stays off. CO-RE
   against the running kernel's BTF. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "connect_events.h"

#define EPX_EADDRINUSE 98
#define EPX_EAGAIN 11
#define EPX_AF_INET 2
#define EPX_AF_INET6 10
#define EPX_S_IFMT 00170000
#define EPX_S_IFSOCK 0140000

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_netns = 0;
const volatile __u8 other_namespaces = 0;

/* A socket's network namespace: inode and cookie. */
struct epx_ns {
  __u64 cookie;
  __u32 inum;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, EPX_TOTAL_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} totals SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, EPX_MAX_PROCESSES);
  __type(key, struct epx_process_key);
  __type(value, struct epx_process_counts);
} processes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, EPX_MAX_DESTINATIONS);
  __type(key, struct epx_destination_key);
  __type(value, __u64);
} destinations SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, EPX_MAX_NAMESPACES);
  __type(key, struct epx_namespace_key);
  __type(value, struct epx_namespace_counts);
} namespace_totals SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, EPX_MAX_NAMESPACE_PROCESSES);
  __type(key, struct epx_namespace_process_key);
  __type(value, struct epx_process_counts);
} namespace_processes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, EPX_MAX_NAMESPACE_DESTINATIONS);
  __type(key, struct epx_namespace_destination_key);
  __type(value, __u64);
} namespace_destinations SEC(".maps");

/* A bind() to port 0 or a UDP connect() in flight, by thread: the socket's
   protocol (IPPROTO_*), its namespace and the address the call names (user
   space). */
struct epx_pending {
  __u64 addr;
  struct epx_ns ns;
  __u8 protocol;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct epx_pending);
} pending SEC(".maps");

static __always_inline void add_total(__u32 index) {
  __u64* value = bpf_map_lookup_elem(&totals, &index);
  if (value) *value += 1;
}

/* The namespace of sk; the cookie is read only for another namespace (it
   is struct net's net_cookie, 0 on kernels before 5.14). */
static __always_inline struct epx_ns netns_of(const struct sock* sk) {
  struct net* net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
  struct epx_ns ns = {};
  ns.inum = BPF_CORE_READ(net, ns.inum);
  if (ns.inum != target_netns && bpf_core_field_exists(net->net_cookie))
    BPF_CORE_READ_INTO(&ns.cookie, net, net_cookie);
  return ns;
}

/* Whether events of namespace ns are counted at all. */
static __always_inline int counted(struct epx_ns ns) {
  return ns.inum == target_netns || other_namespaces;
}

/* The entry of key in map, created zeroed if missing; NULL (and the drop
   counted) when the map is full. */
static __always_inline void* entry(void* map, const void* key, const void* zero,
                                   __u32 dropped) {
  void* value = bpf_map_lookup_elem(map, key);
  if (value) return value;
  bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
  value = bpf_map_lookup_elem(map, key);
  if (!value) add_total(dropped);
  return value;
}

/* Counts one event of the epx_total kind index in namespace ns. */
static __always_inline void count_total(struct epx_ns ns, __u32 index) {
  if (ns.inum == target_netns) {
    add_total(index);
    return;
  }
  struct epx_namespace_key key = {};
  key.cookie = ns.cookie;
  key.netns = ns.inum;
  struct epx_namespace_counts zero = {};
  struct epx_namespace_counts* counts =
      entry(&namespace_totals, &key, &zero, EPX_NAMESPACES_DROPPED);
  if (counts && index < EPX_NAMESPACE_TOTAL_COUNT)
    __sync_fetch_and_add(&counts->totals[index], 1);
}

enum { EPX_FAILED, EPX_ATTEMPT, EPX_PORT_ZERO_FAILED };

static __always_inline void add_process(struct epx_ns ns, int which) {
  struct epx_namespace_process_key key = {};
  key.cookie = ns.cookie;
  key.netns = ns.inum;
  key.process.pid = bpf_get_current_pid_tgid() >> 32;
  bpf_get_current_comm(key.process.comm, sizeof key.process.comm);
  struct epx_process_counts zero = {};
  struct epx_process_counts* counts =
      ns.inum == target_netns
          ? entry(&processes, &key.process, &zero, EPX_PROCESSES_DROPPED)
          : entry(&namespace_processes, &key, &zero,
                  EPX_NAMESPACE_PROCESSES_DROPPED);
  if (!counts) return;
  if (which == EPX_FAILED)
    __sync_fetch_and_add(&counts->connect_failed, 1);
  else if (which == EPX_ATTEMPT)
    __sync_fetch_and_add(&counts->connect_attempts, 1);
  else
    __sync_fetch_and_add(&counts->port_zero_failed, 1);
}

static __always_inline void count_destination(
    struct epx_ns ns, const struct epx_destination_key* key) {
  __u64 zero = 0;
  __u64* count;
  if (ns.inum == target_netns) {
    count = entry(&destinations, key, &zero, EPX_DESTINATIONS_DROPPED);
  } else {
    struct epx_namespace_destination_key nkey = {};
    nkey.cookie = ns.cookie;
    nkey.netns = ns.inum;
    nkey.destination = *key;
    count = entry(&namespace_destinations, &nkey, &zero,
                  EPX_NAMESPACE_DESTINATIONS_DROPPED);
  }
  if (count) __sync_fetch_and_add(count, 1);
}

static __always_inline void add_destination(const struct sock* sk,
                                            struct epx_ns ns, int family) {
  struct epx_destination_key key = {};
  key.protocol = IPPROTO_TCP;
  key.port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
  __u32 v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
  if (family == EPX_AF_INET6) {
    BPF_CORE_READ_INTO(&key.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    key.family = 6;
    /* A v4-mapped connect (tcp_v4_connect on an IPv6 socket) sets only
       the IPv4 destination. */
    int unset = 1;
    for (int i = 0; i < 16; i++) unset &= key.addr[i] == 0;
    if (unset && v4 != 0) family = EPX_AF_INET;
  }
  if (family == EPX_AF_INET) {
    __builtin_memset(key.addr, 0, sizeof key.addr);
    __builtin_memcpy(key.addr, &v4, 4);
    key.family = 4;
  }
  count_destination(ns, &key);
}

/* The two transitions that matter are picked from the arguments alone, so
   the many other TCP state changes cost no memory read. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock* sk, int oldstate,
             int newstate) {
  int begins = oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT;
  if (!begins && !(oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE)) return 0;
  if (sk->sk_protocol != IPPROTO_TCP) return 0;
  struct epx_ns ns = netns_of(sk);
  if (!counted(ns)) return 0;
  int family = BPF_CORE_READ(sk, __sk_common.skc_family);
  int v6 = family == EPX_AF_INET6;
  if (begins) {
    count_total(ns, v6 ? EPX_TCP6_CONNECT_ATTEMPTS : EPX_TCP4_CONNECT_ATTEMPTS);
    add_process(ns, EPX_ATTEMPT);
  } else if (sk->__sk_common.skc_num == 0) {
    count_total(ns, v6 ? EPX_TCP6_CONNECT_FAILED : EPX_TCP4_CONNECT_FAILED);
    add_process(ns, EPX_FAILED);
    add_destination(sk, ns, family);
  }
  return 0;
}

/* The socket behind descriptor fd of the current task, or NULL. */
static __always_inline struct sock* sock_of_fd(int fd) {
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds)) return 0;
  struct file** fds = BPF_CORE_READ(fdt, fd);
  struct file* file = 0;
  bpf_probe_read_kernel(&file, sizeof file, &fds[fd]);
  if (!file) return 0;
  umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
  if ((mode & EPX_S_IFMT) != EPX_S_IFSOCK) return 0;
  struct socket* sock = BPF_CORE_READ(file, private_data);
  return BPF_CORE_READ(sock, sk);
}

static __always_inline void remember(int fd, int want_protocol, __u64 addr) {
  struct sock* sk = sock_of_fd(fd);
  if (!sk) return;
  struct epx_pending call = {.addr = addr, .ns = netns_of(sk)};
  if (!counted(call.ns)) return;
  call.protocol = BPF_CORE_READ(sk, sk_protocol);
  if (want_protocol && call.protocol != want_protocol) return;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_update_elem(&pending, &tid, &call, BPF_ANY);
}

static __always_inline struct epx_pending take(void) {
  struct epx_pending call = {};
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct epx_pending* found = bpf_map_lookup_elem(&pending, &tid);
  if (!found) return call;
  call = *found;
  bpf_map_delete_elem(&pending, &tid);
  return call;
}

/* Counts one UDP destination given as a user-space sockaddr; v4-mapped IPv6
   addresses count as IPv4. */
static __always_inline void add_udp_destination(struct epx_ns ns,
                                                const void* uaddr) {
  struct sockaddr_in6 a = {};
  if (!uaddr || bpf_probe_read_user(&a, sizeof a, uaddr) != 0) return;
  struct epx_destination_key key = {};
  key.protocol = IPPROTO_UDP;
  key.port = __builtin_bswap16(a.sin6_port);
  if (a.sin6_family == EPX_AF_INET) {
    struct sockaddr_in* v4 = (struct sockaddr_in*)&a;
    __builtin_memcpy(key.addr, &v4->sin_addr.s_addr, 4);
    key.family = 4;
  } else if (a.sin6_family == EPX_AF_INET6) {
    const __u8* b = a.sin6_addr.in6_u.u6_addr8;
    int mapped = b[10] == 0xff && b[11] == 0xff;
    for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
    if (mapped) {
      __builtin_memcpy(key.addr, b + 12, 4);
      key.family = 4;
    } else {
      __builtin_memcpy(key.addr, b, 16);
      key.family = 6;
    }
  } else {
    return;
  }
  count_destination(ns, &key);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int bind_enter(struct trace_event_raw_sys_enter* ctx) {
  struct sockaddr_in* addr = (struct sockaddr_in*)ctx->args[1];
  struct sockaddr_in a = {};
  if (bpf_probe_read_user(&a, sizeof a, addr) != 0) return 0;
  if ((a.sin_family != EPX_AF_INET && a.sin_family != EPX_AF_INET6) ||
      a.sin_port != 0) {
    return 0;
  }
  remember((int)ctx->args[0], 0, 0);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int bind_exit(struct trace_event_raw_sys_exit* ctx) {
  struct epx_pending call = take();
  if (!call.protocol || ctx->ret != -EPX_EADDRINUSE) return 0;
  if (call.protocol == IPPROTO_TCP)
    count_total(call.ns, EPX_TCP_BIND_FAILED);
  else if (call.protocol == IPPROTO_UDP)
    count_total(call.ns, EPX_UDP_BIND_FAILED);
  else
    return 0;
  add_process(call.ns, EPX_PORT_ZERO_FAILED);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect_enter(struct trace_event_raw_sys_enter* ctx) {
  remember((int)ctx->args[0], IPPROTO_UDP, ctx->args[1]);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect_exit(struct trace_event_raw_sys_exit* ctx) {
  struct epx_pending call = take();
  if (call.protocol != IPPROTO_UDP || ctx->ret != -EPX_EAGAIN) return 0;
  count_total(call.ns, EPX_UDP_AUTOBIND_FAILED);
  add_process(call.ns, EPX_PORT_ZERO_FAILED);
  add_udp_destination(call.ns, (const void*)call.addr);
  return 0;
}

#define EPX_NR_SENDTO 44
#define EPX_NR_SENDMSG 46
#define EPX_NR_SENDMMSG 307

/* The user-space destination address the current send system call names
   (sendto(), sendmsg(), or the first message of sendmmsg(), the one that
   autobinds), or 0 when it names none (an io_uring send, a sendto()
   without address). x86-64 system call numbers and registers. */
static __always_inline const void* send_destination(void) {
#if defined(__TARGET_ARCH_x86)
  struct pt_regs* regs =
      (struct pt_regs*)bpf_task_pt_regs(bpf_get_current_task_btf());
  long nr = regs->orig_ax;
  if (nr == EPX_NR_SENDTO) return (const void*)regs->r8;
  if (nr == EPX_NR_SENDMSG || nr == EPX_NR_SENDMMSG) {
    /* msg_name is the first member of both user_msghdr and mmsghdr. */
    const void* name = 0;
    bpf_probe_read_user(&name, sizeof name, (const void*)regs->si);
    return name;
  }
#endif
  return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock* sk, int ret, int flags) {
  if (ret != -EPX_EAGAIN || sk->sk_protocol != IPPROTO_UDP ||
      sk->__sk_common.skc_num != 0) {
    return 0;
  }
  struct epx_ns ns = netns_of(sk);
  if (!counted(ns)) return 0;
  count_total(ns, EPX_UDP_AUTOBIND_FAILED);
  add_process(ns, EPX_PORT_ZERO_FAILED);
  add_udp_destination(ns, send_destination());
  return 0;
}

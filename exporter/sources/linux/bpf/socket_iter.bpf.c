// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/* Socket iterators of the BPF socket source: one record per TCP and UDP
   socket of this network namespace (the iterator walks the reader's own
   namespace; target_netns checks it again), with what inet_diag cannot
   tell: whether the port's bind bucket refuses every connect(), the
   socket's IP_LOCAL_PORT_RANGE, SO_REUSEADDR/SO_REUSEPORT and whether a
   TIME_WAIT socket holds the peer's timestamp. A task-file iterator maps
   those sockets' inodes to processes. CO-RE against the running kernel's
   BTF. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "socket_iter.h"

#define EPX_AF_INET 2
#define EPX_AF_INET6 10
#define EPX_TCP_SYN_RECV 3
#define EPX_TCP_TIME_WAIT 6
#define EPX_TCP_NEW_SYN_RECV 12

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_netns = 0;
/* Jiffies per second, for timewait timers (0 when the kernel's config
   cannot be read: expires_ms is then not known). */
extern unsigned int CONFIG_HZ __kconfig __weak;
/* Level of the reader's pid namespace: owners are named by the pids the
   reader sees in /proc. */
const volatile __u32 pid_level = 0;

/* The iterator hands trusted BTF pointers: fields are read with direct
   (fault-safe) loads, not a helper call each. */
static __always_inline int foreign(const struct sock_common* skc) {
  return target_netns != 0 && skc->skc_net.net->ns.inum != target_netns;
}

static __always_inline void fill_common(struct epx_socket_record* r,
                                        const struct sock_common* skc) {
  r->family = skc->skc_family;
  r->state = skc->skc_state;
  r->local_port = skc->skc_num;
  r->remote_port = __builtin_bswap16(skc->skc_dport);
  r->bound_dev_if = skc->skc_bound_dev_if;
  if (r->family == EPX_AF_INET6) {
    __builtin_memcpy(r->local_addr, &skc->skc_v6_rcv_saddr, 16);
    __builtin_memcpy(r->remote_addr, &skc->skc_v6_daddr, 16);
  } else {
    __u32 local = skc->skc_rcv_saddr;
    __u32 remote = skc->skc_daddr;
    __builtin_memcpy(r->local_addr, &local, 4);
    __builtin_memcpy(r->remote_addr, &remote, 4);
  }
}

static __always_inline void fill_full(struct epx_socket_record* r,
                                      const struct sock* sk) {
  r->flags |= EPX_SOCKET_FULL;
  /* The inode sits beside the socket (socket_alloc): one cache line away
     instead of three pointers (file, f_inode) further. */
  struct socket* so = sk->sk_socket;
  if (so) {
    struct socket_alloc* alloc = container_of(so, struct socket_alloc, socket);
    r->inode = BPF_CORE_READ(alloc, vfs_inode.i_ino);
  }
  if (BPF_CORE_READ_BITFIELD(&sk->__sk_common, skc_reuse))
    r->flags |= EPX_SOCKET_REUSEADDR;
  if (BPF_CORE_READ_BITFIELD(&sk->__sk_common, skc_reuseport))
    r->flags |= EPX_SOCKET_REUSEPORT;
  /* 6.8+: a u32, high << 16 | low; 6.3-6.7: struct { u16 lo, hi; }, the
     same four bytes. Only the offset is relocated. */
  if (bpf_core_field_exists(((struct inet_sock*)0)->local_port_range)) {
    __u32 range = 0;
    bpf_core_read(&range, sizeof(range),
                  &((const struct inet_sock*)sk)->local_port_range);
    r->range_low = range & 0xffff;
    r->range_high = range >> 16;
  }
}

static __always_inline void bucket_flag(struct epx_socket_record* r,
                                        const struct inet_bind_bucket* tb) {
  if (tb && (tb->fastreuse >= 0 || tb->fastreuseport >= 0))
    r->flags |= EPX_SOCKET_BIND_BUCKET;
}

SEC("iter/tcp")
int tcp_sockets(struct bpf_iter__tcp* ctx) {
  struct sock_common* skc = ctx->sk_common;
  if (!skc || foreign(skc)) return 0;
  struct epx_socket_record r = {};
  r.protocol = EPX_SOCKET_TCP;
  fill_common(&r, skc);
  if (r.state == EPX_TCP_TIME_WAIT) {
    struct tcp_timewait_sock* tw = bpf_skc_to_tcp_timewait_sock(skc);
    if (!tw) return 0;
    r.state = tw->tw_sk.tw_substate;
    r.flags |= EPX_SOCKET_TIMEWAIT;
    /* As inet_diag: jiffies_delta_to_msecs(tw_timer.expires - jiffies). */
    if (CONFIG_HZ != 0) {
      long delta = (long)(tw->tw_sk.tw_timer.expires - bpf_jiffies64());
      r.expires_ms = delta > 0 ? (__u32)((__u64)delta * 1000 / CONFIG_HZ) : 0;
      r.flags |= EPX_SOCKET_EXPIRES;
    }
    if (tw->tw_ts_recent_stamp != 0) r.flags |= EPX_SOCKET_TIMESTAMPS;
    bucket_flag(&r, tw->tw_sk.tw_tb);
  } else if (r.state == EPX_TCP_NEW_SYN_RECV) {
    r.state = EPX_TCP_SYN_RECV;
  } else {
    struct tcp_sock* tp = bpf_skc_to_tcp_sock(skc);
    if (!tp) return 0;
    const struct sock* sk = (const struct sock*)tp;
    fill_full(&r, sk);
    bucket_flag(&r, tp->inet_conn.icsk_bind_hash);
  }
  bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
  return 0;
}

SEC("iter/udp")
int udp_sockets(struct bpf_iter__udp* ctx) {
  struct udp_sock* up = ctx->udp_sk;
  if (!up) return 0;
  const struct sock* sk = (const struct sock*)up;
  if (foreign(&sk->__sk_common)) return 0;
  struct epx_socket_record r = {};
  r.protocol = EPX_SOCKET_UDP;
  fill_common(&r, &sk->__sk_common);
  fill_full(&r, sk);
  bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
  return 0;
}

/* The kernel skips threads that share their leader's descriptor table, so
   a process is seen once; a thread with a table of its own (or the threads
   of an exited leader) repeat the process's pid, which the reader drops. */
SEC("iter/task_file")
int socket_owners(struct bpf_iter__task_file* ctx) {
  struct task_struct* task = ctx->task;
  struct file* file = ctx->file;
  if (!task || !file) return 0;
  struct socket* so = bpf_sock_from_file(file);
  if (!so) return 0;
  const struct sock* sk = so->sk;
  if (!sk) return 0;
  __u16 family = sk->__sk_common.skc_family;
  if (family != EPX_AF_INET && family != EPX_AF_INET6) return 0;
  if (foreign(&sk->__sk_common)) return 0;
  struct pid* leader = BPF_CORE_READ(task, group_leader, thread_pid);
  struct upid upid = {};
  if (!leader ||
      bpf_core_read(&upid, sizeof(upid), &leader->numbers[pid_level]) != 0)
    return 0;
  struct epx_owner_record r = {};
  r.inode = file->f_inode->i_ino;
  r.pid = (__u32)upid.nr;
  bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
  return 0;
}

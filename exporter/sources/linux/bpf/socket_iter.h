// SPDX-License-Identifier: Apache-2.0
/* The record socket_iter.bpf.c writes for each socket through the
   iterator's fd, read by the BPF socket source (plain C, so both the BPF
   program and C++ include it). Fixed size, host byte order. */
#pragma once

/* Shared with the BPF program: C names and C integer types, as the
   kernel's. */
/* NOLINTBEGIN(readability-identifier-naming, google-runtime-int) */

#define EPX_SOCKET_TCP 6
#define EPX_SOCKET_UDP 17

/* epx_socket_record.flags */
#define EPX_SOCKET_FULL 0x01 /* a full socket (not timewait/request) */
#define EPX_SOCKET_BIND_BUCKET                                            \
  0x02                            /* its port's bind bucket refuses every \
                                     connect(): made by bind/listen/accept */
#define EPX_SOCKET_REUSEADDR 0x04 /* SO_REUSEADDR */
#define EPX_SOCKET_REUSEPORT 0x08 /* SO_REUSEPORT */
#define EPX_SOCKET_TIMESTAMPS          \
  0x10 /* TIME_WAIT holding the peer's \
          timestamp (tw_ts_recent_stamp) */
#define EPX_SOCKET_TIMEWAIT                                                 \
  0x20                          /* a timewait object (TIME_WAIT, FIN_WAIT2) \
                                 */
#define EPX_SOCKET_EXPIRES 0x40 /* expires_ms is known */

struct epx_socket_record {
  unsigned char protocol; /* EPX_SOCKET_TCP or EPX_SOCKET_UDP */
  unsigned char family;   /* AF_INET (2) or AF_INET6 (10) */
  unsigned char state;    /* as inet_diag reports it (TCP_*) */
  unsigned char flags;    /* EPX_SOCKET_* */
  unsigned short local_port;
  unsigned short remote_port;
  unsigned short range_low; /* IP_LOCAL_PORT_RANGE, 0 when unset */
  unsigned short range_high;
  unsigned int bound_dev_if;    /* SO_BINDTODEVICE ifindex, 0 if none */
  unsigned long long inode;     /* 0 for timewait and request sockets */
  unsigned char local_addr[16]; /* IPv4 in the first 4 bytes */
  unsigned char remote_addr[16];
  unsigned int expires_ms; /* timewait objects: ms until their timer fires */
  unsigned int reserved;
};

/* The record of the task-file iterator: one per descriptor of a TCP or UDP
   socket of this network namespace. */
struct epx_owner_record {
  unsigned long long inode;
  unsigned int pid; /* the process (tgid) in the reader's pid namespace */
  unsigned int reserved;
};

/* NOLINTEND(readability-identifier-naming, google-runtime-int) */

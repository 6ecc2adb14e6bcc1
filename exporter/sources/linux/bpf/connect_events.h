// SPDX-License-Identifier: Apache-2.0
/* Records shared by connect_events.bpf.c and the collector that reads its
   maps (plain C, so both the BPF program and C++ include it). */
#pragma once

/* Shared with the BPF program: C names and C integer types, as the
   kernel's. */
/* NOLINTBEGIN(readability-identifier-naming, google-runtime-int) */

#define EPX_MAX_PROCESSES 4096
#define EPX_MAX_DESTINATIONS 4096
#define EPX_COMM_LEN 16

/* Indexes of the `totals` per-CPU array. */
enum epx_total {
  EPX_TCP4_CONNECT_FAILED = 0, /* connect() found no local port, IPv4 */
  EPX_TCP6_CONNECT_FAILED,     /* the same, IPv6 */
  EPX_TCP4_CONNECT_ATTEMPTS,   /* outbound TCP connects begun (SYN_SENT) */
  EPX_TCP6_CONNECT_ATTEMPTS,
  EPX_TCP_BIND_FAILED,      /* bind() to port 0 -> EADDRINUSE, TCP */
  EPX_UDP_BIND_FAILED,      /* the same, UDP */
  EPX_UDP_AUTOBIND_FAILED,  /* UDP send or connect() found no port */
  EPX_PROCESSES_DROPPED,    /* process map full: event not attributed */
  EPX_DESTINATIONS_DROPPED, /* destination map full */
  EPX_TOTAL_COUNT,
};

struct epx_process_key {
  unsigned int pid; /* thread group id */
  char comm[EPX_COMM_LEN];
};

struct epx_process_counts {
  unsigned long long connect_failed;
  unsigned long long connect_attempts; /* connects = attempts - failed */
  unsigned long long port_zero_failed;
};

struct epx_destination_key {
  unsigned char family;   /* 4 or 6 */
  unsigned char protocol; /* IPPROTO_TCP or IPPROTO_UDP */
  unsigned short port;    /* host order */
  unsigned char addr[16];
};

/* NOLINTEND(readability-identifier-naming, google-runtime-int) */

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
/* Other network namespaces (counted only when asked to). */
#define EPX_MAX_NAMESPACES 1024
#define EPX_MAX_NAMESPACE_PROCESSES 4096
#define EPX_MAX_NAMESPACE_DESTINATIONS 4096

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
  EPX_NAMESPACES_DROPPED,   /* namespace map full: event not counted */
  EPX_NAMESPACE_PROCESSES_DROPPED,
  EPX_NAMESPACE_DESTINATIONS_DROPPED,
  EPX_TOTAL_COUNT,
};

/* The totals one other namespace keeps: indexes below this one. */
#define EPX_NAMESPACE_TOTAL_COUNT (EPX_UDP_AUTOBIND_FAILED + 1)

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

/* Counts of one network namespace other than the exporter's, by epx_total
   index. */
struct epx_namespace_counts {
  unsigned long long totals[EPX_NAMESPACE_TOTAL_COUNT];
};

/* A namespace: its inode, which the kernel hands out again once the
   namespace is gone, and its cookie (struct net's net_cookie, never reused
   while the kernel runs, Linux 5.14+; 0 before). */
struct epx_namespace_key {
  unsigned long long cookie;
  unsigned int netns; /* namespace inode */
  unsigned int unused;
};

struct epx_namespace_process_key {
  unsigned long long cookie;
  unsigned int netns;
  struct epx_process_key process;
};

struct epx_namespace_destination_key {
  unsigned long long cookie;
  unsigned int netns;
  struct epx_destination_key destination;
};

/* NOLINTEND(readability-identifier-naming, google-runtime-int) */

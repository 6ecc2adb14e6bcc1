// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

#include "model/ip_address.h"

namespace epx {

/// Transport protocol of a socket.
enum class Protocol : std::uint8_t { kTcp, kUdp };

/// Returns "tcp" or "udp".
const char* ProtocolName(Protocol protocol);

/// Socket state, the union of Linux and Windows TCP states plus UDP's two.
enum class SocketState : std::uint8_t {
  kEstablished,
  kSynSent,
  kSynRecv,
  kFinWait1,
  kFinWait2,
  kTimeWait,
  kClose,
  kCloseWait,
  kLastAck,
  kListen,
  kClosing,
  kNewSynRecv,
  kBound,
  kDeleteTcb,
  kUnconnected,
};

/// Number of SocketState values.
constexpr int kSocketStateCount = 15;

/// Lower-case label value, e.g. "time_wait".
const char* SocketStateName(SocketState state);

/// True for states that hold a port for every destination: listening,
/// bound but not connected, and unconnected UDP.
bool IsExclusiveState(SocketState state);

/// Bits of SocketRecord::kernel_facts: what only the kernel's own structures
/// tell (the Linux BPF source, with kFactsKnown); the netlink source sets
/// kFactBindBucket alone on connected sockets bound to an explicit port.
enum SocketFact : std::uint8_t {
  /// The record comes with the facts below.
  kFactsKnown = 0x01,
  /// TCP: the port's bind bucket was made by bind(), listen() or accept(),
  /// so connect() skips the port for every destination.
  kFactBindBucket = 0x02,
  kFactReuseAddr = 0x04,
  kFactReusePort = 0x08,
  /// TCP TIME_WAIT: the peer's timestamp was kept, which tcp_tw_reuse needs.
  kFactTimestamps = 0x10,
};

/// Pid value meaning "owner not known".
constexpr std::int64_t kUnknownPid = -1;

/// One socket as the OS reports it; ports in host byte order.
struct SocketRecord {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  SocketState state = SocketState::kClose;
  IpAddress local_address;
  std::uint16_t local_port = 0;
  IpAddress remote_address;
  std::uint16_t remote_port = 0;
  /// SocketFact bits.
  std::uint8_t kernel_facts = 0;
  /// Linux: a kernel timewait object (timer 3), TIME_WAIT or FIN_WAIT2 kind.
  bool timewait_object = false;
  /// The socket's own IP_LOCAL_PORT_RANGE bounds as set (Linux BPF source;
  /// 0 for a bound not set).
  std::uint16_t port_range_low = 0;
  std::uint16_t port_range_high = 0;
  /// Linux socket inode (0 when the kernel owns the socket, e.g. TIME_WAIT):
  /// 32 bits, as the kernel numbers sockets (get_next_ino()).
  std::uint32_t inode = 0;
  /// Owning pid (the first one if several processes share the socket), or
  /// kUnknownPid when no owner could be seen.
  std::int32_t pid = kUnknownPid;
  /// Linux: milliseconds until the socket's timer fires, 0 when not known.
  std::uint32_t expires_ms = 0;
  /// Linux: interface the socket is bound to (idiag_if), 0 if none or not
  /// known.
  std::uint32_t bound_device = 0;
  /// Linux inet_diag socket cookie, 0 when not known (procfs).
  std::uint64_t cookie = 0;
};

/// True when connect() skips the socket's port for every destination: an
/// exclusive state, or (TCP, from the kernel's facts) a bind-type bucket.
bool HoldsPortForEveryDestination(const SocketRecord& socket);

}  // namespace epx

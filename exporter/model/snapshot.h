// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// How the OS decides that no local port is left for a new connect().
enum class ExhaustionRule : std::uint8_t {
  /// A port in use anywhere is unavailable (UDP everywhere; Windows TCP,
  /// where a port only TIME_WAIT holds is unavailable toward its own
  /// remote endpoints only).
  kHostWide,
  /// connect() may reuse a port for another (local address, remote address,
  /// remote port); only listeners and bound sockets hold ports for all
  /// destinations (Linux TCP).
  kPerDestination,
};

/// The dynamic (ephemeral) port range of one protocol and family.
struct PortRange {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  std::uint16_t start = 0;
  /// Number of ports in the range, start included.
  std::uint32_t size = 0;
  /// Inclusive port intervals the OS will not hand out (Linux
  /// ip_local_reserved_ports, Windows excluded port ranges).
  std::vector<std::pair<std::uint16_t, std::uint16_t>> reserved;
  /// Ports the allocator's scan cannot count on reaching (Linux TCP scans
  /// an even number of ports, so one of an odd-sized range).
  std::uint32_t unreachable = 0;

  /// True if port lies inside [start, start + size).
  bool Contains(std::uint16_t port) const {
    return port >= start && static_cast<std::uint32_t>(port) < start + size;
  }
  /// True if port is covered by a reserved interval.
  bool IsReserved(std::uint16_t port) const;
  /// Reserved ports that fall inside the range (overlaps counted once).
  std::uint32_t ReservedInRange() const;
  /// size minus ReservedInRange() and unreachable: ports the OS can hand out.
  std::uint32_t Capacity() const {
    std::uint32_t excluded = ReservedInRange() + unreachable;
    return size > excluded ? size - excluded : 0;
  }
  /// True if port counts against this pool: in range and not reserved.
  bool CountsPort(std::uint16_t port) const {
    return Contains(port) && !IsReserved(port);
  }
};

/// A process that owns sockets, as far as the OS lets us see it.
struct ProcessInfo {
  std::int64_t pid = 0;
  std::string name;
  /// Services the process hosts: systemd unit on Linux, service names on
  /// Windows (several for a shared svchost).
  std::vector<std::string> services;
  /// Open handles (Windows) or file descriptors (Linux); -1 when not known.
  std::int64_t handles = -1;
  /// Full path of the executable; empty when not readable.
  std::string executable;
  /// Account the process runs as (Linux: effective user); empty when not
  /// known.
  std::string user;
};

/// A watched service and the processes it resolved to.
struct ServiceInfo {
  std::string name;
  bool running = false;
  std::vector<std::int64_t> pids;
};

/// TCP counters since boot (Linux /proc/net/snmp, Windows
/// GetTcpStatisticsEx).
struct TcpCounters {
  bool valid = false;
  /// Address family the counters cover ("ipv4", "ipv6" on Windows, whose
  /// counters are 32-bit per family); empty when one MIB covers both
  /// (Linux).
  std::string family;
  std::uint64_t active_opens = 0;
  std::uint64_t passive_opens = 0;
  std::uint64_t attempt_fails = 0;
  std::uint64_t estab_resets = 0;
};

/// Outcome of one collector during one collection.
struct CollectorStatus {
  std::string name;
  bool success = false;
  double duration_seconds = 0;
  std::string error;
};

/// Counts of Windows Tcpip port-exhaustion events, keyed by event id.
struct EventCounts {
  bool valid = false;
  std::map<int, std::uint64_t> by_id;
  /// Unix time of the newest event counted, by id; 0 when none was.
  std::map<int, double> newest_seconds;
};

/// Connect events of one process, counted in the kernel (Linux BPF).
struct ConnectEventProcess {
  std::int64_t pid = 0;
  std::string name;
  /// connect() calls that failed with EADDRNOTAVAIL (no local port).
  std::uint64_t connect_failures = 0;
  /// Outbound TCP connects that got a local port.
  std::uint64_t connects = 0;
  /// bind() to port 0 and UDP autobinds that found no port.
  std::uint64_t port_zero_failures = 0;
};

/// connect() failures toward one destination, counted in the kernel.
struct ConnectEventDestination {
  Protocol protocol = Protocol::kTcp;
  IpAddress address;
  std::uint16_t port = 0;
  std::uint64_t failures = 0;
};

/// What the pool running dry did to applications since the exporter
/// started (the connect_events collector: BPF on Linux, ETW on Windows);
/// counters only grow.
struct NamespaceConnectEvents;

struct ConnectEvents {
  bool valid = false;
  /// Indexed by Family: TCP connect() failures with EADDRNOTAVAIL.
  std::uint64_t tcp_connect_failures[2] = {0, 0};
  /// Indexed by Family: outbound TCP connects that got a port.
  std::uint64_t tcp_connects[2] = {0, 0};
  /// Indexed by Protocol: bind()/listen() to port 0 without a free port.
  std::uint64_t bind_failures[2] = {0, 0};
  /// UDP sends or connects without bind() that found no port.
  std::uint64_t udp_autobind_failures = 0;
  /// Events not attributed because the kernel map was full, by map.
  std::uint64_t processes_dropped = 0;
  std::uint64_t destinations_dropped = 0;
  /// Windows ETW: the session counts what it lost (then the two below are
  /// set).
  bool losses_known = false;
  /// Events ETW dropped (EVENT_TRACE_PROPERTIES::EventsLost).
  std::uint64_t events_lost = 0;
  /// Real-time buffers ETW dropped (RealTimeBuffersLost).
  std::uint64_t buffers_lost = 0;
  std::vector<ConnectEventProcess> processes;
  std::vector<ConnectEventDestination> destinations;
  /// Linux, with the namespaces collector on: other network namespaces
  /// are counted too (in `namespaces` and the three below).
  bool namespaces_counted = false;
  std::vector<NamespaceConnectEvents> namespaces;
  /// Events of other namespaces not counted (namespace map full) or not
  /// attributed (their process or destination map full).
  std::uint64_t namespaces_dropped = 0;
  std::uint64_t namespace_processes_dropped = 0;
  std::uint64_t namespace_destinations_dropped = 0;
};

/// The connect events of one network namespace other than the exporter's:
/// its totals, processes and destinations in `events` (whose own
/// `namespaces` stays empty).
struct NamespaceConnectEvents {
  /// Inode number of the namespace (nsfs).
  std::uint64_t netns = 0;
  /// The kernel's cookie of the namespace (SO_NETNS_COOKIE): unlike the
  /// inode, never handed to a later namespace.
  std::uint64_t cookie = 0;
  ConnectEvents events;
};

/// A further owner of a socket shared by several processes (inherited or
/// passed descriptors); the first owner is SocketRecord::pid.
struct ExtraOwner {
  std::uint32_t socket_index = 0;
  std::int64_t pid = 0;
};

/// Linux TIME_WAIT recycling by connect() (tcp_twsk_unique), from the
/// namespace's sysctls.
struct TimeWaitReuse {
  /// net.ipv4.tcp_tw_reuse: 0 never, 1 every destination, 2 loopback only.
  int mode = 0;
  /// net.ipv4.tcp_timestamps is on; recycling needs the peer's timestamps.
  bool timestamps = false;
  /// Milliseconds a TIME_WAIT socket must have aged (tcp_tw_reuse_delay).
  std::uint32_t delay_ms = 1000;
};

/// One Linux VRF (l3mdev master) of the namespace.
struct VrfDevice {
  std::uint32_t ifindex = 0;
  std::string name;
};

/// Linux VRFs and the interfaces enslaved to them (rtnetlink link dump).
struct L3mdevMap {
  /// Sorted by ifindex; empty when the namespace has no VRF.
  std::vector<VrfDevice> vrfs;
  /// (interface ifindex, VRF ifindex) for every enslaved interface, sorted.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> slaves;
  /// net.ipv4.tcp_l3mdev_accept: TCP bind buckets and 4-tuples are then
  /// shared by every VRF (inet_sk_bound_l3mdev returns 0).
  bool tcp_l3mdev_accept = false;

  /// The VRF a socket bound to `device` belongs to (the device itself when
  /// it is a VRF, its master when enslaved), 0 for none.
  std::uint32_t VrfOf(std::uint32_t device) const;
};

/// Who is in a network namespace: a process inside it and the pod and
/// container its cgroup names (empty when none).
struct NamespaceIdentity {
  /// Inode number of the namespace (nsfs), the netns label.
  std::uint64_t inode = 0;
  /// Lowest pid found in it; 0 when only a /run/netns name holds it.
  std::int64_t pid = 0;
  std::string process;
  std::string pod_uid;
  std::string container_id;
  /// Name under /run/netns, if any.
  std::string name;
  /// The kernel's cookie of the namespace (SO_NETNS_COOKIE); 0 if unknown.
  std::uint64_t cookie = 0;
};

/// The sockets and sysctls of one network namespace other than the
/// exporter's own, read from inside it (Linux namespaces collector).
struct NamespaceSnapshot {
  NamespaceIdentity id;
  std::vector<SocketRecord> sockets;
  std::vector<PortRange> ranges;
  TimeWaitReuse time_wait_reuse;
  L3mdevMap l3mdev;
  bool bound_sockets_visible = true;
};

/// What the namespaces collector found in one collection.
struct NamespaceScan {
  /// False when the collector is off.
  bool valid = false;
  /// Namespaces found other than the exporter's own.
  std::uint32_t found = 0;
  /// Namespaces read in full (one entry each in `namespaces`).
  std::vector<NamespaceSnapshot> namespaces;
  /// The inodes of namespaces found but not entered or not read
  /// (permission, errors); those that vanished during the scan are not
  /// listed.
  std::vector<std::uint64_t> failed_inodes;
};

/// What one collection read besides its socket list.
struct HostReadings {
  std::vector<PortRange> ranges;
  /// Where the ranges came from: "sysctl" (Linux), "wmi", "netsh" or
  /// "default" (Windows); empty when unknown.
  std::string range_source;
  /// Unix time the ranges were read (Windows reads them on a timer); 0
  /// when they are read with every collection.
  double range_read_seconds = 0;
  /// Windows auto-reuse ranges (TCP, per family), when enabled: ports for
  /// connect() without bind(), shared per destination.
  std::vector<PortRange> auto_reuse_ranges;
  ExhaustionRule tcp_rule = ExhaustionRule::kHostWide;
  ExhaustionRule udp_rule = ExhaustionRule::kHostWide;

  /// False when per-process collection was disabled or failed entirely.
  bool processes_collected = false;
  /// pid -> process, for every process seen.
  std::map<std::int64_t, ProcessInfo> processes;
  /// Processes whose sockets could not be listed (permission, exited).
  std::uint32_t processes_unreadable = 0;
  std::vector<ServiceInfo> services;

  /// True when owners come from socket inodes (Linux): a TCP socket with
  /// inode 0 then belongs to the kernel (closed by its process, "orphaned").
  bool owners_from_inodes = false;
  /// Windows TcpTimedWaitDelay in seconds when configured, else -1.
  std::int64_t tcp_time_wait_delay_seconds = -1;
  TimeWaitReuse time_wait_reuse;
  /// Linux: bound-only TCP sockets appear in the socket list (inet_diag on
  /// 6.8+); when false, ports they hold are missed.
  bool bound_sockets_visible = true;
  /// Linux: TCP ports whose bind bucket outlives the listener or bound socket
  /// that made it (held for every destination while any socket remains).
  std::vector<std::uint16_t> tcp_bucket_ports;
  /// Linux: the namespace's VRFs (empty without them or with the procfs
  /// source, which has no bound device).
  L3mdevMap l3mdev;

  /// One entry per family on Windows, one for both on Linux.
  std::vector<TcpCounters> tcp_counters;
  EventCounts events;
  ConnectEvents connect_events;
  /// Linux: every other network namespace (the namespaces collector).
  NamespaceScan namespaces;
  std::vector<CollectorStatus> collectors;
};

/// Everything one collection saw; the input of the analysis.
struct Snapshot : HostReadings {
  std::vector<SocketRecord> sockets;
  /// Owners beyond SocketRecord::pid, sorted by socket_index.
  std::vector<ExtraOwner> extra_owners;
};

/// Which sockets a pared snapshot keeps.
using SocketFilter = std::function<bool(const SocketRecord&)>;

/// A copy of snapshot with only the sockets keep accepts (and their extra
/// owners), without copying the others first.
Snapshot CopyKeepingSockets(const Snapshot& snapshot, const SocketFilter& keep);

/// Drops the sockets keep refuses (and their extra owners) and gives their
/// memory back.
void KeepSockets(Snapshot* snapshot, const SocketFilter& keep);

/// Drops the sockets at index `from` and after that keep refuses, in order;
/// an empty keep drops none (a source filtering what it reads as it goes).
void KeepSocketsFrom(std::vector<SocketRecord>* sockets, std::size_t from,
                     const SocketFilter& keep);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "model/snapshot.h"
#include "sources/linux/socket_attribution.h"

namespace epx::testing {

/// Fluent builder of Snapshots for analysis and exposition tests.
class SnapshotBuilder {
 public:
  /// Linux-like defaults: per-destination TCP rule, host-wide UDP.
  SnapshotBuilder() {
    snapshot_.tcp_rule = ExhaustionRule::kPerDestination;
    snapshot_.udp_rule = ExhaustionRule::kHostWide;
  }

  /// Adds the same range for TCP and UDP, IPv4 and IPv6.
  SnapshotBuilder& Range(
      std::uint16_t start, std::uint32_t size,
      std::vector<std::pair<std::uint16_t, std::uint16_t>> reserved = {}) {
    for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        PortRange r;
        r.protocol = p;
        r.family = f;
        r.start = start;
        r.size = size;
        r.reserved = reserved;
        snapshot_.ranges.push_back(r);
      }
    }
    return *this;
  }

  /// Adds one socket; addresses as text, inode 0 means kernel-owned.
  SnapshotBuilder& Socket(Protocol protocol, SocketState state,
                          const std::string& local, std::uint16_t local_port,
                          const std::string& remote, std::uint16_t remote_port,
                          std::uint64_t inode = 0) {
    SocketRecord s;
    s.protocol = protocol;
    s.state = state;
    IpAddress::Parse(local, &s.local_address);
    IpAddress::Parse(remote, &s.remote_address);
    s.family = s.local_address.family;
    s.local_port = local_port;
    s.remote_port = remote_port;
    s.inode = inode;
    snapshot_.sockets.push_back(s);
    return *this;
  }

  /// Shorthand for an established TCP connection.
  SnapshotBuilder& Tcp(const std::string& local, std::uint16_t local_port,
                       const std::string& remote, std::uint16_t remote_port,
                       std::uint64_t inode = 0,
                       SocketState state = SocketState::kEstablished) {
    return Socket(Protocol::kTcp, state, local, local_port, remote, remote_port,
                  inode);
  }

  /// Declares a process owning the given socket inodes.
  SnapshotBuilder& Process(std::int64_t pid, const std::string& name,
                           std::vector<std::uint64_t> inodes,
                           std::string unit = "") {
    snapshot_.processes_collected = true;
    ProcessInfo info;
    info.pid = pid;
    info.name = name;
    if (!unit.empty()) info.services.push_back(unit);
    snapshot_.processes[pid] = info;
    for (std::uint64_t inode : inodes) owners_.Add(inode, pid);
    return *this;
  }

  /// Declares a watched service resolved to pids.
  SnapshotBuilder& Service(const std::string& name,
                           std::vector<std::int64_t> pids) {
    ServiceInfo s;
    s.name = name;
    s.pids = pids;
    s.running = !pids.empty();
    snapshot_.services.push_back(s);
    return *this;
  }

  SnapshotBuilder& Rules(ExhaustionRule tcp, ExhaustionRule udp) {
    snapshot_.tcp_rule = tcp;
    snapshot_.udp_rule = udp;
    return *this;
  }

  /// The snapshot, with sockets attributed to the declared processes.
  Snapshot& Get() {
    owners_.Attribute(&snapshot_);
    return snapshot_;
  }

 private:
  Snapshot snapshot_;
  InodeOwners owners_;
};

}  // namespace epx::testing

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Default of SourceOptions::event_lookback_seconds: one day.
constexpr std::uint64_t kDefaultEventLookbackSeconds = 86400;
/// Largest event look-back accepted: 30 days.
constexpr std::uint64_t kMaxEventLookbackSeconds = 30 * 86400ULL;

/// How long a collection that may be the only one (report, selftest) waits
/// for the first reading of the Windows port ranges.
constexpr std::uint32_t kOneShotRangeWaitSeconds = 60;

/// What a host source collects and where from; filled from Config.
struct SourceOptions {
  /// "auto", "bpf", "netlink" or "procfs" on Linux, "iphlpapi" on Windows.
  std::string socket_source;
  /// Root of procfs (Linux); tests point it at fixture trees.
  std::string procfs_root = "/proc";
  bool collect_processes = true;
  bool collect_tcp_stats = true;
  /// Linux: the BPF connect_events collector (opt-in: needs privileges).
  bool collect_connect_events = false;
  /// Linux: every other network namespace (opt-in: needs CAP_SYS_ADMIN).
  bool collect_namespaces = false;
  /// Linux 6.8+: the namespaces collector also dumps each namespace's
  /// bound-only TCP sockets (one walk of the host-wide bind table each).
  bool namespace_bound_sockets = true;
  /// When set, only the sockets it accepts are kept, each dropped as soon
  /// as it is read (the self-test's collections through other sources).
  SocketFilter keep_sockets;
  /// systemd units (Linux) or service names (Windows) to report always.
  std::vector<std::string> watched_services;
  /// Windows: how far back the first read of the System log looks for the
  /// newest Tcpip events (their times; they are not counted).
  std::uint64_t event_lookback_seconds = kDefaultEventLookbackSeconds;
};

/// Reads one OS's sockets, port range, processes and counters.
class HostSource {
 public:
  virtual ~HostSource() = default;
  /// Collects a fresh snapshot. Never throws: a failing collector is
  /// recorded in Snapshot::collectors and the rest is still returned.
  virtual Snapshot Collect() = 0;
  /// The socket source collecting, once "auto" is resolved; "" when it is
  /// the configured one.
  virtual std::string SocketSourceInUse() const { return ""; }
  /// Waits up to `limit` for what is read off the collection path
  /// (Windows: the first port-range reading; a collection never waits for
  /// it, and fails port_range with "not read yet" before). For a collection
  /// that may be the only one, such as report's and the self-test's.
  virtual void WaitForFirstReadings(std::chrono::milliseconds /*limit*/) {}
};

/// Creates the source for this OS (chosen at build time).
std::unique_ptr<HostSource> MakeHostSource(const SourceOptions& options);

/// Checks at startup that the source can read what it needs (e.g. the
/// procfs root exists); false with a one-line *error.
bool CheckHostSource(const SourceOptions& options, std::string* error);

/// Name of the OS this binary was built for, e.g. "linux".
const char* HostOsName();

/// The socket source used when none is configured on this OS.
const char* DefaultSocketSource();

/// Socket sources this OS supports.
std::vector<std::string> SupportedSocketSources();

}  // namespace epx

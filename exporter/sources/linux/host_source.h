// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "sources/host_source.h"
#include "sources/linux/connect_events.h"
#include "sources/linux/bind_bucket_memory.h"
#include "sources/linux/namespaces.h"
#include "sources/linux/process_scanner.h"
#include "sources/linux/sysctl_parser.h"
#include "sources/linux/socket_iterators.h"

namespace epx {

/// Linux: sockets from BPF socket iterators, inet_diag or /proc/net (with
/// --source=bpf, inet_diag whenever the iterators cannot run; "auto" picks
/// bpf when the iterators load, netlink otherwise), range from sysctl
/// files, owners from a BPF task-file pass with the BPF source and from
/// /proc/<pid>/fd otherwise, counters from /proc/net/snmp, connect
/// failures and churn from a BPF program when enabled.
class LinuxHostSource : public HostSource {
 public:
  /// Sockets seen last time from which the dumps run on two threads.
  static constexpr std::size_t kParallelDumpSockets = 10000;

  explicit LinuxHostSource(SourceOptions options);
  Snapshot Collect() override;
  std::string SocketSourceInUse() const override;

 private:
  /// Resolves "auto" by loading the socket iterators; the first
  /// collection logs the choice (so a start that fails says one thing).
  void ChooseSocketSource();
  bool CollectSockets(Snapshot* snapshot, std::string* error);
  /// The BPF source: the iterators, plus the bound-only TCP sockets from one
  /// inet_diag dump of that state alone; records the bpf_sockets collector.
  /// False (nothing appended) when the netlink dumps must run instead; true
  /// with *error set when only the bound-only dump failed.
  bool ReadBpfSockets(Snapshot* snapshot, std::string* error);
  /// inet_diag dumps of TCP and UDP, both families, two at a time.
  bool DumpSockets(std::vector<SocketRecord>* sockets,
                   std::vector<std::string>* errors);
  /// The procfs fallback: <root>/net/{tcp,tcp6,udp,udp6}.
  bool ReadProcNetFiles(std::vector<SocketRecord>* sockets,
                        std::vector<std::string>* errors);
  bool CollectProcesses(Snapshot* snapshot, std::string* error);
  bool CollectTcpStats(Snapshot* snapshot, std::string* error);

  SourceOptions options_;
  ProcessSocketScanner scanner_;
  ConnectEventCollector connect_events_;
  NamespaceCollector namespaces_;
  /// Running kernel (<root>/sys/kernel/osrelease); 0.0 when unreadable.
  KernelVersion kernel_;
  BindBucketMemory buckets_;
  ExplicitPortMarks explicit_marks_;
  SocketIterators socket_iterators_;
  bool bpf_loaded_ = false;
  /// The log line of the auto choice, until the first collection prints it.
  std::string choice_;
  bool bpf_failed_logged_ = false;
  std::size_t last_socket_count_ = 0;
  std::uint32_t last_unreadable_ = 0;
};

/// The range and reserved ports under <procfs_root>/sys/net/ipv4, of the
/// calling thread's network namespace, for both protocols and families.
bool ReadPortRangeSysctls(const std::string& procfs_root, Snapshot* snapshot,
                          std::string* error);
/// tcp_tw_reuse, tcp_timestamps, tcp_tw_reuse_delay and tcp_l3mdev_accept of
/// the calling thread's network namespace.
bool ReadTimeWaitReuseSysctls(const std::string& procfs_root,
                              Snapshot* snapshot, std::string* error);
/// Sockets of the calling thread's network namespace as its sockstat files
/// count them (SocketCountHint); 0 when they cannot be read.
std::uint64_t ReadSocketCountHint(const std::string& procfs_root);
/// The TCP counters of <procfs_root>/net/snmp, of the calling thread's
/// network namespace, appended to *out.
bool ReadTcpCounters(const std::string& procfs_root,
                     std::vector<TcpCounters>* out, std::string* error);

}  // namespace epx

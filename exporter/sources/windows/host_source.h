// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <memory>

#include "sources/host_source.h"
#include "sources/windows/etw_connect_session.h"
#include "sources/windows/event_log.h"
#include "sources/windows/process_details.h"
#include "sources/windows/range_cache.h"
#include "sources/windows/wmi_session.h"

namespace epx {

/// Windows: sockets from the IP Helper tables (plus bound endpoints where
/// the OS exports them), processes from Toolhelp32 (handle counts and paths
/// added by ProcessDetailReader) and the service control
/// manager, Tcpip events from the System log, counters from
/// GetTcpStatisticsEx; the port ranges and exclusions (WMI, netsh) are read
/// on a thread of their own at start and then every few minutes, so a scrape
/// never waits for them after the first. Thread-safe.
class WindowsHostSource : public HostSource {
 public:
  explicit WindowsHostSource(SourceOptions options);
  /// Stops the range thread (a netsh child it runs is killed).
  ~WindowsHostSource() override;
  Snapshot Collect() override;

 private:
  bool CollectSockets(Snapshot* snapshot, std::string* error);
  bool CollectRange(Snapshot* snapshot, std::string* error);
  bool CollectProcesses(Snapshot* snapshot, std::string* error);
  bool CollectEvents(Snapshot* snapshot, std::string* error);
  bool CollectTcpStats(Snapshot* snapshot, std::string* error);
  void RefreshRanges();

  SourceOptions options_;
  TcpipEventReader events_;
  /// The connect_events collector's ETW session, when enabled.
  std::unique_ptr<EtwConnectSession> connects_;
  ProcessDetailReader details_;
  std::atomic<bool> bound_notice_logged_{false};

  WmiSession wmi_;
  std::mutex range_mutex_;
  std::condition_variable range_changed_;
  PortRangeCache ranges_;
  std::atomic<bool> stopping_{false};
  std::thread range_thread_;
};

}  // namespace epx

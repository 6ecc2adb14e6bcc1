// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "sources/host_source.h"
#include "sources/windows/etw_connect_session.h"
#include "sources/windows/event_log.h"
#include "sources/windows/process_details.h"
#include "sources/windows/range_refresher.h"
#include "sources/windows/wmi_session.h"

namespace epx {

/// Windows: sockets from the IP Helper tables (plus bound endpoints where
/// the OS exports them), processes from Toolhelp32 (handle counts and paths
/// added by ProcessDetailReader) and the service control
/// manager, Tcpip events from the System log, counters from
/// GetTcpStatisticsEx; the port ranges and exclusions (WMI, netsh) are read
/// on a thread of their own at start and then every few minutes, so a scrape
/// never waits for them (until the first reading, port_range fails with
/// "not read yet"). Thread-safe.
class WindowsHostSource : public HostSource {
 public:
  explicit WindowsHostSource(SourceOptions options);
  /// Stops the range thread (a netsh child it runs is killed).
  ~WindowsHostSource() override;
  Snapshot Collect() override;
  void WaitForFirstReadings(std::chrono::milliseconds limit) override;

 private:
  bool CollectSockets(Snapshot* snapshot, std::string* error);
  bool CollectRange(Snapshot* snapshot, std::string* error);
  bool CollectProcesses(Snapshot* snapshot, std::string* error);
  bool CollectEvents(Snapshot* snapshot, std::string* error);
  bool CollectTcpStats(Snapshot* snapshot, std::string* error);

  SourceOptions options_;
  TcpipEventReader events_;
  /// The connect_events collector's ETW session, when enabled.
  std::unique_ptr<EtwConnectSession> connects_;
  ProcessDetailReader details_;
  std::atomic<bool> bound_notice_logged_{false};

  WmiSession wmi_;
  /// Declared after wmi_: its thread uses wmi_ until joined.
  RangeRefresher ranges_;
};

}  // namespace epx

#pragma once

#include <atomic>
#include <cstdint>

#include "sources/windows/event_log.h"
#include "sources/host_source.h"

namespace epx {

/// How far back the first read of the System log looks for Tcpip events.
constexpr std::uint64_t kDefaultEventLookbackSeconds = 24 * 3600;

/// Windows: sockets from the IP Helper tables (plus bound endpoints where
/// the OS exports them), range from WMI or netsh, processes from Toolhelp32
/// and the service control manager, Tcpip events from the System log,
/// counters from GetTcpStatisticsEx. Thread-safe.
class WindowsHostSource : public HostSource {
 public:
  explicit WindowsHostSource(SourceOptions options);
  Snapshot Collect() override;

 private:
  bool CollectSockets(Snapshot* snapshot, std::string* error);
  bool CollectRange(Snapshot* snapshot, std::string* error);
  bool CollectProcesses(Snapshot* snapshot, std::string* error);
  bool CollectEvents(Snapshot* snapshot, std::string* error);
  bool CollectTcpStats(Snapshot* snapshot, std::string* error);

  SourceOptions options_;
  TcpipEventReader events_;
  std::atomic<bool> bound_notice_logged_{false};
};

}  // namespace epx

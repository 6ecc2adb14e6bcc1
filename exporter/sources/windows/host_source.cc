// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/host_source.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "sources/collector_runner.h"
#include "sources/windows/iphlpapi.h"
#include "sources/windows/iphlpapi_table_parser.h"
#include "sources/windows/port_range.h"
#include "sources/windows/services.h"

namespace epx {

namespace {

constexpr const wchar_t* kConnectSessionName =
    L"ephemeral_port_exporter connect events";

}  // namespace

WindowsHostSource::WindowsHostSource(SourceOptions options)
    : options_(std::move(options)),
      events_(options_.event_lookback_seconds),
      wmi_(L"ROOT\\StandardCimv2"),
      ranges_([this](const std::atomic<bool>* cancel, PortRangeReading* out) {
        ReadWindowsPortRanges(&wmi_, cancel, out);
      }) {
  if (options_.collect_connect_events) {
    connects_ = std::make_unique<EtwConnectSession>(kConnectSessionName);
    std::string later;  // Read() reports it as the collector's error
    connects_->Start(&later);
  }
}

WindowsHostSource::~WindowsHostSource() = default;

Snapshot WindowsHostSource::Collect() {
  Snapshot snapshot;
  std::uint32_t delay = 0;
  if (ReadTcpTimedWaitDelay(&delay))
    snapshot.tcp_time_wait_delay_seconds = delay;
  snapshot.tcp_rule = ExhaustionRule::kHostWide;
  snapshot.udp_rule = ExhaustionRule::kHostWide;
  RunCollector("sockets", &snapshot, [&](std::string* error) {
    return CollectSockets(&snapshot, error);
  });
  RunCollector("port_range", &snapshot, [&](std::string* error) {
    return CollectRange(&snapshot, error);
  });
  if (options_.collect_processes) {
    RunCollector("processes", &snapshot, [&](std::string* error) {
      return CollectProcesses(&snapshot, error);
    });
  }
  RunCollector("events", &snapshot, [&](std::string* error) {
    return CollectEvents(&snapshot, error);
  });
  if (options_.collect_tcp_stats) {
    RunCollector("tcp_stats", &snapshot, [&](std::string* error) {
      return CollectTcpStats(&snapshot, error);
    });
  }
  if (connects_ != nullptr) {
    RunCollector("connect_events", &snapshot, [&](std::string* error) {
      if (!connects_->Read(&snapshot.connect_events, error)) return false;
      for (ConnectEventProcess& p : snapshot.connect_events.processes) {
        auto it = snapshot.processes.find(p.pid);
        if (it != snapshot.processes.end()) p.name = it->second.name;
      }
      return true;
    });
  }
  return snapshot;
}

bool WindowsHostSource::CollectSockets(Snapshot* snapshot, std::string* error) {
  bool ok = ReadIphlpapiSockets(&snapshot->sockets, error);
  std::string bound_error;
  BoundEndpoints bound = ReadBoundTcpSockets(&snapshot->sockets, &bound_error);
  DropBoundRowsOfConnections(&snapshot->sockets);
  switch (bound) {
    case BoundEndpoints::kRead:
      break;
    case BoundEndpoints::kUnavailable:
      snapshot->bound_sockets_visible = false;
      if (!bound_notice_logged_.exchange(true)) {
        std::fprintf(stderr,
                     "level=warn collector=sockets msg=\"bound TCP sockets "
                     "are not visible: they are read from Windows 10 1809 / "
                     "Server 2019 on, where iphlpapi.dll has "
                     "InternalGetBoundTcpEndpointTable; ports held by bound, "
                     "unconnected sockets are not counted\"\n");
      }
      break;
    case BoundEndpoints::kFailed:
      if (!error->empty()) *error += "; ";
      *error += bound_error;
      ok = false;
      break;
  }
  return ok;
}

void WindowsHostSource::WaitForFirstReadings(std::chrono::milliseconds limit) {
  ranges_.WaitForFirstReading(limit);
}

bool WindowsHostSource::CollectRange(Snapshot* snapshot, std::string* error) {
  return ranges_.Fill(snapshot, error);
}

bool WindowsHostSource::CollectProcesses(Snapshot* snapshot,
                                         std::string* error) {
  bool ok = ReadProcessTable(&snapshot->processes, error);
  std::string details_error;
  if (!details_.Read(&snapshot->processes, &details_error)) {
    if (!error->empty()) *error += "; ";
    *error += details_error;
    ok = false;
  }
  std::string service_error;
  if (!ResolveWatchedServices(options_.watched_services, &snapshot->services,
                              &service_error)) {
    if (!error->empty()) *error += "; ";
    *error += service_error;
    ok = false;
  }
  snapshot->processes_collected = !snapshot->processes.empty();
  return ok;
}

bool WindowsHostSource::CollectEvents(Snapshot* snapshot, std::string* error) {
  return events_.Read(&snapshot->events, error);
}

bool WindowsHostSource::CollectTcpStats(Snapshot* snapshot,
                                        std::string* error) {
  return ReadTcpStatistics(&snapshot->tcp_counters, error);
}

std::unique_ptr<HostSource> MakeHostSource(const SourceOptions& options) {
  return std::make_unique<WindowsHostSource>(options);
}

bool CheckHostSource(const SourceOptions& options, std::string* error) {
  if (options.socket_source != "iphlpapi") {
    *error = "socket source '" + options.socket_source +
             "' is not available on Windows (use iphlpapi)";
    return false;
  }
  return true;
}

}  // namespace epx

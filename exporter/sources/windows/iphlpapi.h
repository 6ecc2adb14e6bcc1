// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Appends every TCP and UDP socket (IPv4 and IPv6) from
/// GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL) and
/// GetExtendedUdpTable(UDP_TABLE_OWNER_PID). A table that keeps growing
/// between the size call and the fill call is retried a bounded number of
/// times. False with *error naming the failed tables; the tables that were
/// read are still appended.
bool ReadIphlpapiSockets(std::vector<SocketRecord>* out, std::string* error);

/// Outcome of reading the bound (bound, not connected) TCP endpoints.
enum class BoundEndpoints {
  kRead,
  /// Windows older than 10 1809, or iphlpapi.dll lacks
  /// InternalGetBoundTcpEndpointTable (Wine): bound sockets are not visible.
  kUnavailable,
  /// The rows read before the failure are appended.
  kFailed,
};

/// Appends TCP sockets that are bound but not connected, read through the
/// undocumented InternalGetBoundTcp(6)EndpointTable exports (what
/// `netstat -q` uses), looked up at run time and called only where
/// BoundTablesSupported (Windows 10 1809 / Server 2019 and later, as System
/// Informer, which added its check after a crash on an older build; Server
/// 2016 is left out until the layout there has been checked).
BoundEndpoints ReadBoundTcpSockets(std::vector<SocketRecord>* out,
                                   std::string* error);

/// TCP counters from GetTcpStatisticsEx, one entry per address family (the
/// counters are 32-bit DWORDs per family, so a sum would turn one family's
/// wrap into a huge reset:
/// https://learn.microsoft.com/windows/win32/api/tcpmib/ns-tcpmib-mib_tcpstats2).
/// An address family the host does not run is skipped; false with *error
/// when no family could be read.
bool ReadTcpStatistics(std::vector<TcpCounters>* out, std::string* error);

}  // namespace epx

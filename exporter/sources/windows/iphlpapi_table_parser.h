// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Layout of an IP Helper table buffer, as filled by GetExtendedTcpTable /
/// GetExtendedUdpTable or allocated by InternalGetBoundTcp(6)EndpointTable.
/// Every table is a little-endian DWORD row count followed by fixed-size
/// rows; addresses are in network order, ports in network order in the low
/// 16 bits of a DWORD.
enum class IphlpapiTableKind : std::uint8_t {
  /// MIB_TCPTABLE_OWNER_PID (24-byte MIB_TCPROW_OWNER_PID rows):
  /// https://learn.microsoft.com/windows/win32/api/tcpmib/ns-tcpmib-mib_tcprow_owner_pid
  kTcp4OwnerPid,
  /// MIB_TCP6TABLE_OWNER_PID (56-byte MIB_TCP6ROW_OWNER_PID rows):
  /// https://learn.microsoft.com/windows/win32/api/tcpmib/ns-tcpmib-mib_tcp6row_owner_pid
  kTcp6OwnerPid,
  /// MIB_UDPTABLE_OWNER_PID (12-byte MIB_UDPROW_OWNER_PID rows):
  /// https://learn.microsoft.com/windows/win32/api/udpmib/ns-udpmib-mib_udprow_owner_pid
  kUdp4OwnerPid,
  /// MIB_UDP6TABLE_OWNER_PID (28-byte MIB_UDP6ROW_OWNER_PID rows):
  /// https://learn.microsoft.com/windows/win32/api/udpmib/ns-udpmib-mib_udp6row_owner_pid
  kUdp6OwnerPid,
  /// MIB_TCPTABLE2 (28-byte MIB_TCPROW2 rows), the layout of the bound
  /// endpoint table. Rows in state 100 (MIB_TCP_STATE_RESERVED, "Bound")
  /// become SocketState::kBound; rows in a connection state are dropped,
  /// as the connection table lists those sockets:
  /// https://learn.microsoft.com/windows/win32/api/tcpmib/ns-tcpmib-mib_tcprow2
  kTcp4Bound,
  /// MIB_TCP6TABLE2 (60-byte MIB_TCP6ROW2 rows), bound endpoints over IPv6:
  /// https://learn.microsoft.com/windows/win32/api/tcpmib/ns-tcpmib-mib_tcp6row2
  kTcp6Bound,
};

/// Size in bytes of one row of the table kind.
std::size_t IphlpapiRowSize(IphlpapiTableKind kind);

/// Maps a MIB_TCP_STATE value (1 = CLOSED ... 12 = DELETE_TCB, 100 =
/// reserved/bound) to SocketState; false for values Windows does not define.
bool MapMibTcpState(std::uint32_t mib_state, SocketState* out);

/// Pure: whether the undocumented InternalGetBoundTcp(6)EndpointTable
/// exports are called on this Windows version (RtlGetVersion major and
/// build; 0 when unknown): from Windows 10 1809 / Server 2019 (build
/// 17763) on, as System Informer calls them (WINDOWS_10_RS5), until their
/// layout on older builds has been checked.
bool BoundTablesSupported(std::uint32_t major, std::uint32_t build);

/// Result of parsing one table buffer.
struct IphlpapiParseResult {
  std::vector<SocketRecord> sockets;
  /// Rows skipped because their state is not a MIB_TCP_STATE value.
  std::size_t bad_rows = 0;
};

/// Pure: removes bound rows (SocketState::kBound, from the bound endpoint
/// table) whose family, local port and owner are also those of a connection
/// row and whose local address is the connection's or the wildcard (which
/// of the two a socket bound to the wildcard and then connected shows is
/// undocumented): netstat documents that bound nonlistening ports "may or
/// may not be associated with an active connection" (`netstat /?`, -q), so
/// a bind()-then-connect() socket shows in both tables. Returns the number
/// of rows removed; order of the rest is kept.
std::size_t DropBoundRowsOfConnections(std::vector<SocketRecord>* sockets);

/// Pure: converts a table buffer into records (ports to host order, owning
/// pid 0, "no owner", and a pid above INT32_MAX to kUnknownPid). UDP rows get
/// SocketState::kUnconnected (the table has no remote end). False with *error
/// if the buffer is shorter than its row count says.
bool ParseIphlpapiTable(const std::uint8_t* data, std::size_t size,
                        IphlpapiTableKind kind, IphlpapiParseResult* out,
                        std::string* error);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/iphlpapi_table_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>

namespace epx {
namespace {

std::uint32_t Dword(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) |
         static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 |
         static_cast<std::uint32_t>(p[3]) << 24;
}

// The port DWORD holds the port in network order in its first two bytes.
std::uint16_t Port(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

IpAddress V4(const std::uint8_t* p) {
  return IpAddress::V4(p[0], p[1], p[2], p[3]);
}

IpAddress V6(const std::uint8_t* p) {
  IpAddress a;
  a.family = Family::kIpv6;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}

std::int32_t Owner(std::uint32_t pid) {
  return pid == 0 || pid > INT32_MAX ? static_cast<std::int32_t>(kUnknownPid)
                                     : static_cast<std::int32_t>(pid);
}

}  // namespace

std::size_t IphlpapiRowSize(IphlpapiTableKind kind) {
  switch (kind) {
    case IphlpapiTableKind::kTcp4OwnerPid:
      return 24;
    case IphlpapiTableKind::kTcp6OwnerPid:
      return 56;
    case IphlpapiTableKind::kUdp4OwnerPid:
      return 12;
    case IphlpapiTableKind::kUdp6OwnerPid:
    case IphlpapiTableKind::kTcp4Bound:
      return 28;
    case IphlpapiTableKind::kTcp6Bound:
      return 60;
  }
  return 0;
}

bool MapMibTcpState(std::uint32_t mib_state, SocketState* out) {
  switch (mib_state) {
    case 1:
      *out = SocketState::kClose;
      return true;
    case 2:
      *out = SocketState::kListen;
      return true;
    case 3:
      *out = SocketState::kSynSent;
      return true;
    case 4:
      *out = SocketState::kSynRecv;
      return true;
    case 5:
      *out = SocketState::kEstablished;
      return true;
    case 6:
      *out = SocketState::kFinWait1;
      return true;
    case 7:
      *out = SocketState::kFinWait2;
      return true;
    case 8:
      *out = SocketState::kCloseWait;
      return true;
    case 9:
      *out = SocketState::kClosing;
      return true;
    case 10:
      *out = SocketState::kLastAck;
      return true;
    case 11:
      *out = SocketState::kTimeWait;
      return true;
    case 12:
      *out = SocketState::kDeleteTcb;
      return true;
    case 100:
      *out = SocketState::kBound;
      return true;
    default:
      return false;
  }
}

bool BoundTablesSupported(std::uint32_t major, std::uint32_t build) {
  constexpr std::uint32_t kWindows10Version1809 = 17763;
  return major > 10 || (major == 10 && build >= kWindows10Version1809);
}

std::size_t DropBoundRowsOfConnections(std::vector<SocketRecord>* sockets) {
  using Port = std::tuple<int, std::uint16_t, std::int64_t>;
  using Endpoint = std::tuple<Port, IpAddress>;
  auto port = [](const SocketRecord& s) {
    return Port{static_cast<int>(s.family), s.local_port, s.pid};
  };
  std::vector<Endpoint> connected;
  std::vector<Port> connected_ports;
  bool any_bound = false;
  for (const SocketRecord& s : *sockets) {
    if (s.protocol != Protocol::kTcp) continue;
    if (s.state == SocketState::kBound) {
      any_bound = true;
    } else if (s.state != SocketState::kListen) {
      connected.emplace_back(port(s), s.local_address);
      connected_ports.push_back(port(s));
    }
  }
  if (!any_bound || connected.empty()) return 0;
  std::sort(connected.begin(), connected.end());
  std::sort(connected_ports.begin(), connected_ports.end());
  auto of_connection = [&](const SocketRecord& s) {
    if (s.local_address.IsUnspecified()) {
      return std::binary_search(connected_ports.begin(), connected_ports.end(),
                                port(s));
    }
    return std::binary_search(connected.begin(), connected.end(),
                              Endpoint{port(s), s.local_address});
  };
  std::size_t before = sockets->size();
  sockets->erase(std::remove_if(sockets->begin(), sockets->end(),
                                [&](const SocketRecord& s) {
                                  return s.protocol == Protocol::kTcp &&
                                         s.state == SocketState::kBound &&
                                         of_connection(s);
                                }),
                 sockets->end());
  return before - sockets->size();
}

bool ParseIphlpapiTable(const std::uint8_t* data, std::size_t size,
                        IphlpapiTableKind kind, IphlpapiParseResult* out,
                        std::string* error) {
  if (size < 4) {
    *error =
        "table buffer of " + std::to_string(size) + " bytes has no row count";
    return false;
  }
  const std::uint32_t rows = Dword(data);
  const std::size_t row_size = IphlpapiRowSize(kind);
  if (rows > (size - 4) / row_size) {
    *error = "table claims " + std::to_string(rows) + " rows of " +
             std::to_string(row_size) + " bytes but has " +
             std::to_string(size - 4) + " bytes";
    return false;
  }
  out->sockets.reserve(out->sockets.size() + rows);
  for (std::uint32_t i = 0; i < rows; ++i) {
    const std::uint8_t* r = data + 4 + static_cast<std::size_t>(i) * row_size;
    SocketRecord s;
    std::uint32_t mib_state = 0;
    switch (kind) {
      case IphlpapiTableKind::kTcp4OwnerPid:
      case IphlpapiTableKind::kTcp4Bound:
        // dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort,
        // dwOwningPid[, dwOffloadState]
        s.protocol = Protocol::kTcp;
        s.family = Family::kIpv4;
        mib_state = Dword(r);
        s.local_address = V4(r + 4);
        s.local_port = Port(r + 8);
        s.remote_address = V4(r + 12);
        s.remote_port = Port(r + 16);
        s.pid = Owner(Dword(r + 20));
        break;
      case IphlpapiTableKind::kTcp6OwnerPid:
      case IphlpapiTableKind::kTcp6Bound:
        // LocalAddr[16], LocalScopeId, LocalPort, RemoteAddr[16],
        // RemoteScopeId, RemotePort, State, OwningPid[, OffloadState]
        s.protocol = Protocol::kTcp;
        s.family = Family::kIpv6;
        s.local_address = V6(r);
        s.local_port = Port(r + 20);
        s.remote_address = V6(r + 24);
        s.remote_port = Port(r + 44);
        mib_state = Dword(r + 48);
        s.pid = Owner(Dword(r + 52));
        break;
      case IphlpapiTableKind::kUdp4OwnerPid:
        // dwLocalAddr, dwLocalPort, dwOwningPid
        s.protocol = Protocol::kUdp;
        s.family = Family::kIpv4;
        s.local_address = V4(r);
        s.local_port = Port(r + 4);
        s.remote_address = IpAddress::V4(0, 0, 0, 0);
        s.pid = Owner(Dword(r + 8));
        break;
      case IphlpapiTableKind::kUdp6OwnerPid:
        // ucLocalAddr[16], dwLocalScopeId, dwLocalPort, dwOwningPid
        s.protocol = Protocol::kUdp;
        s.family = Family::kIpv6;
        s.local_address = V6(r);
        s.local_port = Port(r + 20);
        s.remote_address.family = Family::kIpv6;
        s.pid = Owner(Dword(r + 24));
        break;
    }
    if (s.protocol == Protocol::kUdp) {
      s.state = SocketState::kUnconnected;
    } else if (!MapMibTcpState(mib_state, &s.state)) {
      ++out->bad_rows;
      continue;
    } else if ((kind == IphlpapiTableKind::kTcp4Bound ||
                kind == IphlpapiTableKind::kTcp6Bound) &&
               s.state != SocketState::kBound) {
      continue;
    }
    out->sockets.push_back(s);
  }
  return true;
}

}  // namespace epx

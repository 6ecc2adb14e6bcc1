// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/etw_event_parser.h"

#include <cstring>

namespace epx {
namespace {

// Microsoft-Windows-Kernel-Network, task KERNEL_NETWORK_TASK_TCPIP, level
// Informational, version 0 (the provider's manifest as dumped in
// repnz/etw-providers-docs Manifests-Win10-18990; the legacy MOF class
// TcpIp_TypeGroup2 on learn.microsoft.com has the same layout). Events 12
// (TCPv4) and 28 (TCPv6) "connection attempted" are logged once a connect
// has its local port. Their payload:
//   PID uint32 @0, size uint32 @4, daddr @8 (4 bytes, or 16 for TCPv6),
//   saddr (the same), dport uint16, sport uint16, then mss, options,
//   windows, seqnum and connid. Addresses and ports are in network byte
//   order (MOF extensions IPAddrV4/IPAddrV6 and Port).
// Event 17 ("connection attempt failed") carries only Proto and
// FailureCode, no process and no address, so it is not asked for.
constexpr std::uint16_t kConnectAttemptedV4 = 12;
constexpr std::uint16_t kConnectAttemptedV6 = 28;
constexpr std::size_t kKernelNetworkAddress = 8;
// KERNEL_NETWORK_KEYWORD_IPV4 | KERNEL_NETWORK_KEYWORD_IPV6.
constexpr std::uint64_t kKernelNetworkKeywords = 0x10 | 0x20;

// Microsoft-Windows-TCPIP event 1050 TcpConnectFailedPortAcquire, "TCP:
// connection %8 (local=%2 remote=%4) connect failed: port-acquisition
// status = %5" (same manifest dump). Payload, versions 0 and 1:
//   LocalAddressLength uint32, LocalAddress [length bytes],
//   RemoteAddressLength uint32, RemoteAddress [length bytes],
//   Status uint32 (NTSTATUS), ProcessId uint32, Compartment uint32,
//   Tcb pointer (version 1 adds a uint64).
// The addresses are sockaddrs: family uint16 (host order: 2 AF_INET, 23
// AF_INET6), port uint16 in network order, then the IPv4 address at 4 or
// the IPv6 address at 8.
constexpr std::uint16_t kConnectFailedPortAcquire = 1050;
// ut:ConnectPath.
constexpr std::uint64_t kTcpipKeywords = 0x400000000ULL;
constexpr std::uint16_t kAfInet = 2;
constexpr std::uint16_t kAfInet6 = 23;

std::uint32_t Uint32At(const std::uint8_t* data) {
  std::uint32_t v;
  std::memcpy(&v, data, sizeof v);
  return v;
}

std::uint16_t Uint16At(const std::uint8_t* data) {
  std::uint16_t v;
  std::memcpy(&v, data, sizeof v);
  return v;
}

std::uint16_t NetworkUint16At(const std::uint8_t* data) {
  return static_cast<std::uint16_t>((data[0] << 8) | data[1]);
}

bool DecodeAttempt(std::uint16_t id, const std::uint8_t* data, std::size_t size,
                   EtwConnectEvent* out) {
  bool v4 = id == kConnectAttemptedV4;
  std::size_t address = v4 ? 4 : 16;
  if (size < kKernelNetworkAddress + 2 * address + 4) return false;
  out->kind = EtwConnectEvent::Kind::kAttempt;
  out->family = v4 ? Family::kIpv4 : Family::kIpv6;
  out->pid = Uint32At(data);
  out->remote_address.family = out->family;
  std::memcpy(out->remote_address.bytes.data(), data + kKernelNetworkAddress,
              address);
  out->remote_port =
      NetworkUint16At(data + kKernelNetworkAddress + 2 * address);
  return true;
}

/// The address of a sockaddr of `length` bytes; false when it is neither
/// a whole sockaddr_in nor a sockaddr_in6.
bool DecodeSockaddr(const std::uint8_t* data, std::size_t length,
                    IpAddress* address, std::uint16_t* port) {
  if (length < 4) return false;
  std::uint16_t family = Uint16At(data);
  if (family == kAfInet && length >= 8) {
    address->family = Family::kIpv4;
    std::memcpy(address->bytes.data(), data + 4, 4);
  } else if (family == kAfInet6 && length >= 24) {
    address->family = Family::kIpv6;
    std::memcpy(address->bytes.data(), data + 8, 16);
  } else {
    return false;
  }
  *port = NetworkUint16At(data + 2);
  return true;
}

bool DecodePortAcquireFailure(const std::uint8_t* data, std::size_t size,
                              EtwConnectEvent* out) {
  std::size_t at = 0;
  std::size_t lengths[2] = {0, 0};
  const std::uint8_t* addresses[2] = {nullptr, nullptr};
  for (int i = 0; i < 2; ++i) {
    if (size < at + 4) return false;
    lengths[i] = Uint32At(data + at);
    at += 4;
    if (lengths[i] > size - at) return false;
    addresses[i] = data + at;
    at += lengths[i];
  }
  if (size < at + 8) return false;
  out->kind = EtwConnectEvent::Kind::kNoPort;
  out->pid = Uint32At(data + at + 4);
  IpAddress remote;
  std::uint16_t port = 0;
  if (DecodeSockaddr(addresses[1], lengths[1], &remote, &port)) {
    out->family = remote.family;
    out->remote_address = remote;
    out->remote_port = port;
  } else if (lengths[1] >= 2 && Uint16At(addresses[1]) == kAfInet6) {
    out->family = Family::kIpv6;
  }
  return true;
}

}  // namespace

std::vector<EtwProviderRequest> ConnectEventRequests() {
  return {{EtwProvider::kKernelNetwork,
           kKernelNetworkKeywords,
           {kConnectAttemptedV4, kConnectAttemptedV6}},
          {EtwProvider::kTcpip, kTcpipKeywords, {kConnectFailedPortAcquire}}};
}

bool DecodeConnectEvent(EtwProvider provider, std::uint16_t id,
                        std::uint8_t /*version*/, const std::uint8_t* data,
                        std::size_t size, EtwConnectEvent* out) {
  if (data == nullptr) return false;
  EtwConnectEvent event;
  bool ok = false;
  if (provider == EtwProvider::kKernelNetwork &&
      (id == kConnectAttemptedV4 || id == kConnectAttemptedV6)) {
    ok = DecodeAttempt(id, data, size, &event);
  } else if (provider == EtwProvider::kTcpip &&
             id == kConnectFailedPortAcquire) {
    ok = DecodePortAcquireFailure(data, size, &event);
  }
  if (ok) *out = event;
  return ok;
}

}  // namespace epx

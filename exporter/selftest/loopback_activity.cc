// SPDX-License-Identifier: Apache-2.0
#include "selftest/loopback_activity.h"

#include <cerrno>
#include <cstring>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace epx {
namespace {

#ifdef _WIN32
using NativeSocket = SOCKET;
const NativeSocket kNoSocket = INVALID_SOCKET;
using AddressLength = int;
void CloseNative(NativeSocket s) { closesocket(s); }
std::string LastError() { return "error " + std::to_string(WSAGetLastError()); }
#else
using NativeSocket = int;
const NativeSocket kNoSocket = -1;
using AddressLength = socklen_t;
void CloseNative(NativeSocket s) { ::close(s); }
std::string LastError() { return std::strerror(errno); }
#endif

/// The loopback address of `family` with port 0.
sockaddr_storage Loopback(Family family, AddressLength* length) {
  sockaddr_storage storage{};
  if (family == Family::kIpv4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    *length = sizeof(sockaddr_in6);
  }
  return storage;
}

IpAddress LoopbackAddress(Family family) {
  IpAddress address;
  if (family == Family::kIpv4) return IpAddress::V4(127, 0, 0, 1);
  address.family = Family::kIpv6;
  address.bytes[15] = 1;
  return address;
}

std::uint16_t LocalPort(NativeSocket s) {
  sockaddr_storage storage{};
  AddressLength length = sizeof storage;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&storage), &length) != 0)
    return 0;
  if (storage.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
}

}  // namespace

std::int64_t OwnProcessId() {
#ifdef _WIN32
  return static_cast<std::int64_t>(GetCurrentProcessId());
#else
  return static_cast<std::int64_t>(::getpid());
#endif
}

LoopbackActivity::LoopbackActivity(std::uint32_t connections) {
#ifdef _WIN32
  WSADATA data;
  started_ = WSAStartup(MAKEWORD(2, 2), &data) == 0;
#else
  started_ = true;
#endif
  activity_.pid = OwnProcessId();
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    if (!OpenFamily(family, connections)) continue;
  }
  OpenBoundAndUdp();
}

LoopbackActivity::~LoopbackActivity() {
  Close();
#ifdef _WIN32
  if (started_) WSACleanup();
#endif
}

void LoopbackActivity::Close() {
  // An abortive close: no TIME_WAIT keeps the self-test's ports afterwards.
  linger abort{};
  abort.l_onoff = 1;
  abort.l_linger = 0;
  for (std::intptr_t h : handles_) {
    auto s = static_cast<NativeSocket>(h);
    setsockopt(s, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abort),
               sizeof abort);
    CloseNative(s);
  }
  handles_.clear();
}

bool LoopbackActivity::OpenFamily(Family family, std::uint32_t connections) {
  const char* name = family == Family::kIpv4 ? "127.0.0.1" : "::1";
  int domain = family == Family::kIpv4 ? AF_INET : AF_INET6;
  AddressLength length = 0;
  sockaddr_storage address = Loopback(family, &length);
  NativeSocket listener = socket(domain, SOCK_STREAM, IPPROTO_TCP);
  if (listener == kNoSocket) {
    activity_.notes.push_back(std::string("no TCP socket on ") + name + ": " +
                              LastError());
    return false;
  }
  handles_.push_back(static_cast<std::intptr_t>(listener));
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listener, 64) != 0) {
    activity_.notes.push_back(std::string("cannot listen on ") + name + ": " +
                              LastError());
    return false;
  }
  std::uint16_t port = LocalPort(listener);
  ExpectedSocket listening;
  listening.family = family;
  listening.state = SocketState::kListen;
  listening.local_address = LoopbackAddress(family);
  listening.local_port = port;
  activity_.sockets.push_back(listening);
  sockaddr_storage target = address;
  if (family == Family::kIpv4)
    reinterpret_cast<sockaddr_in*>(&target)->sin_port = htons(port);
  else
    reinterpret_cast<sockaddr_in6*>(&target)->sin6_port = htons(port);
  for (std::uint32_t i = 0; i < connections; ++i) {
    NativeSocket client = socket(domain, SOCK_STREAM, IPPROTO_TCP);
    if (client == kNoSocket) break;
    handles_.push_back(static_cast<std::intptr_t>(client));
    if (connect(client, reinterpret_cast<sockaddr*>(&target), length) != 0) {
      activity_.notes.push_back(std::string("connect to ") + name + ": " +
                                LastError());
      return false;
    }
    ++activity_.connects;
    NativeSocket accepted = accept(listener, nullptr, nullptr);
    if (accepted == kNoSocket) {
      activity_.notes.push_back(std::string("accept on ") + name + ": " +
                                LastError());
      return false;
    }
    handles_.push_back(static_cast<std::intptr_t>(accepted));
    std::uint16_t client_port = LocalPort(client);
    ExpectedSocket out = listening;
    out.state = SocketState::kEstablished;
    out.local_port = client_port;
    out.remote_port = port;
    out.outbound = true;
    activity_.sockets.push_back(out);
    ExpectedSocket in = listening;
    in.state = SocketState::kEstablished;
    in.local_port = port;
    in.remote_port = client_port;
    activity_.sockets.push_back(in);
  }
  return true;
}

void LoopbackActivity::OpenBoundAndUdp() {
  struct Kind {
    int type;
    int protocol;
    Protocol ours;
    SocketState state;
  };
  for (const Kind& kind :
       {Kind{SOCK_STREAM, IPPROTO_TCP, Protocol::kTcp, SocketState::kBound},
        Kind{SOCK_DGRAM, IPPROTO_UDP, Protocol::kUdp,
             SocketState::kUnconnected}}) {
    AddressLength length = 0;
    sockaddr_storage address = Loopback(Family::kIpv4, &length);
    NativeSocket s = socket(AF_INET, kind.type, kind.protocol);
    if (s == kNoSocket) {
      activity_.notes.push_back(std::string("no ") + ProtocolName(kind.ours) +
                                " socket: " + LastError());
      continue;
    }
    handles_.push_back(static_cast<std::intptr_t>(s));
    if (bind(s, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      activity_.notes.push_back(std::string("cannot bind a ") +
                                ProtocolName(kind.ours) +
                                " socket: " + LastError());
      continue;
    }
    ExpectedSocket bound;
    bound.protocol = kind.ours;
    bound.state = kind.state;
    bound.local_address = LoopbackAddress(Family::kIpv4);
    bound.local_port = LocalPort(s);
    activity_.sockets.push_back(bound);
  }
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/snapshot.h"
#include "model/socket_record.h"
#include "sources/linux/inet_diag_parser.h"
#include "sources/linux/link_dump_parser.h"

namespace epx {

/// One NETLINK_SOCK_DIAG socket for any number of dumps in a row.
class InetDiagSocket {
 public:
  InetDiagSocket();
  ~InetDiagSocket();
  InetDiagSocket(const InetDiagSocket&) = delete;
  InetDiagSocket& operator=(const InetDiagSocket&) = delete;

  /// Dumps every socket of the protocol and family (in the states mask) in
  /// this network namespace and appends them to *out. Returns false with
  /// *error set (errno text) when the kernel refuses or the socket fails.
  bool Dump(Protocol protocol, Family family, std::vector<SocketRecord>* out,
            std::string* error, std::uint32_t states = kAllDiagStates);
  /// Dumps every TCP socket, IPv4 and IPv6, with one walk of the kernel's
  /// connection table (the older TCPDIAG_GETSOCK request). On failure
  /// nothing is appended.
  bool DumpTcpBothFamilies(std::vector<SocketRecord>* out, std::string* error,
                           std::uint32_t states = kAllDiagStates);
  /// Dumps, with one walk, the connected TCP sockets (both families) that
  /// were bound to an explicit port (BuildExplicitPortTcpDiagRequest).
  bool DumpExplicitPortTcp(std::vector<SocketRecord>* out, std::string* error);
  /// From now on appends only the sockets keep accepts (all when empty).
  void KeepOnly(SocketFilter keep) { keep_ = std::move(keep); }

 private:
  /// (Re)opens the socket, closing any earlier one.
  void Open();
  /// Sends request, appends the answers; reopens the socket on failure.
  bool Run(const std::vector<std::uint8_t>& request, Protocol protocol,
           std::vector<SocketRecord>* out, std::string* error);
  bool RunOnce(const std::vector<std::uint8_t>& request, Protocol protocol,
               std::vector<SocketRecord>* out, std::string* error);

  int fd_ = -1;
  int open_errno_ = 0;
  std::uint32_t sequence_ = 0;
  std::vector<std::uint8_t> buffer_;
  SocketFilter keep_;
};

/// Dumps every interface of this network namespace (NETLINK_ROUTE
/// RTM_GETLINK) into *out. Returns false with *error set on failure.
bool DumpLinks(std::vector<LinkRecord>* out, std::string* error);

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/socket_record.h"
#include "sources/linux/netlink_messages.h"

namespace epx {

/// Linux ABI constants used by the sock_diag request and its replies
/// (include/uapi/linux/netlink.h, sock_diag.h, inet_diag.h); kept here so
/// the parser compiles and is tested on every OS.
namespace netlink_abi {
constexpr std::uint16_t kNlmsgError = 2;
constexpr std::uint16_t kNlmsgDone = 3;
constexpr std::uint16_t kSockDiagByFamily = 20;
/// The older TCP request (struct inet_diag_req), answered in kind.
constexpr std::uint16_t kTcpDiagGetSock = 18;
constexpr std::uint8_t kAfInet = 2;
constexpr std::uint8_t kAfInet6 = 10;
constexpr std::size_t kNlmsgHeaderSize = 16;
/// sizeof(struct inet_diag_msg).
constexpr std::size_t kInetDiagMsgSize = 72;
}  // namespace netlink_abi

/// Progress of the dump, one receive buffer at a time.
using InetDiagParseState = NetlinkDumpState;

/// Pure: appends the sockets found in one buffer of NETLINK_SOCK_DIAG
/// replies (struct nlmsghdr + struct inet_diag_msg, message type
/// SOCK_DIAG_BY_FAMILY or TCPDIAG_GETSOCK) to *out. Ports and
/// addresses arrive in network byte order and are converted here.
void ParseInetDiagBuffer(const std::uint8_t* data, std::size_t size,
                         Protocol protocol, std::vector<SocketRecord>* out,
                         InetDiagParseState* state);

/// Every state, for the request builders' states mask.
constexpr std::uint32_t kAllDiagStates = 0xffffffffu;
/// TCPF_BOUND_INACTIVE: bound-only TCP sockets (Linux 6.8+).
constexpr std::uint32_t kBoundInactiveDiagState = 1u << 13;

/// Builds the netlink request (nlmsghdr + struct inet_diag_req_v2) for a
/// dump of every socket of the protocol and family in the states mask.
std::vector<std::uint8_t> BuildInetDiagRequest(
    Protocol protocol, Family family, std::uint32_t sequence,
    std::uint32_t states = kAllDiagStates);

/// Builds the older TCPDIAG_GETSOCK request (nlmsghdr + struct
/// inet_diag_req) for every TCP socket in the states mask. The kernel
/// answers it for IPv4 and IPv6 together, walking its connection table once
/// instead of once per family.
std::vector<std::uint8_t> BuildTcpDiagBothFamiliesRequest(
    std::uint32_t sequence, std::uint32_t states = kAllDiagStates);

/// The states a connected TCP socket can be in as a full socket (not
/// listening, bound-only, TIME_WAIT or a request socket).
constexpr std::uint32_t kConnectedFullSocketDiagStates =
    1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 11;

/// Builds a TCPDIAG_GETSOCK request (both families, one table walk) whose
/// INET_DIAG_REQ_BYTECODE filter, "not INET_DIAG_BC_AUTO", keeps only the
/// sockets bound to an explicit port (SOCK_BINDPORT_LOCK).
std::vector<std::uint8_t> BuildExplicitPortTcpDiagRequest(
    std::uint32_t sequence,
    std::uint32_t states = kConnectedFullSocketDiagStates);

}  // namespace epx

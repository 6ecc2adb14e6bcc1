// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/inet_diag_parser.h"

#include <cstring>

#include "sources/linux/procfs_net_parser.h"

namespace epx {
namespace {

// The kernel uapi mirror, used unqualified as in the kernel headers.
using namespace netlink_abi;  // NOLINT(google-build-using-namespace)

std::uint32_t LoadHost32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::uint16_t LoadBigEndian16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

void StoreHost32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void StoreHost16(std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

constexpr std::uint16_t kNlmFRequest = 0x01;
constexpr std::uint16_t kNlmFDump = 0x300;
constexpr std::uint8_t kIpprotoTcp = 6;
constexpr std::uint8_t kIpprotoUdp = 17;
constexpr std::size_t kInetDiagReqV2Size = 56;
// struct inet_diag_req: family src_len dst_len ext (1 each), id (48),
// states (4), dbs (4).
constexpr std::size_t kInetDiagReqSize = 60;
constexpr std::size_t kOffReqStates = 52;

// struct inet_diag_msg: family(1) state(1) timer(1) retrans(1)
// id{sport(2) dport(2) src(16) dst(16) if(4) cookie(8)} expires(4)
// rqueue(4) wqueue(4) uid(4) inode(4).
constexpr std::size_t kOffState = 1;
constexpr std::size_t kOffTimer = 2;
constexpr std::size_t kOffSport = 4;
constexpr std::size_t kOffDport = 6;
constexpr std::size_t kOffSrc = 8;
constexpr std::size_t kOffDst = 24;
constexpr std::size_t kOffIf = 40;
constexpr std::size_t kOffCookie = 44;
constexpr std::size_t kOffExpires = 52;
constexpr std::size_t kOffInode = 68;
// idiag_timer of a timewait object (inet_twsk_diag_fill).
constexpr std::uint8_t kTimerTimewait = 3;

bool ParseDiagMessage(const std::uint8_t* msg, Protocol protocol,
                      SocketRecord* out) {
  std::uint8_t family = msg[0];
  SocketRecord s;
  s.protocol = protocol;
  if (family == kAfInet) {
    s.family = Family::kIpv4;
  } else if (family == kAfInet6) {
    s.family = Family::kIpv6;
  } else {
    return false;
  }
  if (!LinuxStateFromNumber(msg[kOffState], protocol, &s.state)) return false;
  std::size_t addr_len = s.family == Family::kIpv4 ? 4 : 16;
  s.local_address.family = s.family;
  s.remote_address.family = s.family;
  std::memcpy(s.local_address.bytes.data(), msg + kOffSrc, addr_len);
  std::memcpy(s.remote_address.bytes.data(), msg + kOffDst, addr_len);
  s.local_port = LoadBigEndian16(msg + kOffSport);
  s.remote_port = LoadBigEndian16(msg + kOffDport);
  s.inode = LoadHost32(msg + kOffInode);
  s.timewait_object = msg[kOffTimer] == kTimerTimewait;
  s.expires_ms = LoadHost32(msg + kOffExpires);
  s.bound_device = LoadHost32(msg + kOffIf);
  std::uint32_t cookie[2] = {LoadHost32(msg + kOffCookie),
                             LoadHost32(msg + kOffCookie + 4)};
  s.cookie = std::uint64_t{cookie[1]} << 32 | cookie[0];
  *out = s;
  return true;
}

// A dump request: nlmsghdr of the type, then a zeroed body of body_size.
std::vector<std::uint8_t> StartDumpRequest(std::uint16_t type,
                                           std::size_t body_size,
                                           std::uint32_t sequence) {
  std::vector<std::uint8_t> buf(kNlmsgHeaderSize + body_size, 0);
  StoreHost32(buf.data(), static_cast<std::uint32_t>(buf.size()));
  StoreHost16(buf.data() + 4, type);
  StoreHost16(buf.data() + 6, kNlmFRequest | kNlmFDump);
  StoreHost32(buf.data() + 8, sequence);
  return buf;
}

}  // namespace

void ParseInetDiagBuffer(const std::uint8_t* data, std::size_t size,
                         Protocol protocol, std::vector<SocketRecord>* out,
                         InetDiagParseState* state) {
  WalkNetlinkMessages(
      data, size, state,
      [&](std::uint16_t type, const std::uint8_t* body, std::size_t body_len) {
        if (type != kSockDiagByFamily && type != kTcpDiagGetSock) return true;
        SocketRecord s;
        if (body_len < kInetDiagMsgSize ||
            !ParseDiagMessage(body, protocol, &s))
          return false;
        out->push_back(s);
        return true;
      });
}

std::vector<std::uint8_t> BuildInetDiagRequest(Protocol protocol, Family family,
                                               std::uint32_t sequence,
                                               std::uint32_t states) {
  std::vector<std::uint8_t> buf =
      StartDumpRequest(kSockDiagByFamily, kInetDiagReqV2Size, sequence);
  std::uint8_t* req = buf.data() + kNlmsgHeaderSize;
  req[0] = family == Family::kIpv4 ? kAfInet : kAfInet6;
  req[1] = protocol == Protocol::kTcp ? kIpprotoTcp : kIpprotoUdp;
  StoreHost32(req + 4, states);
  return buf;
}

std::vector<std::uint8_t> BuildTcpDiagBothFamiliesRequest(
    std::uint32_t sequence, std::uint32_t states) {
  std::vector<std::uint8_t> buf =
      StartDumpRequest(kTcpDiagGetSock, kInetDiagReqSize, sequence);
  std::uint8_t* req = buf.data() + kNlmsgHeaderSize;
  req[0] = kAfInet;
  StoreHost32(req + kOffReqStates, states);
  return buf;
}

std::vector<std::uint8_t> BuildExplicitPortTcpDiagRequest(
    std::uint32_t sequence, std::uint32_t states) {
  std::vector<std::uint8_t> buf =
      BuildTcpDiagBothFamiliesRequest(sequence, states);
  // struct nlattr (len, type) and two struct inet_diag_bc_op (code, yes,
  // no): AUTO goes on to JMP when the socket is autobound, and JMP jumps
  // past the end (rejected); an explicit port skips JMP and ends the
  // program exactly (accepted). inet_diag_bc_audit accepts both paths.
  constexpr std::uint8_t kBcJmp = 1;
  constexpr std::uint8_t kBcAuto = 6;
  constexpr std::uint16_t kReqBytecode = 1;
  constexpr std::size_t kProgramSize = 8;
  std::size_t at = buf.size();
  buf.resize(at + 4 + kProgramSize);
  std::uint8_t* attr = buf.data() + at;
  StoreHost16(attr, static_cast<std::uint16_t>(4 + kProgramSize));
  StoreHost16(attr + 2, kReqBytecode);
  const std::uint8_t codes[] = {kBcAuto, kBcJmp};
  for (std::size_t i = 0; i < 2; ++i) {
    std::uint8_t* op = attr + 4 + 4 * i;
    op[0] = codes[i];
    op[1] = 4;
    StoreHost16(op + 2, 8);
  }
  StoreHost32(buf.data(), static_cast<std::uint32_t>(buf.size()));
  return buf;
}

}  // namespace epx

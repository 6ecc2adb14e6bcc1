// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_iter_records.h"

#include <cstdint>
#include <cstring>

#include "sources/linux/procfs_net_parser.h"

namespace epx {
namespace {

constexpr std::uint8_t kAfInet = 2;
constexpr std::uint8_t kAfInet6 = 10;

IpAddress AddressOf(Family family, const unsigned char* bytes) {
  IpAddress ip;
  ip.family = family;
  std::memcpy(ip.bytes.data(), bytes, family == Family::kIpv4 ? 4 : 16);
  return ip;
}

bool Decode(const epx_socket_record& r, SocketRecord* s) {
  if (r.protocol == EPX_SOCKET_TCP) {
    s->protocol = Protocol::kTcp;
  } else if (r.protocol == EPX_SOCKET_UDP) {
    s->protocol = Protocol::kUdp;
  } else {
    return false;
  }
  if (r.family == kAfInet) {
    s->family = Family::kIpv4;
  } else if (r.family == kAfInet6) {
    s->family = Family::kIpv6;
  } else {
    return false;
  }
  if (!LinuxStateFromNumber(r.state, s->protocol, &s->state) ||
      r.inode > UINT32_MAX)
    return false;
  s->local_address = AddressOf(s->family, r.local_addr);
  s->remote_address = AddressOf(s->family, r.remote_addr);
  s->local_port = r.local_port;
  s->remote_port = r.remote_port;
  s->inode = static_cast<std::uint32_t>(r.inode);
  s->bound_device = r.bound_dev_if;
  s->timewait_object = (r.flags & EPX_SOCKET_TIMEWAIT) != 0;
  if (r.flags & EPX_SOCKET_EXPIRES) s->expires_ms = r.expires_ms;
  std::uint8_t facts = kFactsKnown;
  if (r.flags & EPX_SOCKET_BIND_BUCKET) facts |= kFactBindBucket;
  if (r.flags & EPX_SOCKET_REUSEADDR) facts |= kFactReuseAddr;
  if (r.flags & EPX_SOCKET_REUSEPORT) facts |= kFactReusePort;
  if (r.flags & EPX_SOCKET_TIMESTAMPS) facts |= kFactTimestamps;
  s->kernel_facts = facts;
  s->port_range_low = r.range_low;
  s->port_range_high = r.range_high;
  return true;
}

// Walks whole Record-sized entries of `data`; `take` returns false for a
// malformed one.
template <typename Record, typename Take>
SocketIterDecodeResult DecodeFixedRecords(const std::uint8_t* data,
                                          std::size_t size, Take take) {
  SocketIterDecodeResult result;
  constexpr std::size_t kSize = sizeof(Record);
  for (; size - result.consumed >= kSize; result.consumed += kSize) {
    Record r;
    std::memcpy(&r, data + result.consumed, kSize);
    if (!take(r)) ++result.malformed;
  }
  return result;
}

}  // namespace

SocketIterDecodeResult DecodeSocketIterRecords(const std::uint8_t* data,
                                               std::size_t size,
                                               std::vector<SocketRecord>* out) {
  return DecodeFixedRecords<epx_socket_record>(
      data, size, [out](const epx_socket_record& r) {
        SocketRecord s;
        if (!Decode(r, &s)) return false;
        out->push_back(s);
        return true;
      });
}

SocketIterDecodeResult DecodeOwnerRecords(const std::uint8_t* data,
                                          std::size_t size,
                                          std::vector<InodeOwner>* out) {
  return DecodeFixedRecords<epx_owner_record>(
      data, size, [out](const epx_owner_record& r) {
        if (r.inode == 0 || r.inode > UINT32_MAX || r.pid == 0 ||
            r.pid > INT32_MAX)
          return false;
        out->push_back(InodeOwner{static_cast<std::uint32_t>(r.inode),
                                  static_cast<std::int32_t>(r.pid)});
        return true;
      });
}

}  // namespace epx

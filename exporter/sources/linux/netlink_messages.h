// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace epx {

/// Progress of parsing a netlink dump, one receive buffer at a time.
struct NetlinkDumpState {
  bool done = false;
  /// errno carried by an NLMSG_ERROR reply, 0 if none.
  int error = 0;
  std::size_t malformed_messages = 0;
};

/// Pure: the errno of an NLMSG_ERROR reply's code. Kernel errnos are small
/// negatives (a positive one is taken as is); anything out of range is
/// EINVAL (INT32_MIN has no positive).
inline int NetlinkErrno(std::int32_t code) {
  constexpr std::int32_t kMaxErrno = 4095;
  constexpr int kEinval = 22;
  if (code < 0 && code >= -kMaxErrno) return -code;
  if (code >= 0 && code <= kMaxErrno) return code;
  return kEinval;
}

/// Pure: walks the messages (struct nlmsghdr, uapi linux/netlink.h) of one
/// receive buffer. NLMSG_DONE ends the dump, NLMSG_ERROR ends it with its
/// errno, a header that does not fit counts as malformed and stops the
/// buffer; every other message goes to
/// `on_message(type, body, body_size)`, which returns false for a
/// malformed one.
template <typename OnMessage>
void WalkNetlinkMessages(const std::uint8_t* data, std::size_t size,
                         NetlinkDumpState* state, OnMessage on_message) {
  constexpr std::size_t kHeaderSize = 16;
  constexpr std::uint16_t kError = 2;
  constexpr std::uint16_t kDone = 3;
  std::size_t offset = 0;
  while (!state->done && offset < size && size - offset >= kHeaderSize) {
    const std::uint8_t* hdr = data + offset;
    std::uint32_t len;
    std::uint16_t type;
    std::memcpy(&len, hdr, 4);
    std::memcpy(&type, hdr + 4, 2);
    if (len < kHeaderSize || len > size - offset) {
      ++state->malformed_messages;
      return;
    }
    const std::uint8_t* body = hdr + kHeaderSize;
    std::size_t body_size = len - kHeaderSize;
    if (type == kDone) {
      state->done = true;
    } else if (type == kError) {
      std::int32_t code = 0;
      if (body_size >= 4) std::memcpy(&code, body, 4);
      state->error = NetlinkErrno(code);
      state->done = true;
    } else if (!on_message(type, body, body_size)) {
      ++state->malformed_messages;
    }
    offset += (len + 3u) & ~std::size_t{3};
  }
}

}  // namespace epx

#pragma once

#include <cstdint>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Pure: remembers, across collections, the TCP ports whose bind bucket was
/// made by a listener or bound socket, and keeps them held for every
/// destination while sockets the kernel counts as the bucket's owners remain
/// on them (accepted children after their listener closed, timewait
/// descendants).
class BindBucketMemory {
 public:
  BindBucketMemory();

  /// Feeds one complete socket list and returns, sorted, the ports held by a
  /// remembered bucket that no listener or bound socket holds now. With
  /// connect_bind_reset (Linux 6.18+), sockets that connect() placed on the
  /// port before any bind joined it do not keep the bucket.
  std::vector<std::uint16_t> Update(const std::vector<SocketRecord>& sockets,
                                    bool connect_bind_reset);

 private:
  std::vector<bool> remembered_;
  /// Sorted cookies of TCP sockets first seen on a port no bucket held.
  std::vector<std::uint64_t> plain_;
};

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Pure: which connected TCP sockets were bound to an explicit port
/// (SOCK_BINDPORT_LOCK, from BuildExplicitPortTcpDiagRequest's dump), by
/// cookie. bind() made such a socket's bucket, so connect() skips its port
/// for every destination. The mark never changes in a socket's life, so the
/// filtered dump is needed only when a socket not classified yet appears.
class ExplicitPortMarks {
 public:
  /// True when a connected TCP socket of `sockets` that is not on a
  /// listener's or bound socket's port is not classified yet.
  bool NeedsDump(const std::vector<SocketRecord>& sockets) const;
  /// Classifies the connected TCP sockets of `sockets`: explicit when their
  /// cookie is in `explicit_port` (a dump made after `sockets` was read).
  void Update(const std::vector<SocketRecord>& sockets,
              const std::vector<SocketRecord>& explicit_port);
  /// Forgets every classification (the next collection dumps again).
  void Clear();
  /// Sets kFactBindBucket on the sockets classified as explicit; returns
  /// how many.
  std::size_t Mark(std::vector<SocketRecord>* sockets) const;

 private:
  /// Sorted cookies of the sockets classified, and of the explicit ones.
  std::vector<std::uint64_t> classified_;
  std::vector<std::uint64_t> explicit_;
};

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

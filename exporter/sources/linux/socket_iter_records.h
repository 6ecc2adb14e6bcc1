// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/socket_record.h"
#include "sources/linux/bpf/socket_iter.h"
#include "sources/linux/socket_attribution.h"

namespace epx {

/// What decoding one buffer of iterator output found.
struct SocketIterDecodeResult {
  /// Bytes of whole records consumed; the rest is the start of a record the
  /// next read completes.
  std::size_t consumed = 0;
  /// Records with an unknown protocol, family or state, skipped.
  std::size_t malformed = 0;
};

/// Pure: appends the sockets of the whole epx_socket_record entries at the
/// start of data to *out, as the netlink source reports them (timewait and
/// request sockets with their inet_diag state and inode 0), with the
/// kernel facts in kernel_facts and the per-socket port range.
SocketIterDecodeResult DecodeSocketIterRecords(const std::uint8_t* data,
                                               std::size_t size,
                                               std::vector<SocketRecord>* out);

/// Pure: appends the (inode, pid) of the whole epx_owner_record entries at
/// the start of data to *out; records with inode or pid 0 are malformed.
SocketIterDecodeResult DecodeOwnerRecords(const std::uint8_t* data,
                                          std::size_t size,
                                          std::vector<InodeOwner>* out);

}  // namespace epx

#include "sources/linux/bind_bucket_memory.h"

#include <algorithm>

namespace epx {

BindBucketMemory::BindBucketMemory() : remembered_(65536, false) {}

std::vector<std::uint16_t> BindBucketMemory::Update(
    const std::vector<SocketRecord>& sockets, bool connect_bind_reset) {
  std::vector<bool> exclusive(65536, false);
  for (const SocketRecord& s : sockets) {
    if (s.protocol == Protocol::kTcp && s.local_port != 0 &&
        IsExclusiveState(s.state))
      exclusive[s.local_port] = true;
  }
  std::vector<bool> kept(65536, false);
  std::vector<std::uint64_t> plain;
  for (const SocketRecord& s : sockets) {
    if (s.protocol != Protocol::kTcp || s.local_port == 0 ||
        IsExclusiveState(s.state))
      continue;
    std::uint16_t port = s.local_port;
    bool is_plain =
        connect_bind_reset && s.cookie != 0 &&
        ((!remembered_[port] && !exclusive[port]) ||
         std::binary_search(plain_.begin(), plain_.end(), s.cookie));
    if (is_plain) {
      plain.push_back(s.cookie);
    } else if (remembered_[port] && !exclusive[port]) {
      kept[port] = true;
    }
  }
  std::vector<std::uint16_t> out;
  for (std::uint32_t port = 1; port < 65536; ++port) {
    if (kept[port]) out.push_back(static_cast<std::uint16_t>(port));
    remembered_[port] = exclusive[port] || kept[port];
  }
  std::sort(plain.begin(), plain.end());
  plain_ = std::move(plain);
  return out;
}

}  // namespace epx

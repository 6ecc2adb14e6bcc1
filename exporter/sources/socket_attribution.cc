#include "sources/socket_attribution.h"

#include <algorithm>

namespace epx {

void InodeOwners::Attribute(Snapshot* snapshot) {
  if (!sorted_) {
    std::sort(pairs_.begin(), pairs_.end());
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
    sorted_ = true;
  }
  snapshot->extra_owners.clear();
  for (std::size_t i = 0; i < snapshot->sockets.size(); ++i) {
    SocketRecord& s = snapshot->sockets[i];
    if (s.inode == 0) continue;
    auto it = std::lower_bound(pairs_.begin(), pairs_.end(),
                               std::make_pair(s.inode, INT64_MIN));
    if (it == pairs_.end() || it->first != s.inode) continue;
    s.pid = it->second;
    for (++it; it != pairs_.end() && it->first == s.inode; ++it) {
      snapshot->extra_owners.push_back(
          ExtraOwner{static_cast<std::uint32_t>(i), it->second});
    }
  }
}

}  // namespace epx

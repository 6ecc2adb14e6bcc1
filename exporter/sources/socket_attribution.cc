#include "sources/socket_attribution.h"

#include <algorithm>

namespace epx {

void InodeOwners::Attribute(Snapshot* snapshot,
                            const std::vector<std::size_t>* only) {
  if (!sorted_) {
    std::sort(pairs_.begin(), pairs_.end());
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
    sorted_ = true;
  }
  if (only == nullptr) snapshot->extra_owners.clear();
  std::size_t n = only ? only->size() : snapshot->sockets.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = only ? (*only)[k] : k;
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
  if (only != nullptr) {
    std::stable_sort(snapshot->extra_owners.begin(),
                     snapshot->extra_owners.end(),
                     [](const ExtraOwner& a, const ExtraOwner& b) {
                       return a.socket_index < b.socket_index;
                     });
  }
}

}  // namespace epx

// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_attribution.h"

#include <algorithm>

namespace epx {
namespace {

constexpr std::uint64_t kLow32 = 0xffffffffu;

std::size_t Spread(std::uint32_t inode, std::size_t slots) {
  std::uint64_t h = inode * 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>((static_cast<unsigned __int128>(h) * slots) >>
                                  64);
}

bool Fits(std::uint64_t inode, std::int64_t pid) {
  return inode != 0 && inode <= kLow32 && pid >= 0 &&
         static_cast<std::uint64_t>(pid) <= kLow32;
}

}  // namespace

void InodeOwners::Clear() {
  std::fill(slots_.begin(), slots_.end(), 0);
  used_ = 0;
  others_.clear();
}

std::size_t InodeOwners::Find(std::uint32_t inode) const {
  std::size_t n = slots_.size();
  std::size_t i = Spread(inode, n);
  while (slots_[i] != 0 && (slots_[i] >> 32) != inode) {
    if (++i == n) i = 0;
  }
  return i;
}

void InodeOwners::Rehash(std::size_t slots) {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(slots, 0);
  for (std::uint64_t entry : old) {
    if (entry != 0)
      slots_[Find(static_cast<std::uint32_t>(entry >> 32))] = entry;
  }
}

void InodeOwners::Reserve(std::size_t n) {
  if ((used_ + n) * 3 > slots_.size() * 2) Rehash((used_ + n) * 3 / 2 + 64);
}

void InodeOwners::Add(std::uint64_t inode, std::int64_t pid) {
  if (!Fits(inode, pid)) {
    others_.emplace(inode, pid);
    return;
  }
  if ((used_ + 1) * 3 > slots_.size() * 2) Rehash(slots_.size() * 2 + 64);
  std::uint64_t entry = inode << 32 | static_cast<std::uint64_t>(pid);
  std::uint64_t& slot = slots_[Find(static_cast<std::uint32_t>(inode))];
  if (slot == 0) {
    slot = entry;
    ++used_;
    return;
  }
  auto held = static_cast<std::int64_t>(slot & kLow32);
  if (held == pid) return;
  others_.emplace(inode, std::max(held, pid));
  if (pid < held) slot = entry;
}

void InodeOwners::EraseSlot(std::size_t i) {
  std::size_t n = slots_.size();
  for (std::size_t j = i;;) {
    if (++j == n) j = 0;
    if (slots_[j] == 0) break;
    std::size_t home = Spread(static_cast<std::uint32_t>(slots_[j] >> 32), n);
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = 0;
  --used_;
}

void InodeOwners::Remove(std::uint64_t inode, std::int64_t pid) {
  if (Fits(inode, pid) && !slots_.empty()) {
    std::size_t i = Find(static_cast<std::uint32_t>(inode));
    if (slots_[i] != 0 &&
        static_cast<std::int64_t>(slots_[i] & kLow32) == pid) {
      auto next = others_.lower_bound(std::make_pair(inode, INT64_MIN));
      if (next != others_.end() && next->first == inode &&
          Fits(inode, next->second)) {
        slots_[i] = inode << 32 | static_cast<std::uint64_t>(next->second);
        others_.erase(next);
      } else {
        EraseSlot(i);
      }
      return;
    }
  }
  others_.erase(std::make_pair(inode, pid));
}

std::int64_t InodeOwners::Lookup(std::uint64_t inode) const {
  if (inode <= kLow32 && !slots_.empty()) {
    std::uint64_t slot = slots_[Find(static_cast<std::uint32_t>(inode))];
    if (slot != 0) return static_cast<std::int64_t>(slot & kLow32);
  }
  return kUnknownPid;
}

void InodeOwners::Attribute(Snapshot* snapshot,
                            const std::vector<std::size_t>* only) {
  if (only == nullptr) snapshot->extra_owners.clear();
  std::size_t n = only ? only->size() : snapshot->sockets.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = only ? (*only)[k] : k;
    SocketRecord& s = snapshot->sockets[i];
    if (s.inode == 0) continue;
    std::int64_t pid = Lookup(s.inode);
    auto it = others_.lower_bound(std::make_pair(s.inode, INT64_MIN));
    bool first = pid == kUnknownPid;
    for (; it != others_.end() && it->first == s.inode; ++it) {
      if (first) {
        pid = it->second;
        first = false;
        continue;
      }
      snapshot->extra_owners.push_back(
          ExtraOwner{static_cast<std::uint32_t>(i), it->second});
    }
    if (pid != kUnknownPid) s.pid = static_cast<std::int32_t>(pid);
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
